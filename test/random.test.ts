import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getRandom, setRandomSeed } from '../src/core/random.js';
import * as ops from '../src/ops/index.js';

function draws(seed: number): [number[], number[], number[], number[]] {
  setRandomSeed(seed);
  return [
    Array.from(ops.randomUniform([50], -2, 3).data),
    Array.from(ops.randomNormal([51], 1, 2, { dtype: 'float64' }).data),
    Array.from(getRandom().permutation(40)),
    Array.from(ops.truncatedNormal([20]).data),
  ];
}

function stats(data: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    s += data[i]!;
    min = Math.min(min, data[i]!);
    max = Math.max(max, data[i]!);
  }
  const mean = s / data.length;
  let q = 0;
  for (let i = 0; i < data.length; i++) q += (data[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(q / data.length), min, max };
}

test('the same seed gives identical draws; different seeds differ', () => {
  assert.deepEqual(draws(42), draws(42));
  const a = draws(1);
  const b = draws(2);
  for (let i = 0; i < a.length; i++) assert.notDeepEqual(a[i], b[i]);
  // Nearby seeds are unrelated streams, not shifted copies.
  assert.notDeepEqual(a[0].slice(1), b[0].slice(0, -1));
});

test('permutation is a permutation', () => {
  setRandomSeed(3);
  const p = Array.from(getRandom().permutation(1000));
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.notDeepEqual(p.slice(0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('randomUniform stays in [min, max) and fills it evenly', () => {
  setRandomSeed(4);
  const u = ops.randomUniform([100000], -3, 5, { dtype: 'float64' });
  const s = stats(u.data);
  assert.ok(s.min >= -3 && s.max < 5);
  assert.ok(s.min < -2.99 && s.max > 4.99);
  // mean 1, std 8/sqrt(12); standard error of the mean ~0.007.
  assert.ok(Math.abs(s.mean - 1) < 0.04, `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - 8 / Math.sqrt(12)) < 0.02, `std ${s.std}`);
  assert.equal(ops.randomUniform([3]).dtype, 'float32');
});

test('randomNormal has the requested mean and std (100k samples)', () => {
  setRandomSeed(5);
  const n = ops.randomNormal([100000], 2, 3, { dtype: 'float64' });
  const s = stats(n.data);
  // Standard error of the mean 3/sqrt(1e5) ~ 0.0095; of the std ~0.0067.
  assert.ok(Math.abs(s.mean - 2) < 0.05, `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - 3) < 0.035, `std ${s.std}`);
  // About 68.3% within one std.
  let inside = 0;
  for (const v of n.data) if (Math.abs(v - 2) < 3) inside++;
  assert.ok(Math.abs(inside / 1e5 - 0.6827) < 0.01);
});

test('truncatedNormal stays within 2 std of the mean', () => {
  setRandomSeed(6);
  const t = ops.truncatedNormal([100000], -1, 0.5, { dtype: 'float64' });
  const s = stats(t.data);
  assert.ok(s.min >= -2 && s.max <= 0, `${s.min} ${s.max}`);
  assert.ok(Math.abs(s.mean + 1) < 0.02);
  // A normal truncated at ±2 sigma has std 0.8796 sigma.
  assert.ok(Math.abs(s.std - 0.8796 * 0.5) < 0.01, `std ${s.std}`);
});

test('dropout masks repeat under the same seed', () => {
  const x = ops.ones([100]);
  setRandomSeed(9);
  const a = Array.from(ops.dropout(x, 0.3).data);
  setRandomSeed(9);
  const b = Array.from(ops.dropout(x, 0.3).data);
  assert.deepEqual(a, b);
  const kept = a.filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6));
  assert.ok(kept.length > 50 && kept.length < 90);
  assert.throws(() => ops.dropout(x, 1), /rate must be in \[0, 1\)/);
});
