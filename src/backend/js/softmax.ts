import type { FloatArray } from '../../core/dtype.js';

export function softmax(x: FloatArray, rows: number, n: number, log: boolean, out: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (x[o + j]! > max) max = x[o + j]!;
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(x[o + j]! - max);
    if (log) {
      const lse = max + Math.log(sum);
      for (let j = 0; j < n; j++) out[o + j] = x[o + j]! - lse;
    } else {
      for (let j = 0; j < n; j++) out[o + j] = Math.exp(x[o + j]! - max) / sum;
    }
  }
}

export function softmaxCrossEntropy(
  logits: FloatArray,
  labels: FloatArray,
  rows: number,
  n: number,
  loss: FloatArray,
  probs: FloatArray,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (logits[o + j]! > max) max = logits[o + j]!;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(logits[o + j]! - max);
      probs[o + j] = e;
      sum += e;
    }
    const lse = max + Math.log(sum);
    let l = 0;
    for (let j = 0; j < n; j++) {
      probs[o + j]! /= sum;
      const y = labels[o + j]!;
      if (y !== 0) l -= y * (logits[o + j]! - lse);
    }
    loss[r] = l;
  }
}
