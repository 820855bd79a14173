import type { Tensor } from '../../core/tensor.js';
import type { SymbolicTensor } from '../graph/symbolic-tensor.js';
import type { LayerArgs } from '../layer.js';
import { Add } from './add.js';
import { Average } from './average.js';
import type { ConcatenateArgs } from './concatenate.js';
import { Concatenate } from './concatenate.js';
import type { DotArgs } from './dot.js';
import { Dot } from './dot.js';
import { Maximum } from './maximum.js';
import { Minimum } from './minimum.js';
import { Multiply } from './multiply.js';
import { Subtract } from './subtract.js';

export { Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract };
export type { ConcatenateArgs, DotArgs };
export { Merge } from './merge-base.js';
import './serialization.js';

/*
 * Keras's functional forms: `layers.add([a, b])` makes the layer and calls it at once. They take
 * symbolic tensors (inside a model) or real ones (computed at once).
 */
export function add(inputs: readonly Tensor[], args?: LayerArgs): Tensor;
export function add(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function add(inputs: readonly (Tensor | SymbolicTensor)[], args?: LayerArgs): Tensor | SymbolicTensor {
  return new Add(args).apply(inputs as Tensor[]);
}
export function subtract(inputs: readonly Tensor[], args?: LayerArgs): Tensor;
export function subtract(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function subtract(inputs: readonly (Tensor | SymbolicTensor)[], args?: LayerArgs): Tensor | SymbolicTensor {
  return new Subtract(args).apply(inputs as Tensor[]);
}
export function multiply(inputs: readonly Tensor[], args?: LayerArgs): Tensor;
export function multiply(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function multiply(inputs: readonly (Tensor | SymbolicTensor)[], args?: LayerArgs): Tensor | SymbolicTensor {
  return new Multiply(args).apply(inputs as Tensor[]);
}
export function average(inputs: readonly Tensor[], args?: LayerArgs): Tensor;
export function average(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function average(inputs: readonly (Tensor | SymbolicTensor)[], args?: LayerArgs): Tensor | SymbolicTensor {
  return new Average(args).apply(inputs as Tensor[]);
}
export function maximum(inputs: readonly Tensor[], args?: LayerArgs): Tensor;
export function maximum(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function maximum(inputs: readonly (Tensor | SymbolicTensor)[], args?: LayerArgs): Tensor | SymbolicTensor {
  return new Maximum(args).apply(inputs as Tensor[]);
}
export function minimum(inputs: readonly Tensor[], args?: LayerArgs): Tensor;
export function minimum(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function minimum(inputs: readonly (Tensor | SymbolicTensor)[], args?: LayerArgs): Tensor | SymbolicTensor {
  return new Minimum(args).apply(inputs as Tensor[]);
}
export function concatenate(inputs: readonly Tensor[], args?: ConcatenateArgs): Tensor;
export function concatenate(inputs: readonly SymbolicTensor[], args?: ConcatenateArgs): SymbolicTensor;
export function concatenate(
  inputs: readonly (Tensor | SymbolicTensor)[],
  args?: ConcatenateArgs,
): Tensor | SymbolicTensor {
  return new Concatenate(args).apply(inputs as Tensor[]);
}
export function dot(inputs: readonly Tensor[], axes: number | readonly [number, number], args?: DotArgs): Tensor;
export function dot(
  inputs: readonly SymbolicTensor[],
  axes: number | readonly [number, number],
  args?: DotArgs,
): SymbolicTensor;
export function dot(
  inputs: readonly (Tensor | SymbolicTensor)[],
  axes: number | readonly [number, number],
  args?: DotArgs,
): Tensor | SymbolicTensor {
  return new Dot(axes, args).apply(inputs as Tensor[]);
}
