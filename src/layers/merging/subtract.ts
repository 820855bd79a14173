import type { Tensor } from '../../core/tensor.js';
import { sub } from '../../ops/binary.js';
import type { LayerArgs } from '../layer.js';
import { Merge } from './merge-base.js';

/** The first input minus the second (exactly two inputs, as Keras). */
export class Subtract extends Merge {
  constructor(args: LayerArgs = {}) {
    super(args);
    this.minInputs = 2;
    this.maxInputs = 2;
  }

  protected merge([a, b]: Tensor[]): Tensor {
    return sub(a!, b!);
  }
}
