import type { DType } from '../core/dtype.js';

/** A policy's dtypes: the tensor dtypes layers take, plus float16, which a policy can name but nothing here computes in. */
export type PolicyDType = 'float32' | 'float64' | 'bfloat16' | 'float16' | 'int32' | 'uint8' | 'bool';

const DTYPE_NAMES: readonly PolicyDType[] = ['float32', 'float64', 'bfloat16', 'float16', 'int32', 'uint8', 'bool'];

/**
 * Keras's dtype policy: the dtype a layer computes in and the dtype its variables are stored in.
 * `'mixed_bfloat16'` computes in bfloat16 with float32 variables (Keras casts the variables to the
 * compute dtype when the layer reads them), `'mixed_float16'` likewise in float16; the name of a
 * dtype (`'float32'`, `'bfloat16'`, `'int32'`, ...) uses it for both.
 *
 * Every layer holds one (`layer.dtypePolicy`, see Layer.bf16Compute for how bfloat16 compute runs).
 */
export class DTypePolicy {
  readonly name: string;
  readonly computeDtype: PolicyDType;
  readonly variableDtype: PolicyDType;

  constructor(name: string = 'float32') {
    if (typeof name !== 'string') {
      throw new Error(`DTypePolicy: the name must be a string, got ${typeof name}.`);
    }
    if (name === 'mixed_bfloat16' || name === 'mixed_float16') {
      this.computeDtype = name === 'mixed_bfloat16' ? 'bfloat16' : 'float16';
      this.variableDtype = 'float32';
    } else if ((DTYPE_NAMES as readonly string[]).includes(name)) {
      this.computeDtype = name as PolicyDType;
      this.variableDtype = name as PolicyDType;
    } else {
      throw new Error(
        `DTypePolicy: '${name}' is not a dtype policy; expected 'mixed_bfloat16', 'mixed_float16' or a dtype name (${DTYPE_NAMES.join(', ')}).`,
      );
    }
    this.name = name;
  }

  /** Keras's `get_config()`: the name is all a policy holds. */
  getConfig(): { name: string } {
    return { name: this.name };
  }

  static fromConfig(config: { name: string }): DTypePolicy {
    return new DTypePolicy(config.name);
  }

  /** As Keras 3 prints it: `<DTypePolicy "mixed_bfloat16">`. */
  toString(): string {
    return `<DTypePolicy "${this.name}">`;
  }
}

let globalPolicy = new DTypePolicy('float32');

/**
 * Keras's `keras.mixed_precision.set_global_policy` (also `keras.config.set_dtype_policy`): the
 * policy layers built afterwards default to. Policies computing in float16 are refused here, since
 * deepscript has no float16 kernels; `'mixed_bfloat16'` is the CPU mixed-precision policy.
 */
export function setGlobalPolicy(policy: DTypePolicy | string): void {
  const p = typeof policy === 'string' ? new DTypePolicy(policy) : policy;
  if (!(p instanceof DTypePolicy)) throw new Error('setGlobalPolicy: expected a DTypePolicy or a policy name.');
  if (p.computeDtype === 'float16' || p.variableDtype === 'float16') {
    throw new Error(
      `setGlobalPolicy: policy '${p.name}' computes in float16, which deepscript has no kernels for; use 'mixed_bfloat16'.`,
    );
  }
  globalPolicy = p;
}

/** Keras's `keras.mixed_precision.global_policy()` (float32 until set). */
export function getGlobalPolicy(): DTypePolicy {
  return globalPolicy;
}

/** The tensor dtype of a policy dtype (float16 has none here). */
export function policyTensorDtype(d: PolicyDType): DType {
  if (d === 'float16') throw new Error('DTypePolicy: float16 tensors are not supported; use bfloat16.');
  return d;
}
