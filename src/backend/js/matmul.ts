import { LEAKY_RELU_SLOPE, type MatmulParams } from '../backend.js';
import { applyEpilogue } from './activation.js';
import type { FloatArray } from '../../core/dtype.js';
import { like } from './like.js';

/** Rows of B kept hot in cache while a block of A's columns is applied. */
const K_BLOCK = 256;

/**
 * Reference GEMM. With B untransposed it runs i-k-j (rows of B and C read contiguously,
 * blocked over k so the B panel stays in cache); with B transposed each output is a
 * contiguous dot product. A transposed A is copied to row-major first.
 */
export function matmul(a: FloatArray, b: FloatArray, out: FloatArray, p: MatmulParams): void {
  const { batch, m, n, k } = p;
  const aT = p.transA ? like(a, m * k) : null;
  for (let bt = 0; bt < batch; bt++) {
    let aOff = bt * p.aBatchStride;
    let aMat: FloatArray = a;
    if (aT) {
      for (let kk = 0; kk < k; kk++) for (let i = 0; i < m; i++) aT[i * k + kk] = a[aOff + kk * m + i]!;
      aMat = aT;
      aOff = 0;
    }
    const bOff = bt * p.bBatchStride;
    const cOff = bt * m * n;
    if (p.transB) gemmNT(aMat, aOff, b, bOff, out, cOff, m, n, k);
    else gemmNN(aMat, aOff, b, bOff, out, cOff, m, n, k);
    applyEpilogue(out, cOff, m, n, p.bias, p.activation ?? 'linear', LEAKY_RELU_SLOPE, p.preActivation);
  }
}

function gemmNN(
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  c: FloatArray,
  cOff: number,
  m: number,
  n: number,
  k: number,
): void {
  c.fill(0, cOff, cOff + m * n);
  for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
    const k1 = Math.min(k, k0 + K_BLOCK);
    for (let i = 0; i < m; i++) {
      const ci = cOff + i * n;
      const ai = aOff + i * k;
      for (let kk = k0; kk < k1; kk++) {
        const av = a[ai + kk]!;
        if (av === 0) continue;
        const bk = bOff + kk * n;
        for (let j = 0; j < n; j++) c[ci + j]! += av * b[bk + j]!;
      }
    }
  }
}

function gemmNT(
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  c: FloatArray,
  cOff: number,
  m: number,
  n: number,
  k: number,
): void {
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * k;
    for (let j = 0; j < n; j++) {
      const bj = bOff + j * k;
      let s = 0;
      for (let kk = 0; kk < k; kk++) s += a[ai + kk]! * b[bj + kk]!;
      c[cOff + i * n + j] = s;
    }
  }
}
