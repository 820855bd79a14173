/**
 * Gradient checks (float64, central differences, test/helpers/gradcheck.ts) for the activation,
 * noise, reshaping, Masking and TimeDistributed layers, GlobalAveragePooling1D under a mask and
 * the masked merge layers; and the same layers run on the js reference and the native and wasm
 * backends, forward and backward, on random inputs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import '../src/ops/tensor-methods.js';
import { gradients } from '../src/core/autograd.js';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import * as layers from '../src/layers/index.js';
import { sum } from '../src/ops/reduce.js';
import { mul } from '../src/ops/binary.js';
import { concat } from '../src/ops/concat.js';
import type { InputSpec } from './helpers/gradcheck.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';
import { nativeBackend, wasmBackend } from './helpers/native.js';

const F64 = { dtype: 'float64' } as const;
const T = { training: true };

interface Case {
  name: string;
  inputs: InputSpec[];
  fn: (xs: Tensor[]) => Tensor;
}

const mask3 = (): Tensor => new Tensor(Float64Array.from([1, 0, 1, 1, 1, 0]), [2, 3], 'float64');

/** A layer with its weight replaced by a checked input (so the weight's gradient is checked too). */
function withWeight<L extends layers.Layer>(layer: L, key: string, shape: number[], w: Tensor, x: Tensor): Tensor {
  layer.build([null, ...shape.slice(1)] as never);
  (layer as unknown as Record<string, unknown>)[key] = w;
  return layer.apply(x);
}

const CASES: Case[] = [
  { name: 'ReLU', inputs: [{ shape: [3, 4] }], fn: ([x]) => new layers.ReLU(F64).apply(x!) },
  {
    name: 'ReLU threshold 0.1, slope 0.3, max 0.9',
    inputs: [{ shape: [3, 4] }],
    fn: ([x]) => new layers.ReLU({ threshold: 0.1, negativeSlope: 0.3, maxValue: 0.9, ...F64 }).apply(x!),
  },
  { name: 'LeakyReLU', inputs: [{ shape: [3, 4] }], fn: ([x]) => new layers.LeakyReLU(F64).apply(x!) },
  {
    name: 'PReLU (x and alpha, shared axis 1)',
    inputs: [{ shape: [2, 3, 4] }, { shape: [1, 4] }],
    fn: ([x, a]) => withWeight(new layers.PReLU({ sharedAxes: 1, ...F64 }), 'alpha', [2, 3, 4], a!, x!),
  },
  { name: 'ELU alpha 0.7', inputs: [{ shape: [3, 4] }], fn: ([x]) => new layers.ELU({ alpha: 0.7, ...F64 }).apply(x!) },
  { name: 'Softmax', inputs: [{ shape: [2, 5] }], fn: ([x]) => new layers.Softmax(F64).apply(x!) },
  {
    name: 'Softmax axes [1, 2]',
    inputs: [{ shape: [2, 2, 3] }],
    fn: ([x]) => new layers.Softmax({ axis: [1, 2], ...F64 }).apply(x!),
  },
  {
    name: 'Softmax with a mask',
    inputs: [{ shape: [2, 3] }],
    fn: ([x]) => new layers.Softmax(F64).apply(x!, { mask: mask3() }),
  },
  { name: 'RepeatVector', inputs: [{ shape: [2, 3] }], fn: ([x]) => new layers.RepeatVector(3, F64).apply(x!) },
  { name: 'Permute', inputs: [{ shape: [2, 3, 4] }], fn: ([x]) => new layers.Permute([2, 1], F64).apply(x!) },
  {
    name: 'ZeroPadding1D',
    inputs: [{ shape: [2, 3, 2] }],
    fn: ([x]) => new layers.ZeroPadding1D([1, 2], F64).apply(x!),
  },
  {
    name: 'ZeroPadding2D',
    inputs: [{ shape: [1, 2, 3, 2] }],
    fn: ([x]) =>
      new layers.ZeroPadding2D(
        [
          [1, 0],
          [2, 1],
        ],
        F64,
      ).apply(x!),
  },
  { name: 'Cropping1D', inputs: [{ shape: [2, 5, 2] }], fn: ([x]) => new layers.Cropping1D([1, 2], F64).apply(x!) },
  {
    name: 'Cropping2D',
    inputs: [{ shape: [1, 4, 5, 2] }],
    fn: ([x]) =>
      new layers.Cropping2D(
        [
          [1, 1],
          [0, 2],
        ],
        F64,
      ).apply(x!),
  },
  { name: 'UpSampling1D', inputs: [{ shape: [2, 3, 2] }], fn: ([x]) => new layers.UpSampling1D(3, F64).apply(x!) },
  {
    name: 'UpSampling2D nearest',
    inputs: [{ shape: [1, 2, 3, 2] }],
    fn: ([x]) => new layers.UpSampling2D([2, 3], F64).apply(x!),
  },
  {
    name: 'UpSampling2D bilinear',
    inputs: [{ shape: [1, 3, 2, 2] }],
    fn: ([x]) => new layers.UpSampling2D([2, 3], { interpolation: 'bilinear', ...F64 }).apply(x!),
  },
  {
    name: 'Masking (a constant masked step joined to the checked ones)',
    inputs: [{ shape: [2, 2, 3] }],
    fn: ([x]) => {
      const pad = new Tensor(new Float64Array(6).fill(0.5), [2, 1, 3], 'float64');
      return new layers.Masking({ maskValue: 0.5, ...F64 }).apply(concat([x!, pad], 1));
    },
  },
  {
    name: 'GaussianNoise (training, seeded)',
    inputs: [{ shape: [3, 4] }],
    fn: ([x]) => new layers.GaussianNoise(0.5, { seed: 3, ...F64 }).apply(x!, T),
  },
  {
    name: 'GaussianDropout (training, seeded)',
    inputs: [{ shape: [3, 4] }],
    fn: ([x]) => new layers.GaussianDropout(0.3, { seed: 3, ...F64 }).apply(x!, T),
  },
  {
    name: 'AlphaDropout (training, seeded)',
    inputs: [{ shape: [3, 4] }],
    fn: ([x]) => new layers.AlphaDropout(0.3, { seed: 3, ...F64 }).apply(x!, T),
  },
  {
    name: 'SpatialDropout1D (training, seeded)',
    inputs: [{ shape: [2, 3, 4] }],
    fn: ([x]) => new layers.SpatialDropout1D(0.5, { seed: 3, ...F64 }).apply(x!, T),
  },
  {
    name: 'SpatialDropout2D (training, seeded)',
    inputs: [{ shape: [2, 2, 2, 3] }],
    fn: ([x]) => new layers.SpatialDropout2D(0.5, { seed: 3, ...F64 }).apply(x!, T),
  },
  {
    name: 'TimeDistributed(Dense) (x and kernel)',
    inputs: [{ shape: [2, 3, 4] }, { shape: [4, 2] }],
    fn: ([x, k]) => {
      const dense = new layers.Dense(2, F64);
      dense.build([null, 4]);
      dense.kernel = k as never;
      return new layers.TimeDistributed(dense, F64).apply(x!);
    },
  },
  {
    name: 'TimeDistributed(Conv2D)',
    inputs: [{ shape: [1, 2, 4, 4, 1] }],
    // Built once: its kernel is drawn from the global generator.
    fn: (() => {
      let td: layers.TimeDistributed | null = null;
      return ([x]: Tensor[]) => (td ??= new layers.TimeDistributed(new layers.Conv2D(2, [3, 3], F64), F64)).apply(x!);
    })(),
  },
  {
    name: 'GlobalAveragePooling1D under a mask',
    inputs: [{ shape: [2, 3, 2] }],
    fn: ([x]) => new layers.GlobalAveragePooling1D(F64).apply(x!, { mask: mask3() }),
  },
];

const MERGES: [string, () => layers.Layer][] = [
  ['Maximum', () => new layers.Maximum(F64)],
  ['Minimum', () => new layers.Minimum(F64)],
  ['Multiply', () => new layers.Multiply(F64)],
];
for (const [name, make] of MERGES)
  CASES.push({
    name: `${name} with masks`,
    inputs: [
      { shape: [2, 3, 2], kind: 'distinct' },
      { shape: [2, 3, 2], kind: 'distinct' },
    ],
    fn: ([a, b]) =>
      make().apply([a!, b!], { mask: [mask3(), new Tensor(Float64Array.from([0, 1, 1, 0, 1, 1]), [2, 3], 'float64')] }),
  });

describe('structure layers: float64 gradient checks', () => {
  CASES.forEach((c, i) => {
    test(c.name, () => {
      const rng = new Random(100 + i);
      const inputs = c.inputs.map((s) => makeInput(rng, s));
      gradcheck(c.fn, inputs, { name: c.name, seed: 7 + i });
    });
  });
});

/** Output and input gradients on one backend, in float32. */
function run(c: Case, backendName: string): number[][] {
  const before = getBackend();
  setBackend(backendName);
  try {
    const rng = new Random(500);
    const inputs = c.inputs.map((s) => makeInput(rng, s, 'float64'));
    const xs = inputs.map((x) => {
      const t = x.astype('float32');
      t.requiresGrad = true;
      return t;
    });
    // The layers compute in float64 in the table; cast to float32 around them for a float32 run.
    const y = c.fn(xs.map((x) => x.astype('float64'))).astype('float32');
    const seed = makeInput(new Random(7), { shape: [...y.shape] }, 'float32');
    const grads = gradients(sum(mul(y, seed)), xs, new Tensor(new Float32Array([1]), [], 'float32'));
    return [Array.from(y.data), ...grads.map((g) => (g ? Array.from(g.data) : []))];
  } finally {
    setBackend(before);
  }
}

test('the same layers on the native and wasm backends match the js reference (forward and gradients)', () => {
  nativeBackend();
  wasmBackend();
  for (const c of CASES) {
    const ref = run(c, 'js');
    for (const b of ['native', 'wasm']) {
      const got = run(c, b);
      assert.equal(got.length, ref.length);
      got.forEach((arr, k) => {
        assert.equal(arr.length, ref[k]!.length, `${c.name} on ${b}: part ${k} size`);
        arr.forEach((v, j) =>
          assert.ok(
            Math.abs(v - ref[k]![j]!) <= 1e-5 * Math.max(1, Math.abs(ref[k]![j]!)),
            `${c.name} on ${b}: part ${k}[${j}] ${v} vs js ${ref[k]![j]}`,
          ),
        );
      });
    }
  }
});
