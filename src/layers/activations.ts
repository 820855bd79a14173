import type { Tensor } from '../core/tensor.js';
import { add, greater, minimum, mul, div } from '../ops/binary.js';
import { where } from '../ops/logical.js';
import { abs, exp, relu, sigmoid, softplus, tanh } from '../ops/unary.js';
import { fusedActivation } from '../ops/activation.js';
import { astype } from '../ops/cast.js';
import { type FusedActivation, LEAKY_RELU_SLOPE } from '../backend/backend.js';
import { logSoftmax, softmax } from '../ops/softmax.js';
import { ownEntry } from '../utils/own.js';
import { resolveName } from '../utils/option-names.js';

/** Keras 3's activation names (as saved in configs); camelCase spellings resolve to these. */
export type ActivationName =
  | 'linear'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'softmax'
  | 'softplus'
  | 'elu'
  | 'selu'
  | 'gelu'
  | 'silu'
  | 'leaky_relu'
  | 'relu6'
  | 'softsign'
  | 'hard_sigmoid'
  | 'hard_silu'
  | 'exponential'
  | 'mish'
  | 'log_softmax';
export type ActivationFn = (x: Tensor) => Tensor;
/** What `activation:` options accept: the saved names, Keras's aliases and camelCase spellings. */
export type ActivationIdentifier =
  ActivationName | 'swish' | 'hard_swish' | 'leakyRelu' | 'hardSigmoid' | 'hardSilu' | 'hardSwish' | 'logSoftmax';

/** SELU's constants (Klambauer et al. 2017), as keras.activations.selu uses them. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

/** ELU: x for x > 0, alpha (exp(x) - 1) otherwise (exp of min(x, 0), so no overflow on either branch). */
export function elu(x: Tensor, alpha = 1): Tensor {
  return where(greater(x, 0), x, mul(add(exp(minimum(x, 0)), -1), alpha));
}

/** SELU: scale * elu(x, alpha) with Keras's fixed constants. */
export function selu(x: Tensor): Tensor {
  return mul(elu(x, SELU_ALPHA), SELU_SCALE);
}

/**
 * One of the activations with its own kernel (the ones Dense and Conv fuse into their epilogues);
 * bfloat16 runs it on the exact float32 widening and rounds back, as there is no bfloat16 kernel.
 */
function kernelActivation(x: Tensor, act: FusedActivation, alpha?: number): Tensor {
  if (x.dtype !== 'bfloat16') return fusedActivation(x, act, alpha);
  return astype(fusedActivation(astype(x, 'float32'), act, alpha), 'bfloat16');
}

/**
 * GELU: x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)); with `approximate`, Keras's tanh form
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Keras's default is the exact form.
 */
export function gelu(x: Tensor, approximate = false): Tensor {
  return kernelActivation(x, approximate ? 'gelu_tanh' : 'gelu');
}

/** SiLU / swish: x sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return kernelActivation(x, 'silu');
}

/** Leaky ReLU: x for x >= 0, negativeSlope * x below (Keras 3's default slope 0.2). */
export function leakyRelu(x: Tensor, negativeSlope = LEAKY_RELU_SLOPE): Tensor {
  // The kernel reads the gradient's sign from its output, which needs a slope >= 0.
  if (negativeSlope >= 0) return kernelActivation(x, 'leaky_relu', negativeSlope);
  return where(greater(x, 0), x, mul(x, negativeSlope));
}

/**
 * The epilogue activation a Dense or Conv layer can fuse for its activation, or null (the layer
 * then applies the activation after a linear product).
 */
export function fusedForm(name: ActivationName): FusedActivation | null {
  switch (name) {
    case 'linear':
    case 'relu':
    case 'leaky_relu':
    case 'gelu':
    case 'silu':
      return name;
    default:
      return null;
  }
}

/** min(max(x, 0), 6). */
export function relu6(x: Tensor): Tensor {
  return minimum(relu(x), 6);
}

/** x / (1 + |x|). */
export function softsign(x: Tensor): Tensor {
  return div(x, add(abs(x), 1));
}

/** Keras 3's hard sigmoid: relu6(x + 3) / 6 (0 below -3, 1 above 3; Keras 2 used 0.2 x + 0.5 on [-2.5, 2.5]). */
export function hardSigmoid(x: Tensor): Tensor {
  return div(relu6(add(x, 3)), 6);
}

/** Hard SiLU / hard swish: x * relu6(x + 3) / 6. */
export function hardSilu(x: Tensor): Tensor {
  return mul(x, hardSigmoid(x));
}

/** Mish: x tanh(softplus(x)). */
export function mish(x: Tensor): Tensor {
  return mul(x, tanh(softplus(x)));
}

const ACTIVATIONS: Record<ActivationName, ActivationFn> = {
  linear: (x) => x,
  relu,
  sigmoid,
  tanh,
  softmax: (x) => softmax(x, -1),
  softplus,
  elu: (x) => elu(x),
  selu,
  gelu: (x) => gelu(x),
  silu,
  leaky_relu: (x) => leakyRelu(x),
  relu6,
  softsign,
  hard_sigmoid: hardSigmoid,
  hard_silu: hardSilu,
  exponential: exp,
  mish,
  log_softmax: (x) => logSoftmax(x, -1),
};

/** Other spellings Keras accepts (aliases) and the camelCase forms TF.js users write. */
const ALIASES: Record<Exclude<ActivationIdentifier, ActivationName>, ActivationName> = {
  swish: 'silu',
  hard_swish: 'hard_silu',
  leakyRelu: 'leaky_relu',
  hardSigmoid: 'hard_sigmoid',
  hardSilu: 'hard_silu',
  hardSwish: 'hard_silu',
  logSoftmax: 'log_softmax',
};

/**
 * Resolves Keras's activation identifiers (null and undefined mean linear) to the name Keras 3
 * saves ('swish' is saved as 'silu', 'hard_swish' as 'hard_silu', as Keras 3 does).
 */
export function getActivation(name: string | null | undefined): { name: ActivationName; fn: ActivationFn } {
  if (name !== null && name !== undefined && typeof name !== 'string')
    throw new Error(`activation must be a name such as 'relu', got ${typeof name}.`);
  // snake_case, camelCase and PascalCase spellings are one name; an unknown one names the nearest.
  const valid = [...Object.keys(ACTIVATIONS), ...Object.keys(ALIASES)];
  const resolved = resolveName('activation', name ?? 'linear', valid);
  const key = ownEntry(ALIASES as Record<string, ActivationName>, resolved) ?? (resolved as ActivationName);
  const fn = ownEntry(ACTIVATIONS, key)!;
  return { name: key, fn };
}
