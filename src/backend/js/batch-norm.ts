import type { FloatArray } from '../../core/dtype.js';
import type { ReluAfterAffine } from '../backend.js';

/** Rounds an intermediate to the storage precision of `a`, as the native kernels compute in it. */
function rounder(a: FloatArray): (v: number) => number {
  return a instanceof Float32Array ? Math.fround : (v) => v;
}

/**
 * Per-channel mean and biased variance of x [rows, channels], summed in float64 about x's first
 * row (a shift near the mean, so the variance does not cancel). No rows: NaN.
 */
export function batchNormStats(
  x: FloatArray,
  rows: number,
  channels: number,
  mean: FloatArray,
  variance: FloatArray,
): void {
  for (let j = 0; j < channels; j++) {
    if (rows === 0) {
      mean[j] = variance[j] = NaN;
      continue;
    }
    const shift = x[j]!;
    let s1 = 0;
    let s2 = 0;
    for (let i = j; i < rows * channels; i += channels) {
      const d = x[i]! - shift;
      s1 += d;
      s2 += d * d;
    }
    const m1 = s1 / rows;
    mean[j] = shift + m1;
    const v = s2 / rows - m1 * m1;
    variance[j] = v < 0 ? 0 : v; // rounding can leave a tiny negative; NaN stays NaN
  }
}

/** out[r, c] = x[r, c] * scale[c] + shift[c], the product rounded before the add; then relu if asked. */
export function channelAffine(
  x: FloatArray,
  rows: number,
  channels: number,
  scale: FloatArray,
  shift: FloatArray,
  relu: boolean,
  out: FloatArray,
): void {
  const r = rounder(out);
  for (let i = 0, n = rows * channels; i < n; i++) {
    const j = i % channels;
    const v = r(r(x[i]! * scale[j]!) + shift[j]!);
    out[i] = relu && v < 0 ? 0 : v; // NaN stays NaN
  }
}

/**
 * dy, or dy times the gradient of a relu that followed `channelAffine(x, relu.scale, relu.shift)`
 * (1 where that affine output was > 0, recomputed from x as the forward pass rounded it).
 */
function reluMasked(dy: FloatArray, x: FloatArray, channels: number, relu: ReluAfterAffine | null): FloatArray {
  if (relu === null) return dy;
  const r = rounder(dy);
  const g = dy instanceof Float32Array ? new Float32Array(dy.length) : new Float64Array(dy.length);
  for (let i = 0; i < dy.length && i < x.length; i++) {
    const j = i % channels;
    g[i] = dy[i]! * (r(r(x[i]! * relu.scale[j]!) + relu.shift[j]!) > 0 ? 1 : 0);
  }
  return g;
}

/** sumDy[c] = sum_r dy[r, c] and sumDyXc[c] = sum_r dy[r, c] * (x[r, c] - center[c]), in float64. */
export function batchNormGradSums(
  dy: FloatArray,
  x: FloatArray,
  center: FloatArray,
  rows: number,
  channels: number,
  sumDy: FloatArray,
  sumDyXc: FloatArray,
  relu: ReluAfterAffine | null,
): void {
  dy = reluMasked(dy, x, channels, relu);
  for (let j = 0; j < channels; j++) {
    let s1 = 0;
    let s2 = 0;
    const cj = center[j]!;
    for (let i = j; i < rows * channels; i += channels) {
      s1 += dy[i]!;
      s2 += dy[i]! * (x[i]! - cj);
    }
    sumDy[j] = s1;
    sumDyXc[j] = s2;
  }
}

/** out[r, c] = a[c] * dy[r, c] + b[c] * x[r, c] + d[c], each step rounded to the storage precision. */
export function batchNormInputGrad(
  dy: FloatArray,
  x: FloatArray,
  rows: number,
  channels: number,
  a: FloatArray,
  b: FloatArray,
  d: FloatArray,
  out: FloatArray,
  relu: ReluAfterAffine | null,
): void {
  dy = reluMasked(dy, x, channels, relu);
  const r = rounder(out);
  for (let i = 0, n = rows * channels; i < n; i++) {
    const j = i % channels;
    out[i] = r(r(a[j]! * dy[i]!) + r(b[j]! * x[i]!)) + d[j]!;
  }
}
