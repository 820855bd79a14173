import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeFans, getInitializer } from '../src/layers/initializers.js';
import { setRandomSeed } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of t.data) {
    s += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / t.size;
  let q = 0;
  for (const v of t.data) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / t.size), min, max };
}

test('fans follow Keras (receptive field for conv kernels)', () => {
  assert.deepEqual(computeFans([784, 512]), [784, 512]);
  assert.deepEqual(computeFans([3, 3, 32, 64]), [288, 576]);
  assert.deepEqual(computeFans([7]), [7, 7]);
});

test('glorot_uniform stays within sqrt(6 / (fan_in + fan_out)) and fills it', () => {
  setRandomSeed(0);
  const w = getInitializer('glorot_uniform').init([784, 512]);
  const limit = Math.sqrt(6 / (784 + 512));
  const s = stats(w);
  assert.ok(s.max <= limit && s.min >= -limit);
  assert.ok(s.max > 0.99 * limit && s.min < -0.99 * limit);
  assert.ok(Math.abs(s.std - limit / Math.sqrt(3)) < 0.01 * limit);
});

test('he_normal is a truncated normal with std sqrt(2 / fan_in)', () => {
  setRandomSeed(1);
  const w = getInitializer('he_normal').init([400, 300]);
  const s = stats(w);
  const std = Math.sqrt(2 / 400);
  assert.ok(Math.abs(s.std - std) < 0.03 * std, `std ${s.std} vs ${std}`);
  assert.ok(s.max <= (2 * std) / 0.87962566103423978 + 1e-6);
});

test('random_uniform, random_normal, zeros, ones, constant use Keras defaults', () => {
  setRandomSeed(2);
  const u = stats(getInitializer('random_uniform').init([10000]));
  assert.ok(u.min >= -0.05 && u.max <= 0.05);
  const n = stats(getInitializer('random_normal').init([20000]));
  assert.ok(Math.abs(n.std - 0.05) < 0.002);
  assert.ok(
    getInitializer('zeros')
      .init([3])
      .data.every((v) => v === 0),
  );
  assert.ok(
    getInitializer('ones')
      .init([3])
      .data.every((v) => v === 1),
  );
  assert.ok(
    getInitializer({ class_name: 'Constant', config: { value: 3 } })
      .init([2])
      .data.every((v) => v === 3),
  );
});

test('orthogonal gives orthonormal columns (tall) and rows (wide)', () => {
  setRandomSeed(3);
  for (const [r, c] of [
    [6, 4],
    [4, 6],
  ] as const) {
    const w = getInitializer('orthogonal').init([r, c], 'float64');
    const small = Math.min(r, c);
    for (let a = 0; a < small; a++) {
      for (let b = 0; b < small; b++) {
        let dot = 0;
        for (let k = 0; k < Math.max(r, c); k++) {
          dot += r >= c ? w.data[k * c + a]! * w.data[k * c + b]! : w.data[a * c + k]! * w.data[b * c + k]!;
        }
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-9, `[${a},${b}] = ${dot}`);
      }
    }
  }
});

test('the same seed gives the same weights', () => {
  setRandomSeed(7);
  const a = getInitializer('glorot_uniform').init([5, 5]);
  setRandomSeed(7);
  const b = getInitializer('glorot_uniform').init([5, 5]);
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
});
