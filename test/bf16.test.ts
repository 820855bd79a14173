// bfloat16: rounding worked by hand, casts on both backends bit for bit, printing, ops that refuse
// it, and the bf16 GEMM: the reference against exact (float64) sums and every native kernel
// family (AMX tiles, AVX512_BF16, portable) against both, with the error bound stated below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { MatmulParams } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { nativeAddon } from '../src/backend/native/index.js';
import { fromBfloat16Bits as dec, toBfloat16Bits as enc } from '../src/core/dtype.js';
import { Tensor } from '../src/core/tensor.js';
import { tensor, full } from '../src/ops/creation.js';
import { astype } from '../src/ops/cast.js';
import { matmul, dense } from '../src/ops/matmul.js';
import { add } from '../src/ops/binary.js';
import { sum } from '../src/ops/reduce.js';
import { gather } from '../src/ops/slice.js';
import { transpose } from '../src/ops/transpose.js';
import { gradients } from '../src/core/autograd.js';
import { nativeBackend, rng } from './helpers/native.js';

const U = 2 ** -24; // float32 unit roundoff
const UH = 2 ** -8; // bfloat16 unit roundoff (8 significant bits)

test('toBfloat16Bits rounds to nearest, ties to even, keeps NaN and signs (cases worked by hand)', () => {
  assert.equal(enc(1), 0x3f80);
  assert.equal(enc(-2), 0xc000);
  assert.equal(enc(0), 0x0000);
  assert.equal(enc(-0), 0x8000);
  // 1 + 2^-8 is halfway between 1 (0x3f80, even) and 1 + 2^-7 (0x3f81): ties go to even.
  assert.equal(enc(1 + 2 ** -8), 0x3f80);
  // 1 + 3 * 2^-8 is halfway between 0x3f81 (odd) and 0x3f82 (even).
  assert.equal(enc(1 + 3 * 2 ** -8), 0x3f82);
  // Just above the halfway point rounds up.
  assert.equal(enc(1 + 2 ** -8 + 2 ** -20), 0x3f81);
  assert.equal(enc(1 + 2 ** -8 - 2 ** -20), 0x3f80);
  // 257 = 2^8 + 1 lies halfway between 256 (0x4380) and 258 (0x4381).
  assert.equal(enc(257), 0x4380);
  assert.equal(enc(259), 0x4382);
  // pi = 3.14159... -> 3.140625 (0x4049): the next one up, 3.15625, is farther.
  assert.equal(enc(Math.PI), 0x4049);
  assert.equal(dec(0x4049), 3.140625);
  // The largest float32 rounds past bfloat16's largest finite value (0x7f7f) to infinity.
  assert.equal(enc(3.4028234663852886e38), 0x7f80);
  assert.equal(enc(-Infinity), 0xff80);
  // NaN stays NaN, including a float32 NaN whose payload sits only in the dropped low bits
  // (naive rounding would turn 0x7f800001 into infinity).
  const f = new Float32Array(1);
  new Uint32Array(f.buffer)[0] = 0x7f800001;
  assert.ok(Number.isNaN(dec(enc(f[0]!))));
  assert.ok(Number.isNaN(dec(enc(NaN))));
  new Uint32Array(f.buffer)[0] = 0xff800001;
  assert.equal(enc(f[0]!) & 0x8000, 0x8000, 'sign of a negative NaN kept');
  // The smallest float32 subnormal is far below half of bfloat16's smallest subnormal (2^-133).
  assert.equal(enc(2 ** -149), 0);
  assert.equal(enc(2 ** -133), 0x0001);
  // Doubles go through float32 first: 1 + 2^-8 + 2^-40 becomes float32 1 + 2^-8, then ties to even.
  assert.equal(enc(1 + 2 ** -8 + 2 ** -40), 0x3f80);
  for (const h of [0x0001, 0x3f80, 0x4049, 0x7f7f, 0xff7f, 0x8001]) assert.equal(enc(dec(h)), h, 'round trip');
});

/** Values that exercise every branch of the cast: normals, ties, NaN, infinities, zeros, subnormals, huge. */
function castInputs(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  const special = [NaN, -NaN, Infinity, -Infinity, 0, -0, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.4e38, -3.4e38, 1e-40, -1e-45];
  for (let i = 0; i < n; i++) {
    x[i] = i < special.length ? special[i]! : (r() * 2 - 1) * 10 ** Math.floor(r() * 12 - 6);
  }
  return x;
}

test('casts to and from bfloat16 agree bit for bit between the native and reference backends', () => {
  const native = nativeBackend();
  const n = 70000; // above the native kernels' parallel grain
  const x32 = castInputs(n, 1);
  const x64 = Float64Array.from(x32, (v, i) => v + (i % 3) * 2 ** -30 * v);
  const xi = Int32Array.from({ length: n }, (_, i) => (i * 2654435761) | 0);
  const xu = Uint8Array.from({ length: n }, (_, i) => i & 255);
  for (const src of [x32, x64, xi, xu]) {
    const a = new Uint16Array(n);
    const b = new Uint16Array(n);
    jsBackend.cast(src, a);
    native.cast(src, b);
    assert.deepEqual(b, a, `${src.constructor.name} -> bfloat16`);
    for (let i = 0; i < 50; i++) {
      const want = src instanceof Float64Array ? enc(Math.fround(src[i]!)) : enc(src[i]!);
      assert.equal(a[i], want, `${src.constructor.name}[${i}] = ${src[i]}`);
    }
  }
  const h = new Uint16Array(n);
  jsBackend.cast(x32, h);
  for (const C of [Float32Array, Float64Array, Int32Array, Uint8Array]) {
    const a = new C(n);
    const b = new C(n);
    jsBackend.cast(h, a);
    native.cast(h, b);
    assert.deepEqual(b, a, `bfloat16 -> ${C.name}`);
  }
  const back = new Float32Array(n);
  jsBackend.cast(h, back);
  assert.ok(Number.isNaN(back[0]!) && Number.isNaN(back[1]!), 'NaN survives the round trip');
  assert.equal(back[2], Infinity);
  assert.ok(Object.is(back[5], -0));
  // A round trip changes a value by at most half a bfloat16 step (relative 2^-8) for normals.
  for (let i = 12; i < n; i++) {
    const v = x32[i]!;
    if (Math.abs(v) >= 2 ** -126) assert.ok(Math.abs(back[i]! - v) <= UH * Math.abs(v), `round trip of ${v}`);
  }
});

test('bfloat16 tensors: creation, astype both ways (with gradients), printing, and ops that refuse them', () => {
  const t = tensor([1.5, Math.PI, -0, NaN], undefined, 'bfloat16');
  assert.equal(t.dtype, 'bfloat16');
  assert.ok(t.data instanceof Uint16Array);
  assert.deepEqual(Array.from(t.data), [0x3fc0, 0x4049, 0x8000, 0x7fc0]);
  assert.deepEqual(t.toArray(), [1.5, 3.140625, -0, NaN]);
  assert.equal(t.toString(), '[ 1.5       3.140625 -0.             nan]');
  assert.equal(tensor(Math.PI, [], 'bfloat16').toString(), '3.140625');
  assert.equal(tensor(Math.PI, [], 'bfloat16').item(), 3.140625);
  assert.deepEqual(full([2], 257, 'bfloat16').toArray(), [256, 256]);
  const f = astype(t, 'float32');
  assert.equal(f.dtype, 'float32');
  assert.deepEqual(Array.from(f.data).slice(0, 2), [1.5, 3.140625]);
  assert.deepEqual(astype(t, 'bool').toArray(), [true, true, false, true], '-0 is false, NaN is true');
  assert.deepEqual(astype(tensor([2.9, -2.9, 300]), 'bfloat16').toArray(), [2.90625, -2.90625, 300]);
  assert.deepEqual(astype(astype(tensor([2.9, -2.9]), 'bfloat16'), 'int32').toArray(), [2, -2]);
  // Gradients pass through both casts unchanged (the cast's derivative is 1, as in Keras).
  const x = tensor([0.1, -3, 7.77]);
  x.requiresGrad = true;
  const y = astype(astype(x, 'bfloat16'), 'float32');
  const [gx] = gradients(y, [x], tensor([1, 2, -0.5]));
  assert.deepEqual(Array.from(gx!.data), [1, 2, -0.5]);
  assert.equal(gx!.dtype, 'float32');
  assert.throws(() => add(t, t), /add: bfloat16 tensors are not supported here.*astype\('float32'\)/);
  assert.throws(() => add(t, 1), /add: bfloat16/);
  assert.throws(() => sum(t), /sum: bfloat16/);
  assert.throws(() => astype(t, 'bf16'), /Unknown dtype 'bf16'.*bfloat16/);
  assert.throws(() => new Tensor(new Uint16Array(2), [2], 'float32'), /Uint16Array cannot hold dtype float32/);
});

function randomBf16(n: number, seed: number, ints = false): Uint16Array {
  const r = rng(seed);
  const a = new Uint16Array(n);
  // Reals in (-1, 1) of varied magnitude, never bfloat16 subnormals (the AVX512_BF16 and AMX
  // instructions read those as zero, the reference does not); or small integers in [-8, 8].
  for (let i = 0; i < n; i++) a[i] = enc(ints ? Math.round(r() * 16 - 8) : (r() * 2 - 1) * (r() < 0.1 ? 1e-3 : 1));
  return a;
}

/** Exact products summed in float64 (error ~1e-16 relative, far below the float32 bound), plus sum |a b|. */
function exact(a: Uint16Array, b: Uint16Array, p: MatmulParams): { ref: Float64Array; mag: Float64Array } {
  const { batch, m, n, k } = p;
  const ref = new Float64Array(batch * m * n);
  const mag = new Float64Array(batch * m * n);
  const bias = p.bias ?? null;
  for (let bt = 0; bt < batch; bt++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        let g = 0;
        for (let kk = 0; kk < k; kk++) {
          const x = dec(a[bt * p.aBatchStride + (p.transA ? kk * m + i : i * k + kk)]!);
          const y = dec(b[bt * p.bBatchStride + (p.transB ? j * k + kk : kk * n + j)]!);
          s += x * y;
          g += Math.abs(x * y);
        }
        if (bias) {
          s += bias[j]!;
          g += Math.abs(bias[j]!);
        }
        if (p.activation === 'relu' && s < 0) s = 0;
        ref[(bt * m + i) * n + j] = s;
        mag[(bt * m + i) * n + j] = g;
      }
  return { ref, mag };
}

/**
 * The stated bound: float32 sums of k exact products plus a bias, in any order, are within
 * gamma_(k+1) sum(|a b|) + |bias|) of the exact value, gamma_j = j u / (1 - j u) with u = 2^-24.
 * bfloat16 outputs add one rounding: |out - exact| <= 2^-8 |exact| + (1 + 2^-8) * that bound.
 * Returns the largest error seen as a fraction of u * (sum |a b| + |bias|).
 */
function assertWithinBound(
  got: Float32Array | Uint16Array,
  e: { ref: Float64Array; mag: Float64Array },
  k: number,
  what: string,
): number {
  const g = ((k + 1) * U) / (1 - (k + 1) * U);
  let worst = 0;
  for (let i = 0; i < e.ref.length; i++) {
    const v = got instanceof Uint16Array ? dec(got[i]!) : got[i]!;
    const r = e.ref[i]!;
    const err = Math.abs(v - r);
    const bound = got instanceof Uint16Array ? UH * Math.abs(r) + (1 + UH) * g * e.mag[i]! : g * e.mag[i]!;
    assert.ok(err <= bound, `${what}: element ${i} = ${v}, exact ${r}, error ${err} > bound ${bound}`);
    if (got instanceof Float32Array && e.mag[i]! > 0) worst = Math.max(worst, err / (U * e.mag[i]!));
  }
  return worst;
}

interface Case {
  batch?: number;
  m: number;
  k: number;
  n: number;
  ta?: boolean;
  tb?: boolean;
  bias?: boolean;
  relu?: boolean;
  shareB?: boolean;
}

// Sizes off and on the 32-row / 32-column blocks and the 32-deep tile steps, k = 0 and 1, both
// transposes, batches with a shared B, bias and relu; the last crosses the 512 KB column blocks
// and the parallel threshold.
const CASES: Case[] = [
  { m: 1, k: 1, n: 1 },
  { m: 5, k: 0, n: 7, bias: true, relu: true },
  { m: 33, k: 31, n: 17, bias: true },
  { m: 32, k: 64, n: 32, relu: true },
  { m: 47, k: 100, n: 65, ta: true, bias: true, relu: true },
  { m: 20, k: 33, n: 40, tb: true },
  { m: 8, k: 45, n: 64, relu: true },
  { m: 64, k: 50, n: 64, ta: true, tb: true, bias: true },
  { m: 40, k: 33, n: 33, ta: true, tb: true },
  { m: 19, k: 70, n: 34, ta: true, tb: true, bias: true },
  { batch: 3, m: 9, k: 37, n: 21, bias: true, shareB: true },
  { batch: 2, m: 12, k: 40, n: 50, ta: true, tb: true },
  { m: 100, k: 600, n: 300, bias: true, relu: true },
];

function params(c: Case, seed: number): { a: Uint16Array; b: Uint16Array; p: MatmulParams } {
  const batch = c.batch ?? 1;
  const a = randomBf16(batch * c.m * c.k, seed);
  const b = randomBf16((c.shareB ? 1 : batch) * c.k * c.n, seed + 1);
  const r = rng(seed + 2);
  const p: MatmulParams = {
    batch,
    m: c.m,
    n: c.n,
    k: c.k,
    transA: !!c.ta,
    transB: !!c.tb,
    aBatchStride: c.m * c.k,
    bBatchStride: c.shareB ? 0 : c.k * c.n,
    bias: c.bias ? Float32Array.from({ length: c.n }, () => r() - 0.5) : null,
    activation: c.relu ? 'relu' : 'linear',
  };
  return { a, b, p };
}

test('reference bf16 matmul: float32 sums in order, within the stated bound of exact sums, one rounding to bf16', () => {
  let worst = 0;
  CASES.forEach((c, ci) => {
    const { a, b, p } = params(c, 100 + ci);
    const e = exact(a, b, p);
    const out = new Float32Array(p.batch * p.m * p.n);
    const outH = new Uint16Array(out.length);
    jsBackend.matmulBf16(a, b, out, p);
    jsBackend.matmulBf16(a, b, outH, p);
    worst = Math.max(worst, assertWithinBound(out, e, c.k, `js ${JSON.stringify(c)}`));
    assertWithinBound(outH, e, c.k, `js bf16 out ${JSON.stringify(c)}`);
    for (let i = 0; i < out.length; i++) assert.equal(outH[i], enc(out[i]!), 'bf16 output = rounded float32 output');
  });
  // Hand-worked: [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[19, 22], [43, 50]]; [1, 1] @ [256, 1]^T = 257,
  // which rounds to 256 in bfloat16 (a tie, to even) and stays 257 in float32.
  const h = (xs: number[]): Uint16Array => Uint16Array.from(xs, enc);
  const p = { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const o = new Uint16Array(4);
  jsBackend.matmulBf16(h([1, 2, 3, 4]), h([5, 6, 7, 8]), o, p);
  assert.deepEqual(Array.from(o, dec), [19, 22, 43, 50]);
  const o1 = new Uint16Array(1);
  const o2 = new Float32Array(1);
  const p1 = { ...p, m: 1, n: 1 };
  jsBackend.matmulBf16(h([1, 1]), h([256, 1]), o1, p1);
  jsBackend.matmulBf16(h([1, 1]), h([256, 1]), o2, p1);
  assert.deepEqual([dec(o1[0]!), o2[0]], [256, 257]);
  assert.ok(worst < 8, `reference error ${worst} u * sum|ab| is far inside the bound`);
});

const FAMILIES = ['generic', 'avx512bf16', 'amx'] as const;

/** A copy at a non-zero byte offset of a larger buffer (kernels must honour byteOffset). */
function offsetView<T extends Uint16Array | Float32Array>(a: T): T {
  const C = a.constructor as Uint16ArrayConstructor;
  const big = new C(a.length + 3);
  big.set(a, 1);
  return big.subarray(1, 1 + a.length) as T;
}

test('native bf16 matmul, every kernel family: exact on integer inputs, within the bound on reals (portable: equal to the reference), 1 and 2 threads', (t) => {
  const native = nativeBackend();
  const addon = nativeAddon()!;
  const detected = addon.bf16Info().detected;
  const level = FAMILIES.indexOf(detected as (typeof FAMILIES)[number]);
  assert.ok(level >= 0, `unknown family ${detected}`);
  const before = addon.getBf16Isa();
  const threads = addon.getNumThreads();
  const worst: Record<string, number> = {};
  // Inputs, exact sums and reference results once per case, shared by every family and thread count.
  const prepared = CASES.map((c, ci) => {
    // Integer inputs: every partial sum is an integer below 2^24, so any order of float32
    // additions is exact and every family must equal the reference bit for bit.
    const { p: pi } = params(c, 200 + ci);
    const ai = randomBf16(pi.batch * c.m * c.k, 300 + ci, true);
    const bi = randomBf16((c.shareB ? 1 : pi.batch) * c.k * c.n, 400 + ci, true);
    if (pi.bias) pi.bias = pi.bias.map((v) => Math.round(v * 8));
    const wantInt = new Float32Array(pi.batch * pi.m * pi.n);
    jsBackend.matmulBf16(ai, bi, wantInt, pi);
    const real = params(c, 100 + ci);
    const wantReal = new Float32Array(real.p.batch * c.m * c.n);
    jsBackend.matmulBf16(real.a, real.b, wantReal, real.p);
    return { c, ai, bi, pi, wantInt, real, wantReal, e: exact(real.a, real.b, real.p) };
  });
  try {
    for (const [fi, fam] of FAMILIES.entries()) {
      if (fi > level) {
        t.diagnostic(`${fam}: not available on this machine (${addon.bf16Info().amxUnavailable || detected}); not run`);
        continue;
      }
      assert.equal(addon.setBf16Isa(fam), fam);
      worst[fam] = 0;
      for (const nth of [1, 2]) {
        addon.setNumThreads(nth);
        for (const { c, ai, bi, pi, wantInt, real, wantReal, e } of prepared) {
          const what = `${fam}, ${nth} thread(s), ${JSON.stringify(c)}`;
          const gotInt = offsetView(new Float32Array(wantInt.length));
          native.matmulBf16(offsetView(ai), offsetView(bi), gotInt, pi);
          assert.deepEqual(gotInt, wantInt, `integers: ${what}`);
          const { a, b, p } = real;
          const out = new Float32Array(p.batch * p.m * p.n);
          const outH = new Uint16Array(out.length);
          native.matmulBf16(a, b, out, p);
          native.matmulBf16(a, b, outH, p);
          // The portable kernel adds in the reference's order, so it equals it on any input.
          if (fam === 'generic') assert.deepEqual(out, wantReal, `reals: ${what}`);
          worst[fam] = Math.max(worst[fam]!, assertWithinBound(out, e, c.k, what));
          assertWithinBound(outH, e, c.k, `bf16 out, ${what}`);
          for (let i = 0; i < out.length; i++)
            assert.equal(outH[i], enc(out[i]!), `${what}: bf16 output is the float32 output rounded once`);
        }
      }
    }
  } finally {
    addon.setBf16Isa(before);
    addon.setNumThreads(threads);
  }
  t.diagnostic(`largest error / (u * sum|ab|), u = 2^-24: ${JSON.stringify(worst)}`);
});

test('native bf16 matmul keeps NaN and infinities visible and checks its arguments', () => {
  const native = nativeBackend();
  const addon = nativeAddon()!;
  const before = addon.getBf16Isa();
  try {
    for (const fam of FAMILIES) {
      const used = addon.setBf16Isa(fam);
      const m = 3;
      const k = 40;
      const n = 5;
      const a = randomBf16(m * k, 7);
      const b = randomBf16(k * n, 8);
      a[1 * k + 3] = enc(NaN);
      b[2 * n + 4] = enc(Infinity);
      const p = { batch: 1, m, n, k, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
      const out = new Float32Array(m * n);
      native.matmulBf16(a, b, out, { ...p, activation: 'relu' });
      const want = new Float32Array(m * n);
      jsBackend.matmulBf16(a, b, want, { ...p, activation: 'relu' });
      for (let j = 0; j < n; j++) assert.ok(Number.isNaN(out[1 * n + j]!), `${used}: NaN row survives relu`);
      for (let i = 0; i < m; i++) {
        if (i === 1) continue;
        const w = want[i * n + 4]!;
        assert.ok(Number.isNaN(w) ? Number.isNaN(out[i * n + 4]!) : out[i * n + 4] === w, `${used}: inf column`);
      }
    }
  } finally {
    addon.setBf16Isa(before);
  }
  const p = { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  assert.throws(
    () => native.matmulBf16(new Uint16Array(3), new Uint16Array(4), new Float32Array(4), p),
    /matmulBf16: arrays are shorter/,
  );
  assert.throws(
    () => native.matmulBf16(new Uint16Array(4), new Uint16Array(4), new Float64Array(4) as never, p),
    /out must be float32 or bfloat16/,
  );
  assert.throws(() => addon.setBf16Isa('avx9'), /unknown kernel family 'avx9'/);
});

test('DEEPSCRIPT_DISABLE_AMX=1 makes the bf16 GEMM use AVX512_BF16 and says why', (t) => {
  const addon = nativeAddon()!;
  const info = addon.bf16Info();
  const entry = new URL('../src/backend/native/index.js', import.meta.url).href;
  const script = `import(${JSON.stringify(entry)}).then((m) => console.log(JSON.stringify(m.nativeAddon().bf16Info())))`;
  const r = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, DEEPSCRIPT_DISABLE_AMX: '1' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const child = JSON.parse(r.stdout) as { detected: string; amxUnavailable: string };
  if (info.detected === 'amx') {
    assert.deepEqual(child, { detected: 'avx512bf16', amxUnavailable: 'DEEPSCRIPT_DISABLE_AMX is set' });
  } else {
    t.diagnostic(`this machine does not use AMX (${info.amxUnavailable}); the child reports ${JSON.stringify(child)}`);
    assert.equal(child.detected, info.detected);
  }
});

test('matmul and dense on bfloat16 tensors give bfloat16 results equal to the reference, on both backends', () => {
  nativeBackend();
  const before = getBackend();
  const r = rng(5);
  const x32 = tensor(Array.from({ length: 6 }, () => Array.from({ length: 40 }, () => r() * 2 - 1)));
  const w32 = tensor(Array.from({ length: 40 }, () => Array.from({ length: 9 }, () => r() * 2 - 1)));
  const b32 = tensor(Array.from({ length: 9 }, () => r() - 0.5));
  const x = astype(x32, 'bfloat16');
  const w = astype(w32, 'bfloat16');
  const p = { batch: 1, m: 6, n: 9, k: 40, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const want = new Uint16Array(54);
  jsBackend.matmulBf16(x.data as Uint16Array, w.data as Uint16Array, want, p);
  const wantDense = new Uint16Array(54);
  const biasH = astype(astype(b32, 'bfloat16'), 'float32').data as Float32Array;
  jsBackend.matmulBf16(x.data as Uint16Array, w.data as Uint16Array, wantDense, {
    ...p,
    bias: biasH,
    activation: 'relu',
  });
  try {
    for (const name of ['js', 'native']) {
      setBackend(name);
      const y = matmul(x, w);
      assert.equal(y.dtype, 'bfloat16');
      assert.deepEqual(y.shape, [6, 9]);
      assert.deepEqual(y.data, want, `${name}: matmul`);
      const d = dense(x, w, astype(b32, 'bfloat16'), 'relu');
      assert.equal(d.dtype, 'bfloat16');
      assert.deepEqual(d.data, wantDense, `${name}: dense`);
    }
  } finally {
    setBackend(before);
  }
  assert.throws(() => matmul(x, w32), /matmul: dtypes differ \(bfloat16 and float32\)/);
});

test('bfloat16 tensors move through transpose and gather on both backends, gradients included', () => {
  nativeBackend();
  const before = getBackend();
  const h = astype(
    tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]),
    'bfloat16',
  );
  try {
    for (const name of ['js', 'native']) {
      setBackend(name);
      assert.deepEqual(transpose(h).toArray(), [
        [1, 4],
        [2, 5],
        [3, 6],
      ]);
      const x = astype(tensor([0.5, 1.5, 2.5]), 'bfloat16');
      x.requiresGrad = true;
      const y = gather(x, [2, 0, 2]);
      assert.equal(y.dtype, 'bfloat16');
      assert.deepEqual(y.toArray(), [2.5, 0.5, 2.5]);
      const [gx] = gradients(y, [x], astype(tensor([1, 10, 100]), 'bfloat16'));
      assert.equal(gx!.dtype, 'bfloat16');
      assert.deepEqual(gx!.toArray(), [10, 0, 101], `${name}: repeated indices add`);
    }
  } finally {
    setBackend(before);
  }
});

test('gradients of a bfloat16 dense: bf16 products of the same operands, float32 relu mask and bias sum', () => {
  nativeBackend();
  const before = getBackend();
  try {
    for (const name of ['js', 'native']) {
      setBackend(name);
      denseGradCase();
    }
  } finally {
    setBackend(before);
  }
});

function denseGradCase(): void {
  const r = rng(9);
  const bf = (n: number, s = 1): Uint16Array => Uint16Array.from({ length: n }, () => enc((r() * 2 - 1) * s));
  const [m, k, n] = [7, 37, 11];
  const x = new Tensor(bf(m * k), [m, k]);
  const w = new Tensor(bf(k * n), [k, n]);
  const b = new Tensor(bf(n, 0.3), [n]);
  const seed = new Tensor(bf(m * n), [m, n]);
  for (const t of [x, w, b]) t.requiresGrad = true;
  const y = dense(x, w, b, 'relu');
  const [gx, gw, gb] = gradients(y, [x, w, b], seed);
  for (const g of [gx, gw, gb]) assert.equal(g!.dtype, 'bfloat16');
  // The relu mask from the bf16 output (rounding keeps signs), applied to the seed exactly.
  const gz = Uint16Array.from(seed.data, (v, i) => (dec(y.data[i]!) > 0 ? v : 0));
  const p = (mm: number, nn: number, kk: number, ta: boolean, tb: boolean): MatmulParams => ({
    batch: 1,
    m: mm,
    n: nn,
    k: kk,
    transA: ta,
    transB: tb,
    aBatchStride: 0,
    bBatchStride: 0,
  });
  const pgx = p(m, k, n, false, true);
  const pgw = p(k, n, m, true, false);
  assertWithinBound(gx!.data as Uint16Array, exact(gz, w.data as Uint16Array, pgx), n, 'd(x)');
  assertWithinBound(gw!.data as Uint16Array, exact(x.data as Uint16Array, gz, pgw), m, 'd(kernel)');
  const want = new Uint16Array(k * n);
  jsBackend.matmulBf16(x.data as Uint16Array, gz, want, pgw);
  if (getBackend() === 'js') assert.deepEqual(gw!.data, want);
  // d(bias): column sums of the masked seed in float32 (any order), rounded once to bf16.
  for (let j = 0; j < n; j++) {
    let s = 0;
    let a = 0;
    for (let i = 0; i < m; i++) {
      s += dec(gz[i * n + j]!);
      a += Math.abs(dec(gz[i * n + j]!));
    }
    const got = dec(gb!.data[j]!);
    assert.ok(Math.abs(got - s) <= UH * Math.abs(s) + (1 + UH) * m * U * a, `d(bias)[${j}] = ${got}, exact ${s}`);
  }
}
