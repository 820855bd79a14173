import type { Tensor } from '../core/tensor.js';
import { relu, sigmoid, softplus, tanh } from '../ops/unary.js';
import { softmax } from '../ops/softmax.js';
import { ownEntry } from '../utils/own.js';
import { resolveName } from '../utils/option-names.js';

export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'softplus';
export type ActivationFn = (x: Tensor) => Tensor;

const ACTIVATIONS: Record<ActivationName, ActivationFn> = {
  linear: (x) => x,
  relu,
  sigmoid,
  tanh,
  softmax: (x) => softmax(x, -1),
  softplus,
};

/** Resolves Keras's activation identifiers (null and undefined mean linear). */
export function getActivation(name: string | null | undefined): { name: ActivationName; fn: ActivationFn } {
  if (name !== null && name !== undefined && typeof name !== 'string')
    throw new Error(`activation must be a name such as 'relu', got ${typeof name}.`);
  // snake_case, camelCase and PascalCase spellings are one name; an unknown one names the nearest.
  const key = resolveName('activation', name ?? 'linear', Object.keys(ACTIVATIONS)) as ActivationName;
  const fn = ownEntry(ACTIVATIONS, key)!;
  return { name: key, fn };
}
