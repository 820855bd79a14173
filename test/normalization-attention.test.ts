/**
 * LayerNormalization, GroupNormalization, UnitNormalization, Attention, AdditiveAttention and
 * MultiHeadAttention: outputs against Keras's equations written out as plain loops here (not
 * against deepscript's own ops), masks case by case as Keras 3 combines them, float64 gradient
 * checks over inputs and every weight by central differences, and refusals by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import * as layers from '../src/layers/index.js';
import { Input } from '../src/layers/input-layer.js';
import { Model } from '../src/models/model.js';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import type { Variable } from '../src/core/variable.js';
import { gradients, noGrad } from '../src/core/autograd.js';
import { makeInput } from './helpers/gradcheck.js';

const F64 = { dtype: 'float64' } as const;
const rng = new Random(20261202);

function rand(shape: number[], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  return makeInput(rng, { shape }, dtype);
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

/**
 * Central differences of phi = sum(seed * f()) over every entry of each tensor in `wrt` (inputs
 * and layer variables alike, perturbed in place) against autograd's gradients.
 */
function layerGradcheck(f: () => Tensor, wrt: Tensor[], what: string): void {
  const out = f();
  const seed = rand([...out.shape]);
  for (const t of wrt) t.requiresGrad = true;
  const analytic = gradients(f(), wrt, seed);
  const phi = (): number => {
    const y = noGrad(f);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += (y.data[i] as number) * (seed.data[i] as number);
    return s;
  };
  const eps = 1e-6;
  wrt.forEach((t, w) => {
    const g = analytic[w];
    assert.ok(g, `${what}: no gradient for input ${w}`);
    const d = t.data as Float64Array;
    for (let i = 0; i < d.length; i++) {
      const keep = d[i]!;
      d[i] = keep + eps;
      const up = phi();
      d[i] = keep - eps;
      const down = phi();
      d[i] = keep;
      const num = (up - down) / (2 * eps);
      const got = g.data[i] as number;
      assert.ok(Math.abs(got - num) <= 1e-6 + 1e-5 * Math.abs(num), `${what}: d/d input ${w}[${i}] ${got} vs ${num}`);
    }
  });
}

/** Random values into every weight (so gamma/beta/biases are not the trivial ones/zeros). */
function randomizeWeights(layer: layers.Layer): Variable[] {
  for (const v of layer.weights) v.assign(rand([...v.shape], v.dtype as 'float64'));
  return layer.weights;
}

// ---------------------------------------------------------------- normalization

/** Keras's layer_normalization for one group of values: (x - mean) / sqrt(var + eps). */
function normalize(values: number[], eps: number, center = true): number[] {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return values.map((v) => ((center ? v - mean : v) * 1) / Math.sqrt(variance + eps));
}

test('LayerNormalization over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta per row', () => {
  const ln = new layers.LayerNormalization({ ...F64, epsilon: 1e-3 });
  const x = rand([3, 2, 5]);
  ln.apply(x);
  const [gamma, beta] = randomizeWeights(ln);
  assert.deepEqual([...gamma!.shape], [5]);
  const y = ln.apply(x);
  const want: number[] = [];
  for (let r = 0; r < 6; r++) {
    const row = Array.from(x.data.slice(r * 5, r * 5 + 5));
    normalize(row, 1e-3).forEach((v, j) => want.push(v * gamma!.data[j]! + beta!.data[j]!));
  }
  close(y.data, want, 1e-12, 'layer norm');
  layerGradcheck(() => ln.apply(x), [x, gamma!, beta!], 'LayerNormalization(-1)');
});

test('LayerNormalization over axes [1, 2] of [B, 3, 4]: statistics over 12 values, gamma shaped [3, 4]', () => {
  const ln = new layers.LayerNormalization({ ...F64, axis: [-1, 1], epsilon: 0.01 });
  const x = rand([2, 3, 4]);
  ln.apply(x);
  const [gamma, beta] = randomizeWeights(ln);
  assert.deepEqual([...gamma!.shape], [3, 4]);
  assert.deepEqual(ln.getConfig()['axis'], [-1, 1]);
  const y = ln.apply(x);
  const want: number[] = [];
  for (let b = 0; b < 2; b++) {
    const vals = Array.from(x.data.slice(b * 12, b * 12 + 12));
    normalize(vals, 0.01).forEach((v, j) => want.push(v * gamma!.data[j]! + beta!.data[j]!));
  }
  close(y.data, want, 1e-12, 'layer norm [1,2]');
  layerGradcheck(() => ln.apply(x), [x, gamma!, beta!], 'LayerNormalization([1,2])');
});

test('LayerNormalization on a middle axis, without center or scale, has no weights', () => {
  const ln = new layers.LayerNormalization({ ...F64, axis: 1, center: false, scale: false });
  const x = rand([2, 3, 2]);
  const y = ln.apply(x);
  assert.equal(ln.weights.length, 0);
  for (let b = 0; b < 2; b++)
    for (let c = 0; c < 2; c++) {
      const idx = [0, 1, 2].map((t) => b * 6 + t * 2 + c);
      const want = normalize(
        idx.map((i) => x.data[i]!),
        1e-3,
      );
      close(
        idx.map((i) => y.data[i]!),
        want,
        1e-12,
        'axis 1',
      );
    }
  layerGradcheck(() => ln.apply(x), [x], 'LayerNormalization(axis 1)');
});

test("LayerNormalization rmsScaling: x * rsqrt(var + eps) * gamma, uncentered, no beta (Keras 3's equation)", () => {
  const ln = new layers.LayerNormalization({ ...F64, rmsScaling: true });
  const x = rand([2, 4]);
  ln.apply(x);
  assert.deepEqual(
    ln.weights.map((w) => w.name),
    [`${ln.name}/gamma:0`],
  );
  const [gamma] = randomizeWeights(ln);
  const y = ln.apply(x);
  const want: number[] = [];
  for (let r = 0; r < 2; r++) {
    const row = Array.from(x.data.slice(r * 4, r * 4 + 4));
    normalize(row, 1e-3, false).forEach((v, j) => want.push(v * gamma!.data[j]!));
  }
  close(y.data, want, 1e-12, 'rms scaling');
  layerGradcheck(() => ln.apply(x), [x, gamma!], 'LayerNormalization(rmsScaling)');
});

test('GroupNormalization: groups of contiguous channels normalized over steps and channels', () => {
  const gn = new layers.GroupNormalization({ ...F64, groups: 2, epsilon: 1e-3 });
  const x = rand([2, 3, 4]);
  gn.apply(x);
  const [gamma, beta] = randomizeWeights(gn);
  const y = gn.apply(x);
  const want = new Float64Array(24);
  for (let b = 0; b < 2; b++)
    for (let g = 0; g < 2; g++) {
      const idx: number[] = [];
      for (let t = 0; t < 3; t++) for (let c = g * 2; c < g * 2 + 2; c++) idx.push(b * 12 + t * 4 + c);
      const n = normalize(
        idx.map((i) => x.data[i]!),
        1e-3,
      );
      idx.forEach((i, j) => (want[i] = n[j]! * gamma!.data[i % 4]! + beta!.data[i % 4]!));
    }
  close(y.data, want, 1e-12, 'group norm');
  layerGradcheck(() => gn.apply(x), [x, gamma!, beta!], 'GroupNormalization');
  assert.throws(
    () => new layers.GroupNormalization({ groups: 3 }).apply(rand([1, 2, 4], 'float32')),
    /4 channels do not split into 3 equal groups/,
  );
  const inst = new layers.GroupNormalization({ groups: -1 });
  inst.apply(rand([1, 2, 4], 'float32'));
  assert.equal(inst.getConfig()['groups'], 4);
});

test('UnitNormalization: x / max(||x||, 1e-12) along the axis, zero vectors stay zero', () => {
  const un = new layers.UnitNormalization({ ...F64, axis: [1, 2] });
  const x = rand([2, 2, 3]);
  const y = un.apply(x);
  for (let b = 0; b < 2; b++) {
    const v = Array.from(x.data.slice(b * 6, b * 6 + 6));
    const norm = Math.sqrt(v.reduce((a, c) => a + c * c, 0));
    close(
      Array.from(y.data.slice(b * 6, b * 6 + 6)),
      v.map((e) => e / norm),
      1e-12,
      'unit norm',
    );
  }
  layerGradcheck(() => un.apply(x), [x], 'UnitNormalization');
  const z = new layers.UnitNormalization().apply(new Tensor(new Float32Array(3), [1, 3]));
  assert.deepEqual(Array.from(z.data), [0, 0, 0]);
});

test('normalization layers refuse unknown and unsupported options by name', () => {
  assert.throws(() => new layers.LayerNormalization({ epsilom: 1 } as never), /epsilon/);
  assert.throws(() => new layers.LayerNormalization({ gammaRegularizer: 'l2' } as never), /regularizers/);
  assert.throws(() => new layers.GroupNormalization({ group: 2 } as never), /groups/);
  assert.throws(() => new layers.UnitNormalization({ axes: 1 } as never), /axis/);
  assert.throws(() => new layers.LayerNormalization({ axis: 3 }).apply(rand([2, 3], 'float32')), /out of range/);
});

// ---------------------------------------------------------------- Attention, AdditiveAttention

/** Keras's dense attention on one batch entry, written out: scores [tq][tv] -> output [tq][d]. */
function refAttention(
  q: number[][],
  k: number[][],
  v: number[][],
  score: (qi: number[], kj: number[]) => number,
  keep: (i: number, j: number) => boolean,
): { out: number[][]; w: number[][] } {
  const w = q.map((qi, i) => {
    const s = k.map((kj, j) => score(qi, kj) - (keep(i, j) ? 0 : 1e9));
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  });
  const out = w.map((wi) => v[0]!.map((_, d) => wi.reduce((a, wij, j) => a + wij * v[j]![d]!, 0)));
  return { out, w };
}

function rows(t: Tensor, b: number): number[][] {
  const [, n, d] = t.shape as [number, number, number];
  return Array.from({ length: n }, (_, i) => Array.from(t.data.slice(b * n * d + i * d, b * n * d + (i + 1) * d)));
}

const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

test('Attention (dot, useScale): softmax(scale * q k^T) v, value mask and causal mask as Keras', () => {
  const att = new layers.Attention({ ...F64, useScale: true });
  const [q, v, k] = [rand([2, 3, 4]), rand([2, 5, 4]), rand([2, 5, 4])];
  att.apply([q, v, k]);
  const [scale] = randomizeWeights(att);
  const vMask = new Tensor(new Float64Array([1, 1, 0, 1, 0, 1, 1, 1, 1, 1]), [2, 5], 'float64');
  const [out, w] = att.apply([q, v, k], {
    mask: [null, vMask],
    useCausalMask: true,
    returnAttentionScores: true,
  }) as unknown as Tensor[];
  for (let b = 0; b < 2; b++) {
    const ref = refAttention(
      rows(q, b),
      rows(k, b),
      rows(v, b),
      (a, c) => scale!.data[0]! * dot(a, c),
      (i, j) => vMask.data[b * 5 + j] === 1 && j <= i,
    );
    close(Array.from(out!.data.slice(b * 12, b * 12 + 12)), ref.out.flat(), 1e-12, 'attention out');
    close(Array.from(w!.data.slice(b * 15, b * 15 + 15)), ref.w.flat(), 1e-12, 'attention weights');
  }
  layerGradcheck(() => att.apply([q, v, k], { mask: [null, vMask] }), [q, v, k, scale!], 'Attention(dot)');
});

test('Attention (concat) and the query mask: masked query rows are zero, the mask passes on', () => {
  const att = new layers.Attention({ ...F64, scoreMode: 'concat', useScale: true });
  const [q, v] = [rand([1, 3, 2]), rand([1, 4, 2])];
  att.apply([q, v]);
  const [scale, weight] = randomizeWeights(att);
  const qMask = new Tensor(new Float64Array([1, 0, 1]), [1, 3], 'float64');
  const out = att.apply([q, v], { mask: [qMask, null] });
  const ref = refAttention(
    rows(q, 0),
    rows(v, 0),
    rows(v, 0),
    (a, c) => weight!.data[0]! * a.reduce((s, x, i) => s + Math.tanh(scale!.data[0]! * (x + c[i]!)), 0),
    () => true,
  );
  const want = ref.out.map((r, i) => r.map((x) => x * qMask.data[i]!)).flat();
  close(out.data, want, 1e-12, 'concat attention');
  assert.equal(att.computeMask([q, v], [qMask, null]), qMask);
  layerGradcheck(() => att.apply([q, v]), [q, v, scale!, weight!], 'Attention(concat)');
});

test('AdditiveAttention: sum(scale * tanh(q + k)) scores with a per-feature scale', () => {
  const att = new layers.AdditiveAttention(F64);
  const [q, v, k] = [rand([2, 2, 3]), rand([2, 4, 3]), rand([2, 4, 3])];
  att.apply([q, v, k]);
  const [scale] = att.weights;
  assert.deepEqual([...scale!.shape], [3]);
  const out = att.apply([q, v, k]);
  for (let b = 0; b < 2; b++) {
    const ref = refAttention(
      rows(q, b),
      rows(k, b),
      rows(v, b),
      (a, c) => a.reduce((s, x, i) => s + scale!.data[i]! * Math.tanh(x + c[i]!), 0),
      () => true,
    );
    close(Array.from(out.data.slice(b * 6, b * 6 + 6)), ref.out.flat(), 1e-12, 'additive');
  }
  layerGradcheck(() => att.apply([q, v, k]), [q, v, k, scale!], 'AdditiveAttention');
  assert.throws(() => new layers.AdditiveAttention({ scoreMode: 'dot' } as never), /scoreMode/);
});

// ---------------------------------------------------------------- MultiHeadAttention

/**
 * Keras 3's MultiHeadAttention on [B, T, D] inputs, as einsums written out: q = x Wq + bq per head,
 * scores (q / sqrt(kd)) . k, where(mask, s, -1e9), softmax, probs . v, then the output projection.
 */
function refMha(
  mha: layers.MultiHeadAttention,
  query: Tensor,
  value: Tensor,
  key: Tensor,
  keep: (b: number, i: number, j: number) => boolean,
): { out: number[]; probs: number[] } {
  const [B, T, D] = query.shape as [number, number, number];
  const S = value.shape[1]!;
  const [H, KD, VD] = [mha.numHeads, mha.keyDim, mha.valueDim];
  const W = (v: Variable | null, ...idx: number[]): number => {
    if (!v) return 0;
    let off = 0;
    idx.forEach((x, a) => (off = off * v.shape[a]! + x));
    return v.data[off]!;
  };
  const proj = (
    x: Tensor,
    kern: Variable,
    bias: Variable | null,
    b: number,
    t: number,
    h: number,
    e: number,
  ): number => {
    const d = x.shape[2]!;
    let s = W(bias, h, e);
    for (let c = 0; c < d; c++) s += x.data[(b * x.shape[1]! + t) * d + c]! * W(kern, c, h, e);
    return s;
  };
  const outDim = mha.outputKernel!.shape[2]!;
  const out = new Array<number>(B * T * outDim).fill(0);
  const probs: number[] = [];
  for (let b = 0; b < B; b++) {
    const ctx: number[][][] = []; // [h][t][vd]
    for (let h = 0; h < H; h++) {
      ctx.push([]);
      for (let i = 0; i < T; i++) {
        const s: number[] = [];
        for (let j = 0; j < S; j++) {
          let acc = 0;
          for (let e = 0; e < KD; e++)
            acc +=
              (proj(query, mha.queryKernel!, mha.queryBias, b, i, h, e) / Math.sqrt(KD)) *
              proj(key, mha.keyKernel!, mha.keyBias, b, j, h, e);
          s.push(keep(b, i, j) ? acc : -1e9);
        }
        const m = Math.max(...s);
        const ex = s.map((x) => Math.exp(x - m));
        const z = ex.reduce((a, c) => a + c, 0);
        const p = ex.map((x) => x / z);
        probs.push(...p);
        ctx[h]!.push(
          Array.from({ length: VD }, (_, e) =>
            p.reduce((a, pj, j) => a + pj * proj(value, mha.valueKernel!, mha.valueBias, b, j, h, e), 0),
          ),
        );
      }
    }
    for (let i = 0; i < T; i++)
      for (let o = 0; o < outDim; o++) {
        let acc = W(mha.outputBias, o);
        for (let h = 0; h < H; h++) for (let e = 0; e < VD; e++) acc += ctx[h]![i]![e]! * W(mha.outputKernel, h, e, o);
        out[(b * T + i) * outDim + o] = acc;
      }
  }
  void D;
  return { out, probs };
}

test("MultiHeadAttention: Keras's kernel layouts, its equations, and the scores [B, H, T, S]", () => {
  const mha = new layers.MultiHeadAttention({ ...F64, numHeads: 2, keyDim: 3, valueDim: 2 });
  const [q, v, k] = [rand([2, 4, 5]), rand([2, 3, 6]), rand([2, 3, 7])];
  mha.apply(q, { value: v, key: k });
  randomizeWeights(mha);
  assert.deepEqual(
    mha.weights.map((w) => `${w.name.split('/').slice(1).join('/')} [${w.shape.join(',')}]`),
    [
      'query/kernel:0 [5,2,3]',
      'query/bias:0 [2,3]',
      'key/kernel:0 [7,2,3]',
      'key/bias:0 [2,3]',
      'value/kernel:0 [6,2,2]',
      'value/bias:0 [2,2]',
      'attention_output/kernel:0 [2,2,5]',
      'attention_output/bias:0 [5]',
    ],
  );
  const [out, scores] = mha.apply(q, { value: v, key: k, returnAttentionScores: true }) as unknown as Tensor[];
  assert.deepEqual([...out!.shape], [2, 4, 5]);
  assert.deepEqual([...scores!.shape], [2, 2, 4, 3]);
  const ref = refMha(mha, q, v, k, () => true);
  close(out!.data, ref.out, 1e-11, 'mha out');
  close(scores!.data, ref.probs, 1e-11, 'mha scores');
});

test('MultiHeadAttention masks: query & value & key masks, causal mask and attentionMask combined by AND', () => {
  const mha = new layers.MultiHeadAttention({ ...F64, numHeads: 2, keyDim: 2, outputShape: 3 });
  const [q, v, k] = [rand([2, 4, 3]), rand([2, 4, 3]), rand([2, 4, 3])];
  mha.apply(q, { value: v, key: k });
  randomizeWeights(mha);
  const qMask = new Tensor(new Float64Array([1, 1, 1, 0, 1, 1, 1, 1]), [2, 4], 'float64');
  const vMask = new Tensor(new Float64Array([1, 0, 1, 1, 1, 1, 0, 1]), [2, 4], 'float64');
  const kMask = new Tensor(new Float64Array([1, 1, 1, 0, 1, 1, 1, 1]), [2, 4], 'float64');
  const am = new Tensor(
    new Float64Array(32).map((_, i) => (i % 5 === 3 ? 0 : 1)),
    [2, 4, 4],
    'float64',
  );
  const [out, scores] = mha.apply(q, {
    value: v,
    key: k,
    mask: qMask,
    valueMask: vMask,
    keyMask: kMask,
    attentionMask: am,
    useCausalMask: true,
    returnAttentionScores: true,
  }) as unknown as Tensor[];
  const keep = (b: number, i: number, j: number): boolean =>
    qMask.data[b * 4 + i] === 1 &&
    vMask.data[b * 4 + j] === 1 &&
    kMask.data[b * 4 + j] === 1 &&
    j <= i &&
    am.data[b * 16 + i * 4 + j] === 1;
  const ref = refMha(mha, q, v, k, keep);
  close(out!.data, ref.out, 1e-11, 'masked mha out');
  close(scores!.data, ref.probs, 1e-11, 'masked mha scores');
  // A fully masked row (query step 3 of batch 0) is uniform over the keys, as Keras's where(-1e9).
  close(Array.from(scores!.data.slice(12, 16)), [0.25, 0.25, 0.25, 0.25], 1e-12, 'uniform row');
  layerGradcheck(
    () => mha.apply(q, { value: v, key: k, valueMask: vMask, useCausalMask: true }),
    [q, v, k, ...mha.weights],
    'MultiHeadAttention',
  );
});

test('MultiHeadAttention in a graph: the value mask comes from Embedding(maskZero), the output keeps the query mask', () => {
  const ids = Input({ shape: [4] });
  const other = Input({ shape: [3] });
  const emb = new layers.Embedding(10, 6, { maskZero: true });
  const emb2 = new layers.Embedding(10, 6, { maskZero: true });
  const mha = new layers.MultiHeadAttention({ numHeads: 2, keyDim: 3 });
  const qx = emb.apply(ids);
  const vx = emb2.apply(other);
  const y = mha.apply(qx, { value: vx });
  const model = new Model({ inputs: [ids, other], outputs: y });
  const a = new Tensor(new Float32Array([1, 2, 3, 0, 4, 5, 0, 0]), [2, 4]);
  const b = new Tensor(new Float32Array([3, 0, 2, 5, 6, 0]), [2, 3]);
  const got = model.predict([a, b]);
  const eq = emb.apply(a);
  const ev = emb2.apply(b);
  const vMask = new Tensor(new Float32Array([1, 0, 1, 1, 1, 0]), [2, 3]);
  const qMask = new Tensor(new Float32Array([1, 1, 1, 0, 1, 1, 0, 0]), [2, 4]);
  const want = mha.apply(eq, { value: ev, valueMask: vMask, mask: qMask });
  close(got.data, want.data, 1e-6, 'graph masks');
  const unmasked = mha.apply(eq, { value: ev });
  assert.ok(
    Array.from(unmasked.data).some((x, i) => Math.abs(x - want.data[i]!) > 1e-4),
    'the masks change the result',
  );
});

test('MultiHeadAttention refuses what it does not implement, by name', () => {
  assert.throws(() => new layers.MultiHeadAttention({ numHeads: 2, keyDim: 2, useGate: true } as never), /use_gate/);
  assert.throws(() => new layers.MultiHeadAttention({ numHeads: 2, keyDim: 2, keyDims: 3 } as never), /keyDim/);
  assert.throws(() => new layers.MultiHeadAttention({ numHeads: 0, keyDim: 2 }), /numHeads/);
  const x = rand([1, 2, 3, 4], 'float32');
  assert.throws(
    () => new layers.MultiHeadAttention({ numHeads: 1, keyDim: 2, attentionAxes: [2] }).apply(x, { value: x }),
    /attentionAxes \[2\] is not supported yet/,
  );
  // The default over a 2-D grid of steps works, as does naming it.
  const y = new layers.MultiHeadAttention({ numHeads: 1, keyDim: 2, attentionAxes: [1, 2] }).apply(x, { value: x });
  assert.deepEqual([...y.shape], [1, 2, 3, 4]);
  assert.throws(() => new layers.MultiHeadAttention({ numHeads: 1, keyDim: 2 }).apply(x), /needs a value/);
});
