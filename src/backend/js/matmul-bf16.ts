import type { MatmulParams } from '../backend.js';
import { fromBfloat16Bits, toBfloat16Bits } from '../../core/dtype.js';

/**
 * Reference bf16 GEMM: op(A) @ op(B) of bfloat16 operands with float32 sums, then the epilogue
 * (bias added in float32, relu), written as float32 or rounded once to bfloat16 (nearest, ties
 * to even). Each product of two bfloat16 values is exact in float32, so the only rounding is the
 * float32 addition, done here in order k = 0, 1, ...: the native kernels add in other orders
 * (pairs, tiles), which the parity tests bound. `p.bias` must be a Float32Array.
 */
export function matmulBf16(a: Uint16Array, b: Uint16Array, out: Float32Array | Uint16Array, p: MatmulParams): void {
  const { batch, m, n, k } = p;
  const bias = p.bias ?? null;
  if (bias !== null && !(bias instanceof Float32Array)) throw new Error('matmulBf16: bias must be a Float32Array.');
  const relu = p.activation === 'relu';
  // Decoded operands, op(A) row-major [m, k] and op(B) column-major [n, k], so each output is a
  // contiguous dot product.
  const av = new Float32Array(m * k);
  const bv = new Float32Array(n * k);
  const row = new Float32Array(n);
  for (let bt = 0; bt < batch; bt++) {
    const aOff = bt * p.aBatchStride;
    const bOff = bt * p.bBatchStride;
    for (let i = 0; i < m; i++)
      for (let kk = 0; kk < k; kk++) av[i * k + kk] = fromBfloat16Bits(a[aOff + (p.transA ? kk * m + i : i * k + kk)]!);
    for (let j = 0; j < n; j++)
      for (let kk = 0; kk < k; kk++) bv[j * k + kk] = fromBfloat16Bits(b[bOff + (p.transB ? j * k + kk : kk * n + j)]!);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let kk = 0; kk < k; kk++) s = Math.fround(s + av[i * k + kk]! * bv[j * k + kk]!);
        if (bias) s = Math.fround(s + bias[j]!);
        if (relu && s < 0) s = 0;
        row[j] = s;
      }
      const o = bt * m * n + i * n;
      if (out instanceof Float32Array) out.set(row, o);
      else for (let j = 0; j < n; j++) out[o + j] = toBfloat16Bits(row[j]!);
    }
  }
}
