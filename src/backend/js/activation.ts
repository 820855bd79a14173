import type { FusedActivation } from '../backend.js';
import type { FloatArray } from '../../core/dtype.js';
import { erfScalar } from '../../core/special-functions.js';

/**
 * The fused activations and their derivatives on one number, in float64: the reference for the
 * matmul and convolution epilogues and for the standalone activation kernels.
 */

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_TANH_CUBIC = 0.044715;

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function activate(act: FusedActivation, z: number, alpha: number): number {
  switch (act) {
    case 'linear':
      return z;
    case 'relu':
      // z < 0 ? 0 : z keeps NaN, as Math.max(0, NaN) does.
      return z < 0 ? 0 : z;
    case 'leaky_relu':
      return z < 0 ? alpha * z : z;
    case 'gelu':
      return 0.5 * z * (1 + erfScalar(z * Math.SQRT1_2));
    case 'gelu_tanh':
      return 0.5 * z * (1 + Math.tanh(SQRT_2_OVER_PI * (z + GELU_TANH_CUBIC * z * z * z)));
    case 'silu':
      return z * sigmoid(z);
  }
}

/** d activation / dz at z (for relu and leaky_relu, z may be the output: only its sign is read). */
export function activationDerivative(act: FusedActivation, z: number, alpha: number): number {
  switch (act) {
    case 'linear':
      return 1;
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'leaky_relu':
      return z > 0 ? 1 : alpha;
    case 'gelu':
      // Phi(z) + z phi(z).
      return 0.5 * (1 + erfScalar(z * Math.SQRT1_2)) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    case 'gelu_tanh': {
      const t = Math.tanh(SQRT_2_OVER_PI * (z + GELU_TANH_CUBIC * z * z * z));
      return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * z * z);
    }
    case 'silu': {
      const s = sigmoid(z);
      return s * (1 + z * (1 - s));
    }
  }
}

export function activation(act: FusedActivation, x: FloatArray, alpha: number, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) out[i] = activate(act, x[i]!, alpha);
}

export function activationGrad(
  act: FusedActivation,
  grad: FloatArray,
  x: FloatArray,
  alpha: number,
  out: FloatArray,
): void {
  for (let i = 0; i < grad.length; i++) out[i] = grad[i]! * activationDerivative(act, x[i]!, alpha);
}

/**
 * A matmul's epilogue on rows [0, m) of c (row stride n, from cOff): bias, then the activation;
 * pre, when given, receives the values in between.
 */
export function applyEpilogue(
  c: FloatArray,
  cOff: number,
  m: number,
  n: number,
  bias: FloatArray | null | undefined,
  act: FusedActivation,
  alpha: number,
  pre: FloatArray | null | undefined,
): void {
  if (!bias && act === 'linear' && !pre) return;
  for (let i = cOff; i < cOff + m * n; i += n) {
    for (let j = 0; j < n; j++) {
      let v = c[i + j]!;
      if (bias) v += bias[j]!;
      if (pre) pre[i + j] = v;
      c[i + j] = act === 'linear' ? v : activate(act, v, alpha);
    }
  }
}
