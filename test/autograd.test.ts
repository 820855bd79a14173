import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradients, noGrad } from '../src/core/autograd.js';
import type { Tensor } from '../src/core/tensor.js';
import { Variable } from '../src/core/variable.js';
import * as ops from '../src/ops/index.js';
import '../src/ops/tensor-methods.js';

const leaf = (values: number[], shape = [values.length]): Tensor => {
  const t = ops.tensor(values, shape, 'float64');
  t.requiresGrad = true;
  return t;
};
const grad = (out: Tensor, wrt: Tensor[]): (Tensor | null)[] => gradients(out, wrt, ops.onesLike(out));

test('a tensor used twice accumulates both gradients', () => {
  const x = leaf([1, 2, 3]);
  const [g] = grad(ops.sum(ops.add(ops.mul(x, 3), ops.mul(x, x))), [x]);
  assert.deepEqual(Array.from(g!.data), [5, 7, 9]); // 3 + 2x
  const [g2] = grad(ops.add(x, x), [x]);
  assert.deepEqual(Array.from(g2!.data), [2, 2, 2]);
});

test('diamond graph: x -> a, b -> a*b', () => {
  const x = leaf([0.5, -1]);
  const a = ops.exp(x);
  const b = ops.square(x);
  const [g, ga] = grad(ops.mul(a, b), [x, a]);
  const want = [0.5, -1].map((v) => Math.exp(v) * v * v + Math.exp(v) * 2 * v);
  want.forEach((w, i) => assert.ok(Math.abs(g!.data[i]! - w) < 1e-12));
  // Gradients of intermediates are available too.
  assert.deepEqual(Array.from(ga!.data), [0.25, 1]);
});

test('noGrad records nothing; grad recording resumes after it (even after a throw)', () => {
  const x = leaf([1, 2]);
  const y = noGrad(() => ops.mul(x, 2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.node, null);
  assert.deepEqual(grad(ops.sum(y), [x]), [null]);
  assert.throws(() =>
    noGrad(() => {
      throw new Error('boom');
    }),
  );
  assert.equal(ops.mul(x, 2).requiresGrad, true);
});

test('detach stops the gradient but shares the values', () => {
  const x = leaf([1, 2]);
  const d = ops.mul(x, 3).detach();
  assert.equal(d.requiresGrad, false);
  assert.deepEqual(Array.from(d.data), [3, 6]);
  const [g] = grad(ops.sum(ops.add(ops.mul(x, d), x)), [x]);
  assert.deepEqual(Array.from(g!.data), [4, 7]); // d + 1, with d constant
});

test('backward() fills .grad on leaves and accumulates across calls', () => {
  const w = new Variable(ops.tensor([1, 2], [2], 'float64'), 'w');
  const frozen = new Variable(ops.tensor([5], [1], 'float64'), 'frozen', false);
  const x = ops.tensor([3, 4], [2], 'float64');
  const loss = () => ops.sum(ops.mul(ops.mul(w, x), frozen));
  loss().backward();
  assert.deepEqual(Array.from(w.grad!.data), [15, 20]);
  assert.equal(frozen.grad, null);
  assert.equal(x.grad, null);
  loss().backward();
  assert.deepEqual(Array.from(w.grad!.data), [30, 40]);
  // An explicit seed for a non-scalar output.
  w.grad = null;
  ops.mul(w, x).backward(ops.tensor([1, -1], [2], 'float64'));
  assert.deepEqual(Array.from(w.grad!.data), [3, -4]);
});

test('gradients of tensors the output does not depend on are null', () => {
  const x = leaf([1, 2]);
  const unused = leaf([3]);
  const constant = ops.tensor([1, 1], [2], 'float64');
  const out = ops.sum(ops.mul(x, constant));
  const [gx, gu, gc] = grad(out, [x, unused, constant]);
  assert.deepEqual(Array.from(gx!.data), [1, 1]);
  assert.equal(gu, null);
  assert.equal(gc, null);
  // Integer paths carry no gradient either.
  assert.deepEqual(grad(ops.sum(ops.astype(ops.argmax(ops.reshape(x, [1, 2])), 'float64')), [x]), [null]);
});

test('a 10,000-op chain neither overflows the stack in gradients() nor in backward()', () => {
  const x = leaf([1]);
  let y: Tensor = x;
  for (let i = 0; i < 10000; i++) y = ops.mul(ops.add(y, 0), 1.0001);
  const [g] = grad(y, [x]);
  assert.ok(Math.abs(g!.item() - 1.0001 ** 10000) < 1e-9 * 1.0001 ** 10000);
  y.backward();
  assert.ok(Math.abs(x.grad!.item() - 1.0001 ** 10000) < 1e-9 * 1.0001 ** 10000);
});

test('the gradient of the root itself is the seed', () => {
  const x = leaf([1, 2]);
  const y = ops.mul(x, 2);
  const seed = ops.tensor([5, 6], [2], 'float64');
  const [gy, gx] = gradients(y, [y, x], seed);
  assert.deepEqual(Array.from(gy!.data), [5, 6]);
  assert.deepEqual(Array.from(gx!.data), [10, 12]);
});
