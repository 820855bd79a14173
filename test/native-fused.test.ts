// The fused training kernels (dropout, reluGrad): native parity with the reference kernels, exact
// (the dropout mask bits are integer arithmetic), and the dropout op's mask statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { dropoutBits } from '../src/backend/js/dropout.js';
import { setNumThreads } from '../src/backend/native/index.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { gradients } from '../src/core/autograd.js';
import * as ops from '../src/ops/index.js';
import { nativeBackend, rng } from './helpers/native.js';

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

function randomFloats(C: FloatCtor, n: number, seed: number): Float32Array | Float64Array {
  const r = rng(seed);
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = (r() - 0.5) * 8;
  return a;
}

/** Bitwise equality, NaN equal to NaN and 0 distinguished from -0. */
function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

/** The same two-round lowbias32 hash in BigInt arithmetic, written independently of Math.imul. */
function bitsBig(seed0: number, seed1: number, i: number): number {
  const M = (1n << 32n) - 1n;
  const mix = (v: bigint): bigint => {
    v ^= v >> 16n;
    v = (v * 0x21f0aaadn) & M;
    v ^= v >> 15n;
    v = (v * 0x735a2d97n) & M;
    return v ^ (v >> 15n);
  };
  return Number(mix(mix((BigInt(i) & M) ^ BigInt(seed0)) ^ BigInt(seed1)));
}

test('dropoutBits: matches a BigInt implementation of the hash, over seeds and indices', () => {
  const r = rng(4);
  for (let t = 0; t < 2000; t++) {
    const s0 = Math.floor(r() * 4294967296);
    const s1 = Math.floor(r() * 4294967296);
    const i = t < 1000 ? t : Math.floor(r() * 4294967296);
    assert.equal(dropoutBits(s0, s1, i), bitsBig(s0, s1, i), `seeds ${s0}, ${s1}, index ${i}`);
  }
  assert.notEqual(dropoutBits(1, 0, 5), dropoutBits(0, 1, 5));
});

test('dropout kernel: native is bit-identical to js (float32/float64, odd sizes, rates, in place, 1 and 2 threads)', () => {
  const nb = nativeBackend();
  for (const threads of [1, 2]) {
    setNumThreads(threads);
    for (const C of [Float32Array, Float64Array] as const) {
      for (const n of [0, 1, 7, 33, 1001, 70001]) {
        for (const rate of [0, 0.1, 0.25, 0.5, 0.9, 0.999]) {
          const x = randomFloats(C, n, n + 17);
          if (n > 3) {
            x[1] = NaN;
            x[2] = -0;
            x[3] = Infinity;
          }
          const p = { seed0: (n * 2654435761) >>> 0, seed1: 0xdeadbeef ^ Math.round(rate * 1000), rate };
          const a = new C(n);
          const b = new C(n);
          jsBackend.dropout(x, p, a);
          nb.dropout(x, p, b);
          const what = `dropout ${C.name} n=${n} rate=${rate} threads=${threads}`;
          assertSame(b, a, what);
          const inPlace = C.from(x);
          nb.dropout(inPlace, p, inPlace);
          assertSame(inPlace, a, `${what} in place`);
        }
      }
    }
  }
  setNumThreads(2);
});

test('reluGrad kernel: native is bit-identical to js, including NaN, -0 and y = 0', () => {
  const nb = nativeBackend();
  for (const C of [Float32Array, Float64Array] as const) {
    for (const n of [0, 1, 5, 31, 4099, 70001]) {
      const g = randomFloats(C, n, n + 1);
      const y = randomFloats(C, n, n + 2);
      if (n > 4) {
        y[0] = 0;
        y[1] = -0;
        y[2] = NaN;
        g[3] = NaN;
        y[3] = -1;
        g[4] = -2;
        y[4] = -3;
      }
      const a = new C(n);
      const b = new C(n);
      jsBackend.reluGrad(g, y, a);
      nb.reluGrad(g, y, b);
      assertSame(b, a, `reluGrad ${C.name} n=${n}`);
      for (let i = 0; i < n; i++) {
        const expected = g[i]! * (y[i]! > 0 ? 1 : 0);
        assert.ok(Object.is(a[i], C === Float32Array ? Math.fround(expected) : expected), `reluGrad js [${i}]`);
      }
    }
  }
});

for (const name of ['js', 'native'] as const) {
  test(`dropout op (${name}): keeps about 1 - rate, scales kept entries, repeats with the seed, backward uses the same mask`, () => {
    if (name === 'native') nativeBackend();
    const before = getBackend();
    setBackend(name);
    try {
      const n = 200003;
      const x = new Tensor(
        randomFloats(Float32Array, n, 3).map((v) => v + 10),
        [n],
        'float32',
      );
      x.requiresGrad = true;
      for (const rate of [0.25, 0.5]) {
        setRandomSeed(11);
        const y = ops.dropout(x, rate);
        setRandomSeed(11);
        const again = ops.dropout(x, rate);
        assertSame(again.data, y.data, 'same seed, same mask');
        const next = ops.dropout(x, rate);
        let kept = 0;
        let sameAsNext = 0;
        const keep = Math.fround(1 / (1 - rate));
        for (let i = 0; i < n; i++) {
          const v = y.data[i]!;
          if (v !== 0) {
            kept++;
            assert.equal(v, Math.fround(x.data[i]! * keep));
          }
          if ((v !== 0) === (next.data[i] !== 0)) sameAsNext++;
        }
        // Binomial(n, 1 - rate): 6 standard deviations.
        const sd = Math.sqrt(n * rate * (1 - rate));
        assert.ok(Math.abs(kept - n * (1 - rate)) < 6 * sd, `rate ${rate}: kept ${kept} of ${n}`);
        // The next call's mask is independent: agreement is (1-rate)^2 + rate^2, not 1.
        const agree = (1 - rate) ** 2 + rate ** 2;
        assert.ok(
          Math.abs(sameAsNext - n * agree) < 6 * Math.sqrt(n * agree * (1 - agree)),
          `independent masks: ${sameAsNext}`,
        );
        const seed = new Tensor(randomFloats(Float32Array, n, 5), [n], 'float32');
        const [gx] = gradients(y, [x], seed);
        for (let i = 0; i < n; i++) {
          const expected = y.data[i] === 0 ? 0 : Math.fround(seed.data[i]! * keep);
          assert.ok(Object.is(gx!.data[i], expected) || (expected === 0 && gx!.data[i] === 0), `grad[${i}]`);
        }
      }
    } finally {
      setBackend(before);
    }
  });
}

test('dropout op: js and native give the same masks for the same seed (a run repeats across backends)', () => {
  nativeBackend();
  const before = getBackend();
  const x = new Tensor(randomFloats(Float64Array, 3 * 7 * 11, 9), [3, 7, 11], 'float64');
  const run = (name: 'js' | 'native'): Tensor[] => {
    setBackend(name);
    setRandomSeed(99);
    return [ops.dropout(x, 0.3), ops.dropout(x, 0.6, [3, 1, 11])];
  };
  try {
    const [a, b] = [run('js'), run('native')];
    for (let i = 0; i < a.length; i++) assertSame(b[i]!.data, a[i]!.data, `call ${i}`);
  } finally {
    setBackend(before);
  }
});
