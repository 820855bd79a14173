import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradients } from '../src/core/autograd.js';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import * as ops from '../src/ops/index.js';
import * as losses from '../src/losses/losses.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';
import { GRAD_CASES, NON_DIFFERENTIABLE } from './helpers/grad-cases.js';

GRAD_CASES.forEach((k, i) => {
  test(`grad: ${k.name}`, () => {
    const rng = new Random(1000 + i);
    const inputs = k.inputs.map((spec) => makeInput(rng, spec, 'float64'));
    gradcheck((xs) => k.fn(xs, 'float64'), inputs, { ...k.opts, seed: 7 + i, name: k.name });
  });
});

test('every function exported from src/ops/index.ts has a gradient check or is listed as non-differentiable', () => {
  const exported = Object.entries(ops)
    .filter(([, v]) => typeof v === 'function')
    .map(([name]) => name);
  const covered = new Set(GRAD_CASES.flatMap((k) => k.ops));
  const missing = exported.filter((name) => !covered.has(name) && !(name in NON_DIFFERENTIABLE));
  assert.deepEqual(
    missing,
    [],
    `ops without a gradient check: ${missing.join(', ')} (add a case to test/helpers/grad-cases.ts)`,
  );
  // Both lists must name real exports (no typos hiding a missing check), and not overlap.
  const names = new Set(exported);
  const lossNames = new Set(Object.keys(losses).map((n) => `losses.${n}`));
  for (const name of covered) assert.ok(names.has(name) || lossNames.has(name), `grad case names unknown op '${name}'`);
  for (const name of Object.keys(NON_DIFFERENTIABLE)) {
    assert.ok(names.has(name), `NON_DIFFERENTIABLE names unknown op '${name}'`);
    assert.ok(!covered.has(name), `'${name}' is both in the grad table and listed as non-differentiable`);
  }
});

test('every loss in src/losses/losses.ts has a gradient check', () => {
  const covered = new Set(GRAD_CASES.flatMap((k) => k.ops));
  const lossFns = [
    'categoricalCrossentropy',
    'sparseCategoricalCrossentropy',
    'binaryCrossentropy',
    'meanSquaredError',
    'meanAbsoluteError',
    'binaryFocalCrossentropy',
    'categoricalFocalCrossentropy',
    'meanAbsolutePercentageError',
    'meanSquaredLogarithmicError',
    'cosineSimilarity',
    'huber',
    'logCosh',
    'klDivergence',
    'poisson',
    'hinge',
    'squaredHinge',
    'categoricalHinge',
  ];
  for (const name of lossFns) {
    assert.equal(typeof (losses as Record<string, unknown>)[name], 'function');
    assert.ok(covered.has(`losses.${name}`), `no gradient check for loss ${name}`);
  }
});

test('piecewise-constant ops have zero gradient away from their jumps', () => {
  const x = ops.tensor(
    [
      [-1.3, -0.6, 0.4],
      [0.7, 1.2, 2.3],
    ],
    undefined,
    'float64',
  );
  for (const f of [ops.sign, ops.step, ops.floor, ops.round]) {
    // x + f(x): d/dx is exactly the seed, nothing may flow back through f.
    gradcheck(([t]) => ops.add(t!, f(t!)), [x], { name: f.name });
  }
});

test('pow: the exponent gradient is 0 where the base is <= 0 (as TensorFlow), never NaN', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const a = ops.tensor([-2, 0, 3], undefined, dtype);
    const b = ops.tensor([2, 2, 2], undefined, dtype);
    b.requiresGrad = true;
    a.requiresGrad = true;
    const out = ops.pow(a, b);
    const [ga, gb] = gradients(out, [a, b], ops.onesLike(out));
    assert.deepEqual(
      Array.from(gb!.data, (v) => v + 0),
      [0, 0, 9 * Math.log(3)].map((v) => (dtype === 'float32' ? Math.fround(v) : v)),
    );
    assert.deepEqual(
      Array.from(ga!.data, (v) => v + 0),
      [-4, 0, 6],
    );
  }
});

test('max/min share the gradient equally among tied extremes', () => {
  const x = ops.tensor(
    [
      [1, 3, 3],
      [2, 2, 0],
    ],
    undefined,
    'float64',
  );
  x.requiresGrad = true;
  const [g] = gradients(ops.max(x, 1), [x], ops.tensor([1, 4], undefined, 'float64'));
  assert.deepEqual(g!.toArray(), [
    [0, 0.5, 0.5],
    [2, 2, 0],
  ]);
  const [gm] = gradients(ops.min(x), [x], ops.scalar(1, 'float64'));
  assert.deepEqual(gm!.toArray(), [
    [0, 0, 0],
    [0, 0, 1],
  ]);
});

test('maximum/minimum send the gradient of a tie to the first operand', () => {
  const a = ops.tensor([1, 2], undefined, 'float64');
  const b = ops.tensor([1, 3], undefined, 'float64');
  a.requiresGrad = true;
  b.requiresGrad = true;
  const [ga, gb] = gradients(ops.maximum(a, b), [a, b], ops.ones([2], 'float64'));
  assert.deepEqual(Array.from(ga!.data), [1, 0]);
  assert.deepEqual(Array.from(gb!.data), [0, 1]);
});

test('gradients keep the dtype of float32 inputs', () => {
  const rng = new Random(5);
  const x = makeInput(rng, { shape: [2, 3] }, 'float32');
  x.requiresGrad = true;
  const out = ops.sum(ops.tanh(ops.matmul(x, ops.transpose(x))));
  const [g] = gradients(out, [x], ops.onesLike(out));
  assert.equal(g!.dtype, 'float32');
  assert.ok(g instanceof Tensor);
});
