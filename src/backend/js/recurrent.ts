import type { RecurrentActivation, RecurrentParams } from '../backend.js';
import { recurrentCachePlanes, recurrentGates } from '../backend.js';
import type { FloatArray } from '../../core/dtype.js';
import { matmul } from './matmul.js';
import { like } from './like.js';

/**
 * Reference kernels of the fused recurrent layers (the backend's rnnForward / rnnBackward).
 * Per step: one product h @ U for all gates, then the gate arithmetic; backward runs the steps in
 * reverse and forms d(U) with one product over all steps at the end. Cache planes are
 * [batch, time, units] each, in the order recurrentCachePlanes documents.
 */

function activate(a: RecurrentActivation, x: number): number {
  switch (a) {
    case 'linear':
      return x;
    case 'relu':
      return x < 0 ? 0 : x; // NaN stays NaN
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'tanh':
      return Math.tanh(x);
  }
}

/** Derivative of the activation expressed through its output y. */
function derivative(a: RecurrentActivation, y: number): number {
  switch (a) {
    case 'linear':
      return 1;
    case 'relu':
      return y > 0 ? 1 : 0;
    case 'sigmoid':
      return y * (1 - y);
    case 'tanh':
      return 1 - y * y;
  }
}

/** out [m, n] = op(a) @ op(b) with op(a) [m, k], op(b) [k, n]. */
function gemm(a: FloatArray, b: FloatArray, out: FloatArray, m: number, n: number, k: number, tA = false, tB = false) {
  matmul(a, b, out, { batch: 1, m, n, k, transA: tA, transB: tB, aBatchStride: 0, bBatchStride: 0 });
}

/** Copies columns [c0, c0 + w) of x [rows, cols] into a contiguous [rows, w]. */
function columns(x: FloatArray, rows: number, cols: number, c0: number, w: number): FloatArray {
  const out = like(x, rows * w);
  for (let r = 0; r < rows; r++) for (let j = 0; j < w; j++) out[r * w + j] = x[r * cols + c0 + j]!;
  return out;
}

export function rnnForward(
  projected: FloatArray,
  recurrentKernel: FloatArray,
  recurrentBias: FloatArray | null,
  recurrentMask: FloatArray | null,
  stepMask: FloatArray | null,
  p: RecurrentParams,
  hseq: FloatArray,
  cache: FloatArray,
): void {
  const { cell, batch: B, time: T, units: u } = p;
  const G = recurrentGates(cell);
  const gu = G * u;
  const plane = B * T * u;
  const act = p.activation;
  const ract = p.recurrentActivation;
  const hm = like(projected, B * u); // previous output times the recurrent mask, contiguous
  const rec = like(projected, B * gu); // hm @ U
  // resetAfter=false multiplies h by r before U_h: U is used as its z,r and h column blocks.
  const uzr = cell === 'gruResetBefore' ? columns(recurrentKernel, u, gu, 0, 2 * u) : null;
  const uh = cell === 'gruResetBefore' ? columns(recurrentKernel, u, gu, 2 * u, u) : null;
  const rh = cell === 'gruResetBefore' ? like(projected, B * u) : null;
  const recH = cell === 'gruResetBefore' ? like(projected, B * u) : null;
  const hPrev = (b: number, t: number, j: number): number => (t === 0 ? 0 : hseq[(b * T + t - 1) * u + j]!);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++)
      for (let j = 0; j < u; j++) {
        const v = hPrev(b, t, j) * (recurrentMask ? recurrentMask[b * u + j]! : 1);
        hm[b * u + j] = v;
        cache[(b * T + t) * u + j] = v;
      }
    // The initial state is zero: the first step's product is zero too.
    if (t === 0) rec.fill(0);
    else if (uzr) gemm(hm, uzr, rec, B, 2 * u, u);
    else gemm(hm, recurrentKernel, rec, B, gu, u);
    for (let b = 0; b < B; b++) {
      const xo = (b * T + t) * gu;
      const ro = b * (uzr ? 2 * u : gu);
      for (let j = 0; j < u; j++) {
        const at = (b * T + t) * u + j;
        if (cell === 'simpleRnn') {
          const y = activate(act, projected[xo + j]! + rec[ro + j]!);
          cache[plane + at] = y;
          hseq[at] = y;
        } else if (cell === 'lstm') {
          const i = activate(ract, projected[xo + j]! + rec[ro + j]!);
          const f = activate(ract, projected[xo + u + j]! + rec[ro + u + j]!);
          const g = activate(act, projected[xo + 2 * u + j]! + rec[ro + 2 * u + j]!);
          const o = activate(ract, projected[xo + 3 * u + j]! + rec[ro + 3 * u + j]!);
          const cPrev = t === 0 ? 0 : cache[5 * plane + at - u]!;
          const c = f * cPrev + i * g;
          const ac = activate(act, c);
          cache[plane + at] = i;
          cache[2 * plane + at] = f;
          cache[3 * plane + at] = g;
          cache[4 * plane + at] = o;
          cache[5 * plane + at] = c;
          cache[6 * plane + at] = ac;
          hseq[at] = o * ac;
        } else {
          const bz = recurrentBias ? recurrentBias[j]! : 0;
          const br = recurrentBias ? recurrentBias[u + j]! : 0;
          const z = activate(ract, projected[xo + j]! + rec[ro + j]! + bz);
          const r = activate(ract, projected[xo + u + j]! + rec[ro + u + j]! + br);
          cache[plane + at] = hPrev(b, t, j);
          cache[2 * plane + at] = z;
          cache[3 * plane + at] = r;
          if (cell === 'gru') {
            const ih = rec[ro + 2 * u + j]! + (recurrentBias ? recurrentBias[2 * u + j]! : 0);
            const hh = activate(act, projected[xo + 2 * u + j]! + r * ih);
            cache[4 * plane + at] = hh;
            cache[5 * plane + at] = ih;
            hseq[at] = z * hPrev(b, t, j) + (1 - z) * hh;
          } else {
            rh![b * u + j] = r * hm[b * u + j]!;
          }
        }
      }
    }
    if (cell === 'gruResetBefore') {
      if (t === 0) recH!.fill(0);
      else gemm(rh!, uh!, recH!, B, u, u);
      for (let b = 0; b < B; b++)
        for (let j = 0; j < u; j++) {
          const at = (b * T + t) * u + j;
          const z = cache[2 * plane + at]!;
          const hh = activate(act, projected[(b * T + t) * gu + 2 * u + j]! + recH![b * u + j]!);
          cache[4 * plane + at] = hh;
          hseq[at] = z * hPrev(b, t, j) + (1 - z) * hh;
        }
    }
    // Masked steps (Keras): the states carry over and the output repeats the previous one.
    if (stepMask)
      for (let b = 0; b < B; b++) {
        if (stepMask[b * T + t]) continue;
        for (let j = 0; j < u; j++) {
          const at = (b * T + t) * u + j;
          hseq[at] = hPrev(b, t, j);
          if (cell === 'lstm') cache[5 * plane + at] = t === 0 ? 0 : cache[5 * plane + at - u]!;
        }
      }
  }
}

export function rnnBackward(
  recurrentKernel: FloatArray,
  recurrentMask: FloatArray | null,
  stepMask: FloatArray | null,
  cache: FloatArray,
  dHseq: FloatArray | null,
  dhLast: FloatArray | null,
  dcLast: FloatArray | null,
  p: RecurrentParams,
  dProjected: FloatArray,
  dRecurrentKernel: FloatArray,
  dRecurrentBias: FloatArray | null,
): void {
  const { cell, batch: B, time: T, units: u } = p;
  const G = recurrentGates(cell);
  const gu = G * u;
  const plane = B * T * u;
  if (cache.length < recurrentCachePlanes(cell) * plane) throw new Error('rnnBackward: cache is too short.');
  const act = p.activation;
  const ract = p.recurrentActivation;
  const dh = like(cache, B * u); // d(loss)/d(h) flowing into step t from later steps
  const dc = like(cache, B * u);
  if (dhLast) dh.set(dhLast.subarray(0, B * u));
  if (dcLast) dc.set(dcLast.subarray(0, B * u));
  const dRec = like(cache, B * gu); // this step's gradient w.r.t. the recurrent product, contiguous
  // Gradients w.r.t. the recurrent product at every step, [batch, time, gates * units], for d(U).
  const dRecAll = cell === 'gru' ? like(cache, B * T * gu) : dProjected;
  const dhm = like(cache, B * u);
  const uzr = cell === 'gruResetBefore' ? columns(recurrentKernel, u, gu, 0, 2 * u) : null;
  const uh = cell === 'gruResetBefore' ? columns(recurrentKernel, u, gu, 2 * u, u) : null;
  const dRh = cell === 'gruResetBefore' ? like(cache, B * u) : null;
  const dhh = cell === 'gruResetBefore' ? like(cache, B * u) : null;
  const masked = (b: number, t: number): boolean => stepMask !== null && !stepMask[b * T + t];
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const xo = (b * T + t) * gu;
      if (masked(b, t)) {
        // A masked step passed h (and c) through unchanged: their gradients pass straight back,
        // and nothing reaches this step's input or the weights.
        for (let j = 0; j < u; j++) if (dHseq) dh[b * u + j]! += dHseq[(b * T + t) * u + j]!;
        dProjected.fill(0, xo, xo + gu);
        const w = uzr ? 2 * u : gu; // dRec rows are 2u wide when U_h is applied separately
        dRec.fill(0, b * w, (b + 1) * w);
        if (cell === 'gru') dRecAll.fill(0, xo, xo + gu);
        if (cell === 'gruResetBefore') dhh!.fill(0, b * u, (b + 1) * u);
        continue;
      }
      for (let j = 0; j < u; j++) {
        const at = (b * T + t) * u + j;
        const k = b * u + j;
        const dht = dh[k]! + (dHseq ? dHseq[at]! : 0);
        if (cell === 'simpleRnn') {
          const dz = dht * derivative(act, cache[plane + at]!);
          dProjected[xo + j] = dz;
          dRec[b * gu + j] = dz;
        } else if (cell === 'lstm') {
          const i = cache[plane + at]!;
          const f = cache[2 * plane + at]!;
          const g = cache[3 * plane + at]!;
          const o = cache[4 * plane + at]!;
          const ac = cache[6 * plane + at]!;
          const cPrev = t === 0 ? 0 : cache[5 * plane + at - u]!;
          const dct = dc[k]! + dht * o * derivative(act, ac);
          const dzi = dct * g * derivative(ract, i);
          const dzf = dct * cPrev * derivative(ract, f);
          const dzc = dct * i * derivative(act, g);
          const dzo = dht * ac * derivative(ract, o);
          dc[k] = dct * f;
          dProjected[xo + j] = dzi;
          dProjected[xo + u + j] = dzf;
          dProjected[xo + 2 * u + j] = dzc;
          dProjected[xo + 3 * u + j] = dzo;
          dRec[b * gu + j] = dzi;
          dRec[b * gu + u + j] = dzf;
          dRec[b * gu + 2 * u + j] = dzc;
          dRec[b * gu + 3 * u + j] = dzo;
        } else {
          const hPrev = cache[plane + at]!;
          const z = cache[2 * plane + at]!;
          const hh = cache[4 * plane + at]!;
          const dz = dht * (hPrev - hh) * derivative(ract, z);
          const dhhPre = dht * (1 - z) * derivative(act, hh);
          dProjected[xo + j] = dz;
          dProjected[xo + 2 * u + j] = dhhPre;
          // The direct path h' = z * h + ...; the recurrent-product path is added below.
          dh[k] = dht * z;
          if (cell === 'gru') {
            const r = cache[3 * plane + at]!;
            const ih = cache[5 * plane + at]!;
            const dr = dhhPre * ih * derivative(ract, r);
            dProjected[xo + u + j] = dr;
            dRec[b * gu + j] = dz;
            dRec[b * gu + u + j] = dr;
            dRec[b * gu + 2 * u + j] = dhhPre * r;
            dRecAll[xo + j] = dz;
            dRecAll[xo + u + j] = dr;
            dRecAll[xo + 2 * u + j] = dhhPre * r;
          } else {
            dhh![k] = dhhPre;
          }
        }
      }
    }
    if (cell === 'gruResetBefore') {
      // h U_h saw r * hm: d(r * hm) = dhh U_h^T, split into d(r) and d(hm).
      gemm(dhh!, uh!, dRh!, B, u, u, false, true);
      for (let b = 0; b < B; b++)
        for (let j = 0; j < u; j++) {
          if (masked(b, t)) continue;
          const at = (b * T + t) * u + j;
          const k = b * u + j;
          const r = cache[3 * plane + at]!;
          const dr = dRh![k]! * cache[at]! * derivative(ract, r);
          dProjected[(b * T + t) * gu + u + j] = dr;
          dRec[b * 2 * u + j] = dProjected[(b * T + t) * gu + j]!;
          dRec[b * 2 * u + u + j] = dr;
          dRh![k] = dRh![k]! * r;
        }
    }
    // The initial state is a constant: nothing flows out of the first step.
    if (t === 0) break;
    if (uzr) gemm(dRec, uzr, dhm, B, u, 2 * u, false, true);
    else gemm(dRec, recurrentKernel, dhm, B, u, gu, false, true);
    for (let k = 0; k < B * u; k++) {
      if (masked(Math.floor(k / u), t)) continue; // dh already holds the passed-through gradient
      const m = recurrentMask ? recurrentMask[k]! : 1;
      const extra = dRh ? dRh[k]! : 0;
      const through = (dhm[k]! + extra) * m;
      if (cell === 'simpleRnn' || cell === 'lstm') dh[k] = through;
      else dh[k] = dh[k]! + through;
    }
  }
  // d(U) = sum over steps of hm^T @ d(recurrent product): one product over all (batch, step) rows.
  const rows = B * T;
  if (cell === 'gruResetBefore') {
    const full = like(cache, u * gu);
    gemm(cache, dProjected, full, u, gu, rows, true, false);
    const rh = like(cache, plane);
    for (let i = 0; i < plane; i++) rh[i] = cache[3 * plane + i]! * cache[i]!;
    const dH = columns(dProjected, rows, gu, 2 * u, u);
    const part = like(cache, u * u);
    gemm(rh, dH, part, u, u, rows, true, false);
    for (let r = 0; r < u; r++) {
      for (let j = 0; j < 2 * u; j++) dRecurrentKernel[r * gu + j] = full[r * gu + j]!;
      for (let j = 0; j < u; j++) dRecurrentKernel[r * gu + 2 * u + j] = part[r * u + j]!;
    }
  } else {
    gemm(cache, dRecAll, dRecurrentKernel, u, gu, rows, true, false);
  }
  if (dRecurrentBias) {
    dRecurrentBias.fill(0);
    for (let r = 0; r < rows; r++) for (let j = 0; j < gu; j++) dRecurrentBias[j]! += dRecAll[r * gu + j]!;
  }
}
