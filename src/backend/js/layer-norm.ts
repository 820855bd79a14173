import type { FloatArray } from '../../core/dtype.js';

/** Reference layerNorm (see Backend.layerNorm): two passes per row, sums in double. */
export function layerNorm(
  x: FloatArray,
  gamma: FloatArray | null,
  beta: FloatArray | null,
  rows: number,
  n: number,
  epsilon: number,
  out: FloatArray,
  mean: FloatArray,
  rstd: FloatArray,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += x[o + j]!;
    const m = s / n;
    let v = 0;
    for (let j = 0; j < n; j++) {
      const d = x[o + j]! - m;
      v += d * d;
    }
    const inv = 1 / Math.sqrt(v / n + epsilon);
    mean[r] = m;
    rstd[r] = inv;
    for (let j = 0; j < n; j++) {
      let y = (x[o + j]! - m) * inv;
      if (gamma) y *= gamma[j]!;
      if (beta) y += beta[j]!;
      out[o + j] = y;
    }
  }
}

/** Reference layerNormBackward (see Backend.layerNormBackward), from the saved mean and rstd. */
export function layerNormBackward(
  grad: FloatArray,
  x: FloatArray,
  gamma: FloatArray | null,
  mean: FloatArray,
  rstd: FloatArray,
  rows: number,
  n: number,
  dx: FloatArray,
  dGamma: FloatArray | null,
  dBeta: FloatArray | null,
): void {
  const sg = new Float64Array(n);
  const sb = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    // The saved statistics as stored (rounded to x's dtype), as the native kernel reads them.
    const m = mean[r]!;
    const inv = rstd[r]!;
    let a = 0;
    let b = 0;
    for (let j = 0; j < n; j++) {
      const g = gamma ? grad[o + j]! * gamma[j]! : grad[o + j]!;
      const xhat = (x[o + j]! - m) * inv;
      a += g;
      b += g * xhat;
      sb[j]! += grad[o + j]!;
      sg[j]! += grad[o + j]! * xhat;
    }
    const mg = a / n;
    const mgx = b / n;
    for (let j = 0; j < n; j++) {
      const g = gamma ? grad[o + j]! * gamma[j]! : grad[o + j]!;
      const xhat = (x[o + j]! - m) * inv;
      dx[o + j] = inv * (g - mg - xhat * mgx);
    }
  }
  if (dGamma) for (let j = 0; j < n; j++) dGamma[j] = sg[j]!;
  if (dBeta) for (let j = 0; j < n; j++) dBeta[j] = sb[j]!;
}
