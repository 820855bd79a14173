/**
 * Gradient checks for every merge layer (Keras's Add, Subtract, Multiply, Average, Maximum,
 * Minimum, Concatenate, Dot): the layer applied to float64 tensors, autograd's vector-Jacobian
 * product against central finite differences (test/helpers/gradcheck.ts), on random inputs.
 * Maximum and Minimum get 'distinct' inputs (values 0.1 apart, shuffled), so no two inputs tie
 * and the finite differences never straddle a switch of the winner.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import * as layers from '../src/layers/index.js';
import { Random } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';
import type { InputKind } from './helpers/gradcheck.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';

interface MergeCase {
  name: string;
  make: () => layers.Layer;
  shapes: number[][];
  kind?: InputKind;
}

// Layers compute in their own dtype (Keras casts float inputs to it), so float64 layers here.
const F64 = { dtype: 'float64' } as const;

const ELEMENTWISE: [string, () => layers.Layer][] = [
  ['Add', () => new layers.Add(F64)],
  ['Subtract', () => new layers.Subtract(F64)],
  ['Multiply', () => new layers.Multiply(F64)],
  ['Average', () => new layers.Average(F64)],
  ['Maximum', () => new layers.Maximum(F64)],
  ['Minimum', () => new layers.Minimum(F64)],
];

const cases: MergeCase[] = [];
for (const [name, make] of ELEMENTWISE) {
  const kind: InputKind = name === 'Maximum' || name === 'Minimum' ? 'distinct' : 'signed';
  cases.push({
    name: `${name} of two [3, 4]`,
    make,
    shapes: [
      [3, 4],
      [3, 4],
    ],
    kind,
  });
  // Subtract takes exactly two inputs (Keras); the others take any number.
  if (name !== 'Subtract')
    cases.push({
      name: `${name} of three [2, 3, 2]`,
      make,
      shapes: [
        [2, 3, 2],
        [2, 3, 2],
        [2, 3, 2],
      ],
      kind,
    });
}
cases.push(
  {
    name: 'Concatenate axis -1',
    make: () => new layers.Concatenate(F64),
    shapes: [
      [2, 3],
      [2, 4],
    ],
  },
  {
    name: 'Concatenate axis 1 of rank 3',
    make: () => new layers.Concatenate({ axis: 1, ...F64 }),
    shapes: [
      [2, 1, 3],
      [2, 2, 3],
      [2, 3, 3],
    ],
  },
  {
    name: 'Concatenate axis 2 of rank 3',
    make: () => new layers.Concatenate({ axis: 2, ...F64 }),
    shapes: [
      [2, 3, 1],
      [2, 3, 2],
    ],
  },
  {
    name: 'Concatenate axis -2 of rank 4',
    make: () => new layers.Concatenate({ axis: -2, ...F64 }),
    shapes: [
      [2, 2, 1, 2],
      [2, 2, 3, 2],
    ],
  },
);
for (const normalize of [false, true]) {
  const tag = normalize ? ', normalize' : '';
  cases.push(
    {
      name: `Dot axes 1, rank 2${tag}`,
      make: () => new layers.Dot(1, { normalize, ...F64 }),
      shapes: [
        [3, 4],
        [3, 4],
      ],
    },
    {
      name: `Dot axes -1, rank 3${tag}`,
      make: () => new layers.Dot(-1, { normalize, ...F64 }),
      shapes: [
        [2, 3, 4],
        [2, 5, 4],
      ],
    },
    {
      name: `Dot axes [1, 2], rank 3${tag}`,
      make: () => new layers.Dot([1, 2], { normalize, ...F64 }),
      shapes: [
        [2, 4, 3],
        [2, 5, 4],
      ],
    },
    {
      name: `Dot axes [2, 1], rank 3${tag}`,
      make: () => new layers.Dot([2, 1], { normalize, ...F64 }),
      shapes: [
        [2, 3, 4],
        [2, 4, 2],
      ],
    },
    {
      name: `Dot axes [1, 1], rank 3 and rank 2${tag}`,
      make: () => new layers.Dot([1, 1], { normalize, ...F64 }),
      shapes: [
        [2, 4, 3],
        [2, 4],
      ],
    },
  );
}

describe('merge layers: gradients against finite differences (float64)', () => {
  cases.forEach((c, i) => {
    test(c.name, () => {
      const rng = new Random(1000 + i);
      const inputs = c.shapes.map((shape) => makeInput(rng, { shape, kind: c.kind }));
      const layer = c.make();
      // A fresh layer per call would rebuild; one layer, applied to the perturbed inputs each time.
      const fn = (xs: Tensor[]): Tensor => layer.apply(xs) as Tensor;
      const out = fn(inputs);
      assert.equal(out.dtype, 'float64', 'a float64 layer computes in float64');
      gradcheck(fn, inputs, { name: c.name, seed: 7 + i });
    });
  });
});

describe('Dot computes what Keras computes (worked by hand)', () => {
  test('axes [1, 2] on [b, 4, 3] and [b, 5, 4]: out[b, i, j] = sum_k x[b, k, i] * y[b, j, k]', () => {
    const rng = new Random(5);
    const x = makeInput(rng, { shape: [2, 4, 3] });
    const y = makeInput(rng, { shape: [2, 5, 4] });
    const out = new layers.Dot([1, 2], F64).apply([x, y]) as Tensor;
    assert.deepEqual([...out.shape], [2, 3, 5]);
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 5; j++) {
          let s = 0;
          for (let k = 0; k < 4; k++) s += x.data[b * 12 + k * 3 + i]! * y.data[b * 20 + j * 4 + k]!;
          assert.ok(Math.abs(out.data[b * 15 + i * 5 + j]! - s) < 1e-12, `[${b}, ${i}, ${j}]`);
        }
  });

  test('normalize: the cosine of each pair of rows, shape [b, 1]', () => {
    const rng = new Random(6);
    const x = makeInput(rng, { shape: [3, 4] });
    const y = makeInput(rng, { shape: [3, 4] });
    const out = new layers.Dot(1, { normalize: true, ...F64 }).apply([x, y]) as Tensor;
    assert.deepEqual([...out.shape], [3, 1]);
    for (let b = 0; b < 3; b++) {
      let xy = 0;
      let xx = 0;
      let yy = 0;
      for (let k = 0; k < 4; k++) {
        const p = x.data[b * 4 + k]!;
        const q = y.data[b * 4 + k]!;
        xy += p * q;
        xx += p * p;
        yy += q * q;
      }
      assert.ok(Math.abs(out.data[b]! - xy / Math.sqrt(xx * yy)) < 1e-12, `row ${b}`);
    }
  });
});
