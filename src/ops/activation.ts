import { type FusedActivation, LEAKY_RELU_SLOPE, needsPreActivation } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { assertFloat, uninitializedOutput } from './operand.js';
import { reluGrad } from './unary.js';

/**
 * The activations with their own kernels (relu, leaky_relu, gelu exact and tanh, silu), each one
 * pass forward and one backward, with the arithmetic matmul and convolution fuse into their
 * epilogues. alpha is leaky_relu's slope below zero.
 */
export function fusedActivation(x: Tensor, act: FusedActivation, alpha = LEAKY_RELU_SLOPE): Tensor {
  if (act === 'linear') return x;
  assertFloat(x, act);
  if (act === 'leaky_relu' && !(alpha >= 0)) {
    throw new Error(`leaky_relu: the fused kernel needs a slope >= 0, got ${alpha}.`);
  }
  const out = uninitializedOutput(x.shape, x.dtype);
  backend().activation(act, x.data as FloatArray, alpha, out.data as FloatArray);
  return record(out, act, [x], (g) => [activationBackward(act, g, needsPreActivation(act) ? x : out, alpha)]);
}

/**
 * g * act'(z), z the value before the activation; for relu and leaky_relu the output serves as
 * well (same sign, with a slope >= 0).
 */
export function activationBackward(act: FusedActivation, g: Tensor, z: Tensor, alpha = LEAKY_RELU_SLOPE): Tensor {
  if (act === 'linear') return g;
  if (act === 'relu') return reluGrad(g, z);
  const out = uninitializedOutput(g.shape, g.dtype);
  backend().activationGrad(act, g.data as FloatArray, z.data as FloatArray, alpha, out.data as FloatArray);
  return out;
}
