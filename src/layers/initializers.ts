import type { DType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { full, randomNormal, randomUniform, truncatedNormal } from '../ops/creation.js';
import { getRandom } from '../core/random.js';
import { Tensor as TensorClass } from '../core/tensor.js';
import { sizeOf } from '../core/shape.js';
import { ownEntry } from '../utils/own.js';
import { resolveName } from '../utils/option-names.js';

/** A weight initializer; `config` round-trips through Keras's JSON (`class_name` + `config`). */
export interface Initializer {
  readonly className: string;
  readonly config: Record<string, unknown>;
  init(shape: readonly number[], dtype?: DType): Tensor;
}

/** Keras's fan-in / fan-out: receptive field times the last two axes. */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2]! * receptive, shape[shape.length - 1]! * receptive];
}

type Mode = 'fan_in' | 'fan_out' | 'fan_avg';
type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

function varianceScaling(className: string, scale: number, mode: Mode, distribution: Distribution): Initializer {
  return {
    className,
    config: className === 'VarianceScaling' ? { scale, mode, distribution, seed: null } : { seed: null },
    init(shape, dtype = 'float32') {
      const [fanIn, fanOut] = computeFans(shape);
      const fan = mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
      const s = scale / Math.max(1, fan);
      if (distribution === 'uniform') {
        const limit = Math.sqrt(3 * s);
        return randomUniform(shape, -limit, limit, { dtype });
      }
      if (distribution === 'untruncated_normal') return randomNormal(shape, 0, Math.sqrt(s), { dtype });
      // Stddev of a unit normal truncated at two standard deviations.
      return truncatedNormal(shape, 0, Math.sqrt(s) / 0.87962566103423978, { dtype });
    },
  };
}

function constant(className: string, value: number): Initializer {
  return {
    className,
    config: className === 'Constant' ? { value } : {},
    init: (shape, dtype = 'float32') => full(shape, value, dtype),
  };
}

/** A random orthogonal matrix (QR of a Gaussian matrix, signs fixed by R's diagonal), as Keras. */
function orthogonal(gain = 1): Initializer {
  return {
    className: 'Orthogonal',
    config: { gain, seed: null },
    init(shape, dtype = 'float32') {
      if (shape.length < 2)
        throw new Error(`Orthogonal initializer needs a shape of rank >= 2, got [${shape.join(', ')}].`);
      const rows = sizeOf(shape.slice(0, -1));
      const cols = shape[shape.length - 1]!;
      const [r, c] = rows < cols ? [cols, rows] : [rows, cols];
      const rng = getRandom();
      // Columns of a (r x c, r >= c) Gaussian matrix, orthonormalised by modified Gram-Schmidt.
      const q: Float64Array[] = [];
      for (let j = 0; j < c; j++) {
        const v = new Float64Array(r);
        for (let i = 0; i < r; i++) v[i] = rng.normal();
        for (const u of q) {
          let dot = 0;
          for (let i = 0; i < r; i++) dot += u[i]! * v[i]!;
          for (let i = 0; i < r; i++) v[i]! -= dot * u[i]!;
        }
        let norm = 0;
        for (let i = 0; i < r; i++) norm += v[i]! * v[i]!;
        norm = Math.sqrt(norm);
        for (let i = 0; i < r; i++) v[i]! /= norm;
        q.push(v);
      }
      const out = TensorClass.empty(shape, dtype);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          // Transpose back when the matrix was wider than tall.
          out.data[i * cols + j] = gain * (rows < cols ? q[i]![j]! : q[j]![i]!);
        }
      }
      return out;
    },
  };
}

export interface InitializerOptions {
  minval?: number;
  maxval?: number;
  mean?: number;
  stddev?: number;
  value?: number;
  gain?: number;
  scale?: number;
  mode?: Mode;
  distribution?: Distribution;
}

export function randomUniformInitializer(minval = -0.05, maxval = 0.05): Initializer {
  return {
    className: 'RandomUniform',
    config: { minval, maxval, seed: null },
    init: (shape, dtype = 'float32') => randomUniform(shape, minval, maxval, { dtype }),
  };
}

export function randomNormalInitializer(mean = 0, stddev = 0.05): Initializer {
  return {
    className: 'RandomNormal',
    config: { mean, stddev, seed: null },
    init: (shape, dtype = 'float32') => randomNormal(shape, mean, stddev, { dtype }),
  };
}

const FACTORIES: Record<string, (o: InitializerOptions) => Initializer> = {
  zeros: () => constant('Zeros', 0),
  ones: () => constant('Ones', 1),
  constant: (o) => constant('Constant', o.value ?? 0),
  random_uniform: (o) => randomUniformInitializer(o.minval, o.maxval),
  random_normal: (o) => randomNormalInitializer(o.mean, o.stddev),
  truncated_normal: (o) => ({
    className: 'TruncatedNormal',
    config: { mean: o.mean ?? 0, stddev: o.stddev ?? 0.05, seed: null },
    init: (shape, dtype = 'float32') => truncatedNormal(shape, o.mean ?? 0, o.stddev ?? 0.05, { dtype }),
  }),
  glorot_uniform: () => varianceScaling('GlorotUniform', 1, 'fan_avg', 'uniform'),
  glorot_normal: () => varianceScaling('GlorotNormal', 1, 'fan_avg', 'truncated_normal'),
  he_normal: () => varianceScaling('HeNormal', 2, 'fan_in', 'truncated_normal'),
  he_uniform: () => varianceScaling('HeUniform', 2, 'fan_in', 'uniform'),
  lecun_normal: () => varianceScaling('LecunNormal', 1, 'fan_in', 'truncated_normal'),
  lecun_uniform: () => varianceScaling('LecunUniform', 1, 'fan_in', 'uniform'),
  variance_scaling: (o) =>
    varianceScaling('VarianceScaling', o.scale ?? 1, o.mode ?? 'fan_in', o.distribution ?? 'truncated_normal'),
  orthogonal: (o) => orthogonal(o.gain ?? 1),
};

/** Keras class names map to the same factories (for configs read from files). */

export type InitializerIdentifier = string | Initializer | { class_name: string; config?: Record<string, unknown> };

/** Resolves `'glorot_uniform'`, an Initializer, or a Keras `{class_name, config}` object. */
export function getInitializer(id: InitializerIdentifier): Initializer {
  if (typeof id === 'object' && 'init' in id) return id;
  if (id === null || (typeof id !== 'string' && typeof id !== 'object'))
    throw new Error(`initializer must be a name such as 'glorot_uniform' or an initializer, got ${String(id)}.`);
  const [name, options] = typeof id === 'string' ? [id, {}] : [id.class_name, id.config ?? {}];
  if (typeof name !== 'string') throw new Error(`initializer config has no class_name: ${JSON.stringify(id)}.`);
  // 'glorot_uniform', 'glorotUniform' and 'GlorotUniform' are one name; an unknown one names the nearest.
  const key = resolveName('initializer', name, Object.keys(FACTORIES));
  return ownEntry(FACTORIES, key)!(options as InitializerOptions);
}

/** Keras's JSON form of an initializer. */
export function serializeInitializer(init: Initializer): { class_name: string; config: Record<string, unknown> } {
  return { class_name: init.className, config: { ...init.config } };
}
