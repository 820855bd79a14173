import type { Tensor } from '../core/tensor.js';
import { relu, sigmoid, softplus, tanh } from '../ops/unary.js';
import { softmax } from '../ops/softmax.js';
import { ownEntry } from '../utils/own.js';

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
  const key = (name ?? 'linear') as ActivationName;
  const fn = ownEntry(ACTIVATIONS, key);
  if (!fn) {
    throw new Error(`Unknown activation '${name}'. Expected one of: ${Object.keys(ACTIVATIONS).join(', ')}.`);
  }
  return { name: key, fn };
}
