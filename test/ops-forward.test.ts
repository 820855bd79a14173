import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import * as ops from '../src/ops/index.js';
import '../src/ops/tensor-methods.js';

const T = ops.tensor;
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6): void => {
  assert.equal(a.length, b.length, 'length');
  for (let i = 0; i < a.length; i++) {
    const ok = Number.isNaN(b[i]!) ? Number.isNaN(a[i]!) : Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!));
    assert.ok(ok, `index ${i}: ${a[i]} vs ${b[i]}`);
  }
};

// ---- broadcasting -------------------------------------------------------------------------------
test('binary ops broadcast like NumPy', () => {
  const a = T([[1], [2], [3]]); // [3,1]
  const b = T([10, 20]); // [2]
  const s = ops.add(a, b);
  assert.deepEqual(s.shape, [3, 2]);
  assert.deepEqual(s.toArray(), [
    [11, 21],
    [12, 22],
    [13, 23],
  ]);
  const c = ops.mul(T([[[1, 2]], [[3, 4]]]), T([[1], [10], [100]])); // [2,1,2] * [3,1]
  assert.deepEqual(c.shape, [2, 3, 2]);
  assert.deepEqual(c.toArray(), [
    [
      [1, 2],
      [10, 20],
      [100, 200],
    ],
    [
      [3, 4],
      [30, 40],
      [300, 400],
    ],
  ]);
  assert.deepEqual(ops.sub(5, T([1, 2])).toArray(), [4, 3]);
  assert.deepEqual(ops.div(T([2, 4]), ops.scalar(2)).toArray(), [1, 2]);
  assert.deepEqual(ops.sub(T([[1, 2]]), T([[1], [2]])).toArray(), [
    [0, 1],
    [-1, 0],
  ]);
  assert.deepEqual(ops.add(ops.zeros([0, 3]), T([1, 2, 3])).shape, [0, 3]);
});

test('a broadcast mismatch names both shapes', () => {
  assert.throws(() => ops.add(ops.zeros([2, 3]), ops.zeros([4])), /\[2, 3\].*\[4\]/);
  assert.throws(
    () => ops.mul(ops.zeros([5, 2]), ops.zeros([3, 1, 3])),
    /Shapes \[5, 2\] and \[3, 1, 3\] cannot be broadcast together/,
  );
  assert.throws(() => ops.broadcastTo(ops.zeros([3]), [3, 2]), /\[3\].*\[3, 2\]/);
});

test('dtype promotion: numbers adopt the tensor dtype, tensors upcast', () => {
  assert.equal(ops.add(T([1, 2], undefined, 'int32'), 1).dtype, 'int32');
  assert.equal(ops.add(T([1, 2], undefined, 'int32'), T([1, 2], undefined, 'float64')).dtype, 'float64');
  assert.equal(ops.mul(T([1, 2], undefined, 'float64'), 2).dtype, 'float64');
  // A fractional number does not get truncated into an integer tensor's dtype (NumPy: int * 0.5 is float).
  const half = ops.mul(T([1, 3], undefined, 'int32'), 0.5);
  assert.ok(half.dtype === 'float32' || half.dtype === 'float64');
  assert.deepEqual(Array.from(half.data), [0.5, 1.5]);
  assert.deepEqual(Array.from(ops.greater(T([0, 1], undefined, 'int32'), 0.5).data), [0, 1]);
  // bool + int is int either way round.
  assert.equal(ops.add(T([true, false]), 1).dtype, 'int32');
  assert.equal(ops.add(1, T([true, false])).dtype, 'int32');
  assert.deepEqual(Array.from(ops.add(1, T([true, false])).data), [2, 1]);
});

test('comparisons give bool', () => {
  const x = T([1, 2, 3]);
  assert.deepEqual(ops.greater(x, 2).toArray(), [false, false, true]);
  assert.deepEqual(ops.lessEqual(x, T([1, 1, 4])).toArray(), [true, false, true]);
  assert.deepEqual(ops.notEqual(x, 2).toArray(), [true, false, true]);
  assert.equal(ops.equal(x, x).dtype, 'bool');
});

// ---- unary --------------------------------------------------------------------------------------
test('unary ops', () => {
  const x = T([-2.5, -0.5, 0.5, 1.5, 2.5], undefined, 'float64');
  assert.deepEqual(
    Array.from(ops.round(x).data, (v) => v + 0),
    [-2, 0, 0, 2, 2],
  ); // half to even
  assert.deepEqual(Array.from(ops.floor(x).data), [-3, -1, 0, 1, 2]);
  assert.deepEqual(Array.from(ops.sign(x).data), [-1, -1, 1, 1, 1]);
  assert.deepEqual(Array.from(ops.relu(x).data), [0, 0, 0.5, 1.5, 2.5]);
  assert.deepEqual(Array.from(ops.step(x).data), [0, 0, 1, 1, 1]);
  close(ops.sigmoid(T([-1000, 0, 1000], undefined, 'float64')).data, [0, 0.5, 1]);
  close(ops.softplus(T([-1000, 0, 1000], undefined, 'float64')).data, [0, Math.log(2), 1000]);
  close(ops.rsqrt(T([4], undefined, 'float64')).data, [0.5]);
  close(ops.reciprocal(T([4], undefined, 'float64')).data, [0.25]);
  assert.throws(() => ops.exp(T([1], undefined, 'int32')), /float/);
});

test('clip', () => {
  assert.deepEqual(ops.clip(T([-2, 0.5, 3, NaN]), -1, 1).toArray(), [-1, 0.5, 1, NaN]);
  assert.throws(() => ops.clip(T([1]), 2, 1), /lower bound 2 is above upper bound 1/);
});

// ---- reductions ---------------------------------------------------------------------------------
test('sum/mean/max/min over axes', () => {
  const x = ops.reshape(ops.arange(24, undefined, 1, 'float64'), [2, 3, 4]);
  assert.deepEqual(ops.sum(x).item(), 276);
  assert.deepEqual(ops.sum(x, 1).toArray(), [
    [12, 15, 18, 21],
    [48, 51, 54, 57],
  ]);
  assert.deepEqual(ops.sum(x, [0, 2]).toArray(), [60, 92, 124]);
  assert.deepEqual(ops.sum(x, [0, 2], true).shape, [1, 3, 1]);
  assert.deepEqual(ops.mean(x, -1).toArray(), [
    [1.5, 5.5, 9.5],
    [13.5, 17.5, 21.5],
  ]);
  assert.deepEqual(ops.max(x, [1, 2]).toArray(), [11, 23]);
  assert.deepEqual(ops.min(x, 0, true).shape, [1, 3, 4]);
  assert.equal(ops.mean(T([1, 2], undefined, 'int32')).item(), 1.5);
  assert.equal(ops.sum(T([true, true, false])).item(), 2);
  assert.equal(ops.sum(ops.zeros([0])).item(), 0);
  assert.ok(Number.isNaN(ops.mean(ops.zeros([0])).item()));
  assert.throws(() => ops.max(ops.zeros([0])), /empty/);
  assert.throws(() => ops.sum(x, 3), /Axis 3 is out of range/);
});

test('reductions propagate NaN like NumPy', () => {
  const x = T(
    [
      [1, NaN, 3],
      [4, 5, 6],
    ],
    undefined,
    'float64',
  );
  assert.ok(Number.isNaN(ops.sum(x).item()));
  assert.deepEqual(ops.max(x, 1).toArray(), [NaN, 6]);
  assert.deepEqual(ops.min(x, 1).toArray(), [NaN, 4]);
  assert.deepEqual(ops.max(T([NaN, 1])).toArray(), NaN);
  assert.deepEqual(ops.max(T([1, NaN])).toArray(), NaN);
  // np.argmax/argmin return the first NaN.
  assert.deepEqual(ops.argmax(x, 1).toArray(), [1, 2]);
  assert.deepEqual(ops.argmax(T([3, NaN, 5, NaN])).toArray(), 1);
  assert.deepEqual(ops.argmin(T([3, 1, NaN])).toArray(), 2);
});

test('argmax/argmin take the first index on ties', () => {
  assert.deepEqual(
    ops
      .argmax(
        T([
          [1, 3, 3],
          [2, 2, 2],
        ]),
      )
      .toArray(),
    [1, 0],
  );
  assert.deepEqual(
    ops
      .argmin(
        T([
          [1, 0, 0],
          [5, 5, 4],
        ]),
        1,
      )
      .toArray(),
    [1, 2],
  );
  assert.deepEqual(
    ops
      .argmax(
        T([
          [1, 3],
          [3, 1],
          [3, 3],
        ]),
        0,
      )
      .toArray(),
    [1, 0],
  );
  assert.equal(ops.argmax(T([1, 3])).dtype, 'int32');
});

// ---- matmul -------------------------------------------------------------------------------------
function naiveMatmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = s;
    }
  return c;
}

test('matmul matches naive loops on random sizes, including 1 and 0', () => {
  const rng = new Random(3);
  const sizes = [0, 1, 2, 3, 7, 17, 300];
  for (let trial = 0; trial < 40; trial++) {
    const [m, k, n] = [0, 0, 0].map(() => sizes[rng.int(sizes.length - (trial % 4 === 0 ? 0 : 1))]!) as [
      number,
      number,
      number,
    ];
    if (m * k * n > 20000) continue;
    const a = ops.randomNormal([m, k], 0, 1, { dtype: 'float64' });
    const b = ops.randomNormal([k, n], 0, 1, { dtype: 'float64' });
    const c = ops.matmul(a, b);
    assert.deepEqual(c.shape, [m, n]);
    close(c.data, naiveMatmul(a.data as Float64Array, b.data as Float64Array, m, k, n), 1e-12);
  }
  // A contraction longer than the kernel's k-block.
  const a = ops.randomNormal([3, 600], 0, 1, { dtype: 'float64' });
  const b = ops.randomNormal([600, 2], 0, 1, { dtype: 'float64' });
  close(ops.matmul(a, b).data, naiveMatmul(a.data as Float64Array, b.data as Float64Array, 3, 600, 2), 1e-12);
});

test('matmul: batches, broadcast batches, 1-D operands, errors', () => {
  const a = ops.randomNormal([2, 3, 4], 0, 1, { dtype: 'float64' });
  const b = ops.randomNormal([4, 5], 0, 1, { dtype: 'float64' });
  const c = ops.matmul(a, b);
  assert.deepEqual(c.shape, [2, 3, 5]);
  for (let i = 0; i < 2; i++) {
    close(
      ops.slice(c, [i], [1]).data,
      naiveMatmul(ops.slice(a, [i], [1]).data as Float64Array, b.data as Float64Array, 3, 4, 5),
      1e-12,
    );
  }
  const v = T([1, 2, 3, 4], undefined, 'float64');
  assert.deepEqual(ops.matmul(v, v).shape, []);
  assert.equal(ops.matmul(v, v).item(), 30);
  assert.deepEqual(ops.matmul(a, v).shape, [2, 3]);
  assert.deepEqual(ops.matmul(ops.slice(v, [0], [3]), a).shape, [2, 4]);
  assert.throws(
    () => ops.matmul(ops.zeros([2, 3]), ops.zeros([4, 2])),
    /inner dimensions differ: \[2, 3\] and \[4, 2\]/,
  );
  assert.throws(() => ops.matmul(ops.zeros([2, 2]), ops.zeros([2, 2], 'float64')), /dtypes differ/);
});

test('dense equals matmul + bias (+ relu)', () => {
  const x = ops.randomNormal([4, 3], 0, 1, { dtype: 'float64' });
  const w = ops.randomNormal([3, 2], 0, 1, { dtype: 'float64' });
  const bias = ops.randomNormal([2], 0, 1, { dtype: 'float64' });
  close(ops.dense(x, w, bias).data, ops.add(ops.matmul(x, w), bias).data, 1e-12);
  close(ops.dense(x, w, bias, 'relu').data, ops.relu(ops.add(ops.matmul(x, w), bias)).data, 1e-12);
  close(ops.dense(x, w, null).data, ops.matmul(x, w).data, 1e-12);
  assert.throws(() => ops.dense(ops.zeros([2, 4], 'float64'), w, null), /does not match kernel \[3, 2\]/);
});

// ---- layout -------------------------------------------------------------------------------------
test('transpose', () => {
  const x = ops.reshape(ops.arange(24), [2, 3, 4]);
  const t = ops.transpose(x, [2, 0, 1]);
  assert.deepEqual(t.shape, [4, 2, 3]);
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 4; k++) {
        assert.equal(t.data[k * 6 + i * 3 + j], x.data[i * 12 + j * 4 + k]);
      }
  assert.deepEqual(
    ops
      .transpose(
        T([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      )
      .toArray(),
    [
      [1, 4],
      [2, 5],
      [3, 6],
    ],
  );
  assert.deepEqual(ops.transpose(x).shape, [4, 3, 2]);
  assert.throws(() => ops.transpose(x, [0, 0, 1]), /not a permutation/);
});

test('reshape with -1, and its errors', () => {
  const x = ops.arange(12);
  assert.deepEqual(ops.reshape(x, [3, -1]).shape, [3, 4]);
  assert.deepEqual(ops.reshape(x, [-1]).shape, [12]);
  assert.deepEqual(ops.reshape(x, [2, -1, 3]).shape, [2, 2, 3]);
  assert.deepEqual(ops.reshape(ops.zeros([0, 3]), [-1, 3]).shape, [0, 3]);
  assert.throws(() => ops.reshape(x, [-1, -1]), /only one dimension can be -1/);
  assert.throws(() => ops.reshape(x, [5, -1]), /cannot reshape 12 elements into \[5, -1\]/);
  assert.throws(() => ops.reshape(x, [5, 2]), /cannot reshape 12 elements into \[5, 2\]/);
  assert.throws(() => ops.reshape(x, [-2, -6]), /reshape/);
  assert.deepEqual(ops.flatten(ops.zeros([2, 3, 4])).shape, [2, 12]);
  assert.deepEqual(ops.squeeze(ops.zeros([1, 2, 1])).shape, [2]);
  assert.throws(() => ops.squeeze(ops.zeros([1, 2]), [1]), /axis 1.*is not 1/);
  assert.deepEqual(ops.expandDims(ops.zeros([2, 3]), -1).shape, [2, 3, 1]);
});

test('slice, gather, take, concat, stack', () => {
  const x = ops.reshape(ops.arange(12), [3, 4]);
  assert.deepEqual(ops.slice(x, [1, 1], [2, 2]).toArray(), [
    [5, 6],
    [9, 10],
  ]);
  assert.deepEqual(ops.slice(x, [2]).toArray(), [[8, 9, 10, 11]]);
  assert.deepEqual(ops.slice(x, [0, 3], [-1, 1]).toArray(), [[3], [7], [11]]);
  assert.throws(() => ops.slice(x, [2, 0], [2, 4]), /outside shape \[3, 4\]/);
  assert.deepEqual(ops.gather(x, [2, 0, 2]).toArray(), [
    [8, 9, 10, 11],
    [0, 1, 2, 3],
    [8, 9, 10, 11],
  ]);
  assert.deepEqual(ops.gather(x, [3, 3, 0], 1).toArray(), [
    [3, 3, 0],
    [7, 7, 4],
    [11, 11, 8],
  ]);
  assert.deepEqual(ops.gather(x, T([[1], [0]], undefined, 'int32'), 1).shape, [3, 2, 1]);
  assert.throws(() => ops.gather(x, [4], 1), /index 4 is out of range for an axis of size 4/);
  assert.deepEqual(ops.take(x, [1]).toArray(), [[4, 5, 6, 7]]);
  const a = T([[1, 2]]);
  const b = T([
    [3, 4],
    [5, 6],
  ]);
  assert.deepEqual(ops.concat([a, b]).toArray(), [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  assert.deepEqual(ops.concat([b, b], 1).toArray(), [
    [3, 4, 3, 4],
    [5, 6, 5, 6],
  ]);
  assert.deepEqual(ops.concat([b, ops.zeros([0, 2])]).toArray(), [
    [3, 4],
    [5, 6],
  ]);
  assert.throws(() => ops.concat([a, T([[1, 2, 3]])]), /does not match/);
  assert.deepEqual(ops.stack([T([1, 2]), T([3, 4])]).toArray(), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(ops.stack([T([1, 2]), T([3, 4])], 1).toArray(), [
    [1, 3],
    [2, 4],
  ]);
  assert.deepEqual(ops.stack([T([1, 2]), T([3, 4])], -1).shape, [2, 2]);
});

// ---- softmax ------------------------------------------------------------------------------------
test('softmax rows sum to 1 and are stable for large logits', () => {
  const x = T(
    [
      [1000, 1000, 999],
      [-1000, 0, 1000],
      [1, 2, 3],
    ],
    undefined,
    'float64',
  );
  const p = ops.softmax(x);
  for (let r = 0; r < 3; r++) close([p.data[r * 3]! + p.data[r * 3 + 1]! + p.data[r * 3 + 2]!], [1], 1e-12);
  for (const v of p.data) assert.ok(Number.isFinite(v));
  const e = Math.exp(-1);
  close(Array.from(p.data).slice(0, 3), [1 / (2 + e), 1 / (2 + e), e / (2 + e)], 1e-12);
  close(Array.from(ops.logSoftmax(x).data).slice(3, 6), [-2000, -1000, 0], 1e-12);
  const p0 = ops.softmax(
    T(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      'float64',
    ),
    0,
  );
  close(p0.data, [1 / (1 + Math.exp(2)), 1 / (1 + Math.exp(2)), 1 / (1 + Math.exp(-2)), 1 / (1 + Math.exp(-2))], 1e-12);
  const f32 = ops.softmax(T([[1000, 0]]));
  assert.deepEqual(Array.from(f32.data), [1, 0]);
});

test('softmaxCrossEntropy equals -sum(labels * logSoftmax)', () => {
  const logits = T(
    [
      [1000, 0, -1000],
      [1, 2, 3],
    ],
    undefined,
    'float64',
  );
  const labels = T(
    [
      [0, 1, 0],
      [0.2, 0.3, 0.5],
    ],
    undefined,
    'float64',
  );
  const want = ops.neg(ops.sum(ops.mul(labels, ops.logSoftmax(logits)), -1));
  close(ops.softmaxCrossEntropy(labels, logits).data, want.data, 1e-12);
  assert.throws(() => ops.softmaxCrossEntropy(T([[1, 0]]), T([[1, 0, 0]])), /differ/);
});

// ---- dtype --------------------------------------------------------------------------------------
test('astype: float to int truncates toward zero, anything to bool is != 0', () => {
  const x = T([-2.7, -0.5, 0, 0.5, 2.7, 3]);
  assert.deepEqual(Array.from(ops.astype(x, 'int32').data), [-2, 0, 0, 0, 2, 3]);
  assert.deepEqual(ops.astype(x, 'bool').toArray(), [true, true, false, true, true, true]);
  assert.deepEqual(ops.astype(T([0, 2, -1], undefined, 'int32'), 'bool').toArray(), [false, true, true]);
  assert.deepEqual(ops.astype(T([true, false]), 'float32').toArray(), [1, 0]);
  assert.equal(ops.astype(T([1.1], undefined, 'float64'), 'float32').data[0], Math.fround(1.1));
  assert.equal(ops.astype(x, 'float').dtype, 'float32');
  assert.throws(() => ops.astype(x, 'complex'), /Unknown dtype 'complex'/);
});

test('oneHot and its errors', () => {
  assert.deepEqual(ops.oneHot(T([2, 0], undefined, 'int32'), 3).toArray(), [
    [0, 0, 1],
    [1, 0, 0],
  ]);
  assert.deepEqual(ops.oneHot(T([[1]], undefined, 'int32'), 2).shape, [1, 1, 2]);
  assert.throws(() => ops.oneHot(T([3], undefined, 'int32'), 3), /class id 3 at position 0 is outside \[0, 3\)/);
  assert.throws(() => ops.oneHot(T([-1], undefined, 'int32'), 3), /class id -1/);
  assert.throws(() => ops.oneHot(T([0.5]), 3), /class id 0.5/);
});

test('tensor() from nested arrays, and ragged errors', () => {
  assert.deepEqual(
    T([
      [1, 2],
      [3, 4],
    ]).shape,
    [2, 2],
  );
  assert.equal(T([true]).dtype, 'bool');
  assert.throws(() => T([[1, 2], [3]]), /ragged/);
  assert.throws(() => T([1, 2, 3], [2, 2]), /3 values do not fill shape \[2, 2\]/);
});

// ---- printing -----------------------------------------------------------------------------------
// Expected strings were printed by NumPy 2.4.6 (`str(np.array(...))`, default print options).
const arange = (n: number, dtype: 'float32' | 'float64' | 'int32'): Tensor => ops.arange(0, n, 1, dtype);
const PRINTS: [string, () => Tensor, string][] = [
  [
    'np.array([[1., 2.], [3., 4.]], float32)',
    () =>
      T([
        [1, 2],
        [3, 4],
      ]),
    '[[1. 2.]\n [3. 4.]]',
  ],
  ['np.array([0.5, 0.25], float32)', () => T([0.5, 0.25]), '[0.5  0.25]'],
  ['np.array([1e-5, 1.], float32)', () => T([1e-5, 1]), '[1.e-05 1.e+00]'],
  ['np.array([-1.5, 2., 3.25], float32)', () => T([-1.5, 2, 3.25]), '[-1.5   2.    3.25]'],
  ['np.array([1/3, 2/3, 1.])', () => T([1 / 3, 2 / 3, 1], undefined, 'float64'), '[0.33333333 0.66666667 1.        ]'],
  ['np.array([1/3, 2/3, 1.], float32)', () => T([1 / 3, 2 / 3, 1]), '[0.33333334 0.6666667  1.        ]'],
  [
    'np.array([[1, -20, 3], [400, 5, 6]], int32)',
    () =>
      T(
        [
          [1, -20, 3],
          [400, 5, 6],
        ],
        undefined,
        'int32',
      ),
    '[[  1 -20   3]\n [400   5   6]]',
  ],
  ['np.array([True, False, True])', () => T([true, false, true]), '[ True False  True]'],
  ['np.array([[True, True]])', () => T([[true, true]]), '[[ True  True]]'],
  ['np.array([0, 255, 7], uint8)', () => T([0, 255, 7], undefined, 'uint8'), '[  0 255   7]'],
  ['np.array([1e8, 1.], float32)', () => T([1e8, 1]), '[1.e+08 1.e+00]'],
  ['np.array([1000.5, 0.5])', () => T([1000.5, 0.5], undefined, 'float64'), '[1.0005e+03 5.0000e-01]'],
  ['np.array([1., nan, -inf], float32)', () => T([1, NaN, -Infinity]), '[  1.  nan -inf]'],
  ['np.array([1.5, nan, inf])', () => T([1.5, NaN, Infinity], undefined, 'float64'), '[1.5 nan inf]'],
  ['np.array([1e-4, 1e-3], float32)', () => T([1e-4, 1e-3]), '[0.0001 0.001 ]'],
  ['np.array([1e-5, 1.2345678e-3], float32)', () => T([1e-5, 1.2345678e-3]), '[9.9999997e-06 1.2345678e-03]'],
  ['np.array([1e-5, 1e100])', () => T([1e-5, 1e100], undefined, 'float64'), '[1.e-005 1.e+100]'],
  ['np.array([-0., 1.])', () => T([-0, 1], undefined, 'float64'), '[-0.  1.]'],
  [
    'np.arange(12, dtype=float32).reshape(2, 2, 3)',
    () => ops.reshape(arange(12, 'float32'), [2, 2, 3]),
    '[[[ 0.  1.  2.]\n  [ 3.  4.  5.]]\n\n [[ 6.  7.  8.]\n  [ 9. 10. 11.]]]',
  ],
  [
    'np.arange(16, dtype=int32).reshape(2, 2, 2, 2)',
    () => ops.reshape(arange(16, 'int32'), [2, 2, 2, 2]),
    '[[[[ 0  1]\n   [ 2  3]]\n\n  [[ 4  5]\n   [ 6  7]]]\n\n\n [[[ 8  9]\n   [10 11]]\n\n  [[12 13]\n   [14 15]]]]',
  ],
  ['np.arange(2000, dtype=int32)', () => arange(2000, 'int32'), '[   0    1    2 ... 1997 1998 1999]'],
  [
    'np.arange(1001, dtype=float32) / 4',
    () => ops.div(arange(1001, 'float32'), 4),
    '[  0.     0.25   0.5  ... 249.5  249.75 250.  ]',
  ],
  [
    'np.arange(2000, dtype=int32).reshape(40, 50)',
    () => ops.reshape(arange(2000, 'int32'), [40, 50]),
    '[[   0    1    2 ...   47   48   49]\n [  50   51   52 ...   97   98   99]\n [ 100  101  102 ...  147  148  149]\n ...\n [1850 1851 1852 ... 1897 1898 1899]\n [1900 1901 1902 ... 1947 1948 1949]\n [1950 1951 1952 ... 1997 1998 1999]]',
  ],
  [
    'np.arange(1200, dtype=int32).reshape(10, 10, 12)[:, :2, :2] style 3-D summary',
    () => ops.reshape(arange(1200, 'int32'), [10, 10, 12]),
    NP_3D_SUMMARY(),
  ],
  [
    'a = np.zeros(2000, float32); a[1000] = 1e9 (hidden items do not set the format)',
    () => {
      const t = ops.zeros([2000]);
      t.data[1000] = 1e9;
      return t;
    },
    '[0. 0. 0. ... 0. 0. 0.]',
  ],
  [
    'np.arange(30, dtype=float32) + 0.5 (wrapped at 75 columns)',
    () => ops.add(arange(30, 'float32'), 0.5),
    '[ 0.5  1.5  2.5  3.5  4.5  5.5  6.5  7.5  8.5  9.5 10.5 11.5 12.5 13.5\n 14.5 15.5 16.5 17.5 18.5 19.5 20.5 21.5 22.5 23.5 24.5 25.5 26.5 27.5\n 28.5 29.5]',
  ],
  [
    'np.arange(40.).reshape(2, 20) * 1.25',
    () => ops.mul(ops.reshape(arange(40, 'float64'), [2, 20]), 1.25),
    '[[ 0.    1.25  2.5   3.75  5.    6.25  7.5   8.75 10.   11.25 12.5  13.75\n  15.   16.25 17.5  18.75 20.   21.25 22.5  23.75]\n [25.   26.25 27.5  28.75 30.   31.25 32.5  33.75 35.   36.25 37.5  38.75\n  40.   41.25 42.5  43.75 45.   46.25 47.5  48.75]]',
  ],
  ['np.array(1.0, float32)', () => ops.scalar(1), '1.0'],
  ['np.array(0.5)', () => ops.scalar(0.5, 'float64'), '0.5'],
  ['np.array(1e-5, float32)', () => ops.scalar(1e-5), '1e-05'],
  ['np.array(123456789., float32)', () => ops.scalar(123456789), '1.2345679e+08'],
  ['np.array(123456789.)', () => ops.scalar(123456789, 'float64'), '123456789.0'],
  ['np.array(7, int32)', () => ops.scalar(7, 'int32'), '7'],
  ['np.array(True)', () => ops.scalar(1, 'bool'), 'True'],
  ['np.zeros((0,), float32)', () => ops.zeros([0]), '[]'],
  ['np.zeros((2, 0), float32)', () => ops.zeros([2, 0]), '[]'],
];

function NP_3D_SUMMARY(): string {
  // str(np.arange(1200, dtype=np.int32).reshape(10, 10, 12)) from NumPy 2.4.6, first and last blocks.
  const row = (start: number): string => {
    const v = (i: number): string => String(start + i).padStart(4);
    return `[${v(0)} ${v(1)} ${v(2)} ... ${v(9)} ${v(10)} ${v(11)}]`;
  };
  const block = (b: number): string => {
    const rows = [0, 1, 2, null, 7, 8, 9].map((r) => (r === null ? '...' : row(b * 120 + r * 12)));
    return `[${rows.join('\n  ')}]`;
  };
  const blocks = [0, 1, 2, null, 7, 8, 9].map((b) => (b === null ? '...' : block(b)));
  return `[${blocks.join('\n\n ')}]`;
}

for (const [what, make, want] of PRINTS) {
  test(`toString prints like NumPy: ${what}`, () => {
    assert.equal(make().toString(), want);
  });
}
