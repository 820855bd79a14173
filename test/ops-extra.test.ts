// The keras.ops additions of issue #13 against values worked by hand (NumPy's / Keras's
// definitions); their gradient checks are in test/helpers/grad-cases.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import type { Tensor } from '../src/core/tensor.js';
import * as ops from '../src/ops/index.js';
import { setRandomSeed } from '../src/core/random.js';

const vals = (t: Tensor): number[] => [...t.data].map(Number);
const near = (got: Tensor, want: number[], tol = 1e-6): void => {
  assert.equal(got.size, want.length);
  want.forEach((w, i) => assert.ok(Math.abs(Number(got.data[i]) - w) <= tol, `[${i}] ${got.data[i]} vs ${w}`));
};

test('issue #13: int32 division is true division (float32), as NumPy and Keras', () => {
  const a = ops.tensor([-1, 1, 2], [3], 'int32');
  const q = ops.div(a, 2);
  assert.equal(q.dtype, 'float32');
  assert.deepEqual(vals(q), [-0.5, 0.5, 1]); // the integer kernel gave [0, 0, 1]
  assert.deepEqual(vals(a.div(ops.tensor([4, -4, 3], [3], 'int32'))), [-0.25, -0.25, Math.fround(2 / 3)]);
  assert.deepEqual(vals(ops.div(7, ops.tensor([2], [1], 'int32'))), [3.5]);
  assert.equal(ops.div(ops.tensor([true, false], [2], 'bool'), 2).dtype, 'float32');
});

test('floorDiv: floor(a / b), integer for integers (-1 // 2 = -1), errors on integer division by zero', () => {
  const q = ops.floorDiv(ops.tensor([-1, 1, 2, -7, 7], [5], 'int32'), 2);
  assert.equal(q.dtype, 'int32');
  assert.deepEqual(vals(q), [-1, 0, 1, -4, 3]);
  assert.deepEqual(vals(ops.floorDiv(ops.tensor([7, -7], [2], 'int32'), -2)), [-4, 3]);
  assert.deepEqual(vals(ops.floorDiv(ops.tensor([-1.5, 2.5], [2]), 1)), [-2, 2]);
  assert.throws(() => ops.floorDiv(ops.tensor([1], [1], 'int32'), 0), /floorDiv: integer division by zero/);
});

test('where broadcasts, keeps the untaken branch out, and adopts dtypes', () => {
  const c = ops.tensor([true, false, true], [3], 'bool');
  assert.deepEqual(
    vals(ops.where(c, ops.tensor([1, 2, 3]), ops.tensor([[10], [20]]).reshape([2, 1]))),
    [1, 10, 3, 1, 20, 3],
  );
  assert.deepEqual(vals(ops.where(c, ops.tensor([Infinity, NaN, 5]).div(1), ops.tensor([0, 7, 0]))), [Infinity, 7, 5]);
  assert.equal(ops.where(c, ops.tensor([1, 2, 3], [3], 'int32'), 0.5).dtype, 'float32');
  assert.equal(ops.where(ops.tensor([0, 2], [2], 'int32'), 1, 2).dtype, 'int32');
  assert.deepEqual(vals(ops.where(ops.tensor([0, 2], [2], 'int32'), 1, 2)), [2, 1]);
});

test('logical ops, isNaN / isFinite / isInf and ceil', () => {
  const a = ops.tensor([0, 0, 1, 1], [4], 'int32');
  const b = ops.tensor([0, 2.5, 0, -1]);
  assert.deepEqual(vals(ops.logicalAnd(a, b)), [0, 0, 0, 1]);
  assert.deepEqual(vals(ops.logicalOr(a, b)), [0, 1, 1, 1]);
  assert.deepEqual(vals(ops.logicalXor(a, b)), [0, 1, 1, 0]);
  assert.deepEqual(vals(ops.logicalNot(b)), [1, 0, 1, 0]);
  assert.equal(ops.logicalAnd(a, b).dtype, 'bool');
  const s = ops.tensor([1, NaN, Infinity, -Infinity]);
  assert.deepEqual(vals(ops.isNaN(s)), [0, 1, 0, 0]);
  assert.deepEqual(vals(ops.isFinite(s)), [1, 0, 0, 0]);
  assert.deepEqual(vals(ops.isInf(s)), [0, 0, 1, 1]);
  assert.deepEqual(vals(ops.ceil(ops.tensor([-1.5, -0.2, 0, 0.2, 2]))), [-1, -0, 0, 1, 2]);
});

test('sort, argsort (NaN last) and topk (largest first, ties by position, NaN never hidden)', () => {
  const x = ops.tensor([
    [3, 1, NaN, 2],
    [5, 5, -1, 0],
  ]);
  const s = vals(ops.sort(x));
  assert.deepEqual(s.slice(0, 3), [1, 2, 3]);
  assert.ok(Number.isNaN(s[3]));
  assert.deepEqual(s.slice(4), [-1, 0, 5, 5]);
  assert.deepEqual(vals(ops.argsort(x)), [1, 3, 0, 2, 2, 3, 0, 1]);
  assert.deepEqual(
    vals(
      ops.sort(
        ops.tensor([
          [3, 1],
          [0, 2],
        ]),
        0,
      ),
    ),
    [0, 1, 3, 2],
  );
  const { values, indices } = ops.topk(x, 2);
  assert.deepEqual(values.shape, [2, 2]);
  assert.ok(Number.isNaN(values.data[0]));
  assert.deepEqual(vals(values).slice(1), [3, 5, 5]);
  assert.deepEqual(vals(indices), [2, 0, 0, 1]);
  assert.equal(indices.dtype, 'int32');
  assert.throws(() => ops.topk(x, 5), /topk: k must be an integer in \[0, 4\]/);
});

test('cumsum and cumprod (flattened without an axis; integers stay integers)', () => {
  const x = ops.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(vals(ops.cumsum(x, 1)), [1, 3, 6, 4, 9, 15]);
  assert.deepEqual(vals(ops.cumsum(x, 0)), [1, 2, 3, 5, 7, 9]);
  assert.deepEqual(vals(ops.cumsum(x)), [1, 3, 6, 10, 15, 21]);
  assert.deepEqual(vals(ops.cumprod(x, 1)), [1, 2, 6, 4, 20, 120]);
  const i = ops.cumprod(ops.tensor([2, 3, 4], [3], 'int32'));
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(vals(i), [2, 6, 24]);
});

test('tile, repeat and split as NumPy', () => {
  const x = ops.tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(ops.tile(x, [2, 3]).shape, [4, 6]);
  assert.deepEqual(vals(ops.tile(ops.tensor([1, 2]), 2)), [1, 2, 1, 2]);
  assert.deepEqual(vals(ops.tile(x, [1, 2])), [1, 2, 1, 2, 3, 4, 3, 4]);
  assert.deepEqual(ops.tile(x, [2, 1, 1]).shape, [2, 2, 2]);
  assert.deepEqual(vals(ops.repeat(x, 2)), [1, 1, 2, 2, 3, 3, 4, 4]);
  assert.deepEqual(vals(ops.repeat(x, 2, 0)), [1, 2, 1, 2, 3, 4, 3, 4]);
  assert.deepEqual(vals(ops.repeat(x, [1, 2], 1)), [1, 2, 2, 3, 4, 4]);
  const parts = ops.split(ops.arange(6), 3);
  assert.deepEqual(parts.map(vals), [
    [0, 1],
    [2, 3],
    [4, 5],
  ]);
  assert.deepEqual(ops.split(ops.arange(6), [1, 4]).map(vals), [[0], [1, 2, 3], [4, 5]]);
  assert.throws(() => ops.split(ops.arange(5), 2), /does not divide into 2 equal sections/);
});

test('norm (vector and matrix orders), moments', () => {
  const v = ops.tensor([3, -4]);
  near(ops.norm(v), [5]);
  near(ops.norm(v, { ord: 1 }), [7]);
  near(ops.norm(v, { ord: Infinity }), [4]);
  near(ops.norm(v, { ord: -Infinity }), [3]);
  near(ops.norm(v, { ord: 0 }), [2]);
  near(ops.norm(v, { ord: 3 }), [Math.cbrt(27 + 64)], 1e-5);
  const m = ops.tensor([
    [1, -2],
    [3, 4],
  ]);
  near(ops.norm(m), [Math.sqrt(30)]);
  near(ops.norm(m, { ord: 'fro', axis: [0, 1] }), [Math.sqrt(30)]);
  near(ops.norm(m, { ord: 1 }), [6]); // max column sum |−2| + 4
  near(ops.norm(m, { ord: Infinity }), [7]); // max row sum 3 + 4
  near(ops.norm(m, { axis: 1 }), [Math.sqrt(5), 5]);
  assert.deepEqual(ops.norm(m, { axis: 1, keepdims: true }).shape, [2, 1]);
  assert.throws(() => ops.norm(m, { ord: 'nuc' }), /singular values/);
  assert.throws(() => ops.norm(m, { order: 2 } as never), /norm: unknown option `order`/);
  const { mean, variance } = ops.moments(ops.tensor([1, 2, 3, 4]), [0]);
  near(mean, [2.5]);
  near(variance, [1.25]); // ((1.5^2 + 0.5^2) * 2) / 4
});

test('linspace, eye and arange (dtype from its arguments: arange(0, 1, 0.25) is float32)', () => {
  near(ops.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  near(ops.linspace(0, 1, 5, false), [0, 0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(vals(ops.eye(2, 3, 1)), [0, 1, 0, 0, 0, 1]);
  assert.deepEqual(vals(ops.eye(2)), [1, 0, 0, 1]);
  const a = ops.arange(0, 1, 0.25);
  assert.equal(a.dtype, 'float32'); // it was int32 [0, 0, 0, 0]
  assert.deepEqual(vals(a), [0, 0.25, 0.5, 0.75]);
  assert.equal(ops.arange(4).dtype, 'int32');
});

test('einsum: two-operand forms as matmuls, one-operand transposes and sums, clear errors otherwise', () => {
  const a = ops.tensor([
    [1, 2],
    [3, 4],
  ]);
  const b = ops.tensor([
    [5, 6],
    [7, 8],
  ]);
  assert.deepEqual(vals(ops.einsum('ij,jk->ik', a, b)), [19, 22, 43, 50]);
  assert.deepEqual(vals(ops.einsum('ij,jk', a, b)), [19, 22, 43, 50]); // implicit output 'ik'
  assert.deepEqual(vals(ops.einsum('ij,kj->ik', a, b)), [17, 23, 39, 53]);
  assert.deepEqual(vals(ops.einsum('i,i->', ops.tensor([1, 2, 3]), ops.tensor([4, 5, 6]))), [32]);
  assert.deepEqual(vals(ops.einsum('i,j->ij', ops.tensor([1, 2]), ops.tensor([3, 4, 5]))), [3, 4, 5, 6, 8, 10]);
  assert.deepEqual(vals(ops.einsum('ij->ji', a)), [1, 3, 2, 4]);
  assert.deepEqual(vals(ops.einsum('ij->j', a)), [4, 6]);
  assert.deepEqual(
    vals(ops.einsum('bij,bjk->bik', ops.stack([a, b]), ops.stack([b, a]))),
    [19, 22, 43, 50, 23, 34, 31, 46],
  );
  assert.throws(() => ops.einsum('ii->i', a), /repeats a letter/);
  assert.throws(() => ops.einsum('...ij,jk', a, b), /ellipsis/);
  assert.throws(() => ops.einsum('ij,jk,kl', a, b, a), /3 operands are not supported/);
  assert.throws(() => ops.einsum('ij,jk', a, ops.ones([3, 2])), /axis 'j' has size 2 .* and 3/);
});

test('random normal/uniform/categorical: seeded draws repeat, categorical follows the softmax of its logits', () => {
  const n1 = ops.randomNormal([5], 0, 1, { seed: 7 });
  setRandomSeed(1);
  const before = ops.randomUniform([3]);
  setRandomSeed(1);
  const n2 = ops.randomNormal([5], 0, 1, { seed: 7 });
  assert.deepEqual(vals(n1), vals(n2));
  assert.deepEqual(vals(ops.randomUniform([3])), vals(before), 'a seeded draw leaves the global stream alone');
  // p = softmax(log [0.2, 0.8]) = [0.2, 0.8]; 4000 draws: the share of class 1 is 0.8 ± 0.03 (4.7 sigma).
  const draws = ops.randomCategorical(ops.tensor([[Math.log(0.2), Math.log(0.8)]]), 4000, { seed: 3 });
  assert.deepEqual(draws.shape, [1, 4000]);
  const share = vals(draws).filter((c) => c === 1).length / 4000;
  assert.ok(Math.abs(share - 0.8) < 0.03, `share ${share}`);
  assert.deepEqual(new Set(vals(ops.randomCategorical(ops.tensor([[-Infinity, 0, -Infinity]]), 50))), new Set([1]));
  assert.throws(() => ops.randomCategorical(ops.tensor([[0, NaN]]), 1), /row 0 has a NaN/);
  assert.throws(() => ops.randomNormal([2], 0, 1, { sed: 1 } as never), /randomNormal: unknown option `sed`/);
});
