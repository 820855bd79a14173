/**
 * The fused attention kernels (Backend.attention / attentionBackward): the reference against a
 * hand-worked case and against the composition MultiHeadAttention used before (matmul, masked
 * softmax, matmul); native and wasm against the reference on random inputs (float32 and float64,
 * masks per batch entry, one shared causal mask, fully masked rows, odd sizes); the op's float64
 * gradients against central differences; and MultiHeadAttention on the fused path against its
 * composition path (returnAttentionScores) with masks and causal masking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttentionParams, Backend } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { Random } from '../src/core/random.js';
import type { FloatArray } from '../src/core/dtype.js';
import { Tensor } from '../src/core/tensor.js';
import { fusedAttention } from '../src/ops/attention.js';
import { MultiHeadAttention } from '../src/layers/multi-head-attention.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';
import { nativeBackend, wasmBackend } from './helpers/native.js';

type C = Float32ArrayConstructor | Float64ArrayConstructor;

function random(Ctor: C, n: number, r: Random, lo = -2, hi = 2): FloatArray {
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r.uniform();
  return a;
}

/** A 0/1 mask with about a quarter zeros, and (when asked) one fully masked query row. */
function randomMask(Ctor: C, p: AttentionParams, r: Random, fullRow: boolean): FloatArray {
  const m = new Ctor(p.maskBatch * p.tq * p.tk);
  for (let i = 0; i < m.length; i++) m[i] = r.uniform() < 0.25 ? 0 : 1;
  if (fullRow && p.tq > 1) m.fill(0, p.tk, 2 * p.tk);
  return m;
}

function causal(Ctor: C, tq: number, tk: number): FloatArray {
  const m = new Ctor(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = 0; j <= Math.min(i, tk - 1); j++) m[i * tk + j] = 1;
  return m;
}

function run(be: Backend, Ctor: C, p: AttentionParams, mask: 'none' | 'batch' | 'causal', seed: number): FloatArray[] {
  const r = new Random(seed);
  const q = random(Ctor, p.batch * p.tq * p.heads * p.dk, r);
  const k = random(Ctor, p.batch * p.tk * p.heads * p.dk, r);
  const v = random(Ctor, p.batch * p.tk * p.heads * p.dv, r);
  const grad = random(Ctor, p.batch * p.tq * p.heads * p.dv, r, -1, 1);
  const keep = mask === 'none' ? null : mask === 'causal' ? causal(Ctor, p.tq, p.tk) : randomMask(Ctor, p, r, true);
  const out = new Ctor((q.length / p.dk) * p.dv).fill(NaN);
  const probs = new Ctor(p.batch * p.heads * p.tq * p.tk).fill(NaN);
  const [dq, dk, dv] = [new Ctor(q.length).fill(NaN), new Ctor(k.length).fill(NaN), new Ctor(v.length).fill(NaN)];
  be.attention(q, k, v, keep, p, out, probs);
  be.attentionBackward(q, k, v, keep, probs, grad, p, dq, dk, dv);
  return [out, probs, dq, dk, dv];
}

function close(got: FloatArray, want: FloatArray, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 0;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i]! - want[i]!) <= tol * (1 + scale), `${what}[${i}]: ${got[i]} vs reference ${want[i]}`);
}

const SHAPES: (Omit<AttentionParams, 'maskBatch' | 'scale'> & { mask: 'none' | 'batch' | 'causal' })[] = [
  { batch: 1, heads: 1, tq: 1, tk: 1, dk: 1, dv: 1, mask: 'none' },
  { batch: 2, heads: 3, tq: 5, tk: 7, dk: 4, dv: 6, mask: 'batch' },
  { batch: 3, heads: 2, tq: 9, tk: 9, dk: 8, dv: 8, mask: 'causal' },
  { batch: 2, heads: 2, tq: 33, tk: 17, dk: 16, dv: 5, mask: 'batch' },
  { batch: 4, heads: 2, tq: 40, tk: 40, dk: 32, dv: 32, mask: 'none' },
];

for (const [name, be] of [
  ['native', nativeBackend],
  ['wasm', wasmBackend],
] as const) {
  test(`attention kernels: ${name} matches the reference (float32 / float64, masks, causal, fully masked rows)`, () => {
    const b = be();
    let seed = 1;
    for (const s of SHAPES)
      for (const Ctor of [Float32Array, Float64Array] as const) {
        const p: AttentionParams = { ...s, scale: 1 / Math.sqrt(s.dk), maskBatch: s.mask === 'batch' ? s.batch : 1 };
        const want = run(jsBackend, Ctor, p, s.mask, seed);
        const got = run(b, Ctor, p, s.mask, seed);
        const tol = Ctor === Float32Array ? 2e-5 : 1e-12;
        ['out', 'probs', 'dq', 'dk', 'dv'].forEach((what, i) =>
          close(got[i]!, want[i]!, tol, `${name} ${Ctor.name} ${JSON.stringify(s)} ${what}`),
        );
        seed++;
      }
  });
}

test('attention kernels: a NaN key stays visible in its head and nowhere else, as in the reference', () => {
  // Key 11 of head 0 is NaN: every score of head 0 sees it (the row max and the row dot run in
  // eight lanes, so the NaN sits in a lane's second block), head 1 must stay finite.
  const p: AttentionParams = { batch: 1, heads: 2, tq: 3, tk: 20, dk: 4, dv: 4, scale: 0.5, maskBatch: 1 };
  for (const [name, be] of [
    ['js', () => jsBackend],
    ['native', nativeBackend],
    ['wasm', wasmBackend],
  ] as const) {
    const r = new Random(7);
    const q = random(Float32Array, p.tq * p.heads * p.dk, r);
    const k = random(Float32Array, p.tk * p.heads * p.dk, r);
    const v = random(Float32Array, p.tk * p.heads * p.dv, r);
    const grad = random(Float32Array, p.tq * p.heads * p.dv, r, -1, 1);
    k[11 * p.heads * p.dk + 2] = NaN;
    const out = new Float32Array(p.tq * p.heads * p.dv);
    const probs = new Float32Array(p.heads * p.tq * p.tk);
    const [dq, dk, dv] = [new Float32Array(q.length), new Float32Array(k.length), new Float32Array(v.length)];
    be().attention(q, k, v, null, p, out, probs);
    be().attentionBackward(q, k, v, null, probs, grad, p, dq, dk, dv);
    for (let t = 0; t < p.tq; t++)
      for (let h = 0; h < p.heads; h++)
        for (let d = 0; d < p.dv; d++) {
          const o = out[(t * p.heads + h) * p.dv + d]!;
          const g = dq[(t * p.heads + h) * p.dk + d]!;
          assert.equal(Number.isNaN(o), h === 0, `${name} out[${t}, head ${h}, ${d}] = ${o}`);
          assert.equal(Number.isNaN(g), h === 0, `${name} dq[${t}, head ${h}, ${d}] = ${g}`);
        }
    for (let i = 0; i < probs.length; i++)
      assert.equal(Number.isNaN(probs[i]!), i < p.tq * p.tk, `${name} probs[${i}] = ${probs[i]}`);
  }
});

test('the reference attention, worked by hand: one head, two queries, a masked key', () => {
  // q = [[1, 0], [0, 2]], k = [[1, 1], [2, 0], [0, 3]], scale 0.5; query 0 sees keys 0 and 1 only.
  // Scores row 0: 0.5 * [1, 2, (masked)] -> softmax [e^.5, e^1, 0] / (e^.5 + e^1); row 1: 0.5 * [2, 0, 6].
  const q = Float64Array.of(1, 0, 0, 2);
  const k = Float64Array.of(1, 1, 2, 0, 0, 3);
  const v = Float64Array.of(1, 10, 2, 20, 3, 30);
  const keep = Float64Array.of(1, 1, 0, 1, 1, 1);
  const p: AttentionParams = { batch: 1, heads: 1, tq: 2, tk: 3, dk: 2, dv: 2, scale: 0.5, maskBatch: 1 };
  const out = new Float64Array(4);
  const probs = new Float64Array(6);
  jsBackend.attention(q, k, v, keep, p, out, probs);
  const z0 = Math.exp(0.5) + Math.exp(1);
  const z1 = Math.exp(1) + Math.exp(0) + Math.exp(3);
  const p0 = [Math.exp(0.5) / z0, Math.exp(1) / z0, 0];
  const p1 = [Math.exp(1) / z1, 1 / z1, Math.exp(3) / z1];
  close(probs, Float64Array.from([...p0, ...p1]), 1e-14, 'probs');
  const o = (pr: number[]): number[] => [pr[0]! + 2 * pr[1]! + 3 * pr[2]!, 10 * pr[0]! + 20 * pr[1]! + 30 * pr[2]!];
  close(out, Float64Array.from([...o(p0), ...o(p1)]), 1e-14, 'out');
  // A fully masked row is Keras's softmax of -1e9 everywhere: uniform weights.
  jsBackend.attention(q, k, v, Float64Array.of(0, 0, 0, 1, 1, 1), p, out, probs);
  close(probs.subarray(0, 3), Float64Array.of(1 / 3, 1 / 3, 1 / 3), 1e-14, 'fully masked row');
});

test('fusedAttention: float64 gradients of q, k and v against central differences (masked, causal, none)', () => {
  const r = new Random(5);
  const q = makeInput(r, { shape: [2, 3, 4] });
  const k = makeInput(r, { shape: [2, 5, 4] });
  const v = makeInput(r, { shape: [2, 5, 6] });
  const keepData = new Float64Array(2 * 3 * 5).map((_, i) => (i % 4 === 1 ? 0 : 1));
  keepData.fill(0, 5, 10); // one fully masked query row
  const keep = new Tensor(keepData, [2, 3, 5], 'float64');
  const causalKeep = new Tensor(causal(Float64Array, 3, 5) as Float64Array, [1, 3, 5], 'float64');
  for (const [what, m] of [
    ['masked', keep],
    ['causal', causalKeep],
    ['no mask', null],
  ] as const)
    gradcheck(([a, b, c]) => fusedAttention(a!, b!, c!, m, 2, 0.7).out, [q, k, v], { name: `fusedAttention ${what}` });
});

test('fusedAttention refuses mismatched shapes, naming them', () => {
  const t = (shape: number[]): Tensor => new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
  assert.throws(
    () => fusedAttention(t([2, 3, 4]), t([2, 5, 6]), t([2, 5, 4]), null, 2, 1),
    /k must match q.*k \[2, 5, 6\]/,
  );
  assert.throws(() => fusedAttention(t([2, 3, 4]), t([2, 5, 4]), t([2, 5, 4]), null, 3, 1), /heads must divide/);
  assert.throws(() => fusedAttention(t([2, 3, 4]), t([2, 5, 4]), t([2, 5, 4]), t([2, 3, 4]), 2, 1), /keep must be/);
});

test('MultiHeadAttention: the fused path equals the composition path, with value masks, attentionMask and causal masks', () => {
  for (const be of ['js', 'native'] as const) {
    const previous = getBackend();
    if (be === 'native') nativeBackend();
    setBackend(be);
    try {
      const r = new Random(11);
      const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 4 });
      const query = new Tensor(Float32Array.from(random(Float32Array, 2 * 5 * 6, r)), [2, 5, 6]);
      const value = new Tensor(Float32Array.from(random(Float32Array, 2 * 7 * 6, r)), [2, 7, 6]);
      const valueMask = new Tensor(
        Uint8Array.from({ length: 14 }, (_, i) => (i % 3 === 2 ? 0 : 1)),
        [2, 7],
        'bool',
      );
      const attentionMask = new Tensor(
        Uint8Array.from({ length: 70 }, (_, i) => (i % 5 === 0 ? 0 : 1)),
        [2, 5, 7],
        'bool',
      );
      for (const opts of [{}, { valueMask }, { attentionMask }, { useCausalMask: true, valueMask }]) {
        const fused = mha.apply(query, { value, ...opts }) as Tensor;
        const [composed] = mha.apply(query, { value, ...opts, returnAttentionScores: true }) as unknown as Tensor[];
        close(
          fused.data as FloatArray,
          composed!.data as FloatArray,
          2e-6,
          `${be} ${Object.keys(opts).join('+') || 'plain'}`,
        );
      }
    } finally {
      setBackend(previous);
    }
  }
});
