import type { FloatArray } from '../../core/dtype.js';
import type { DropoutParams } from '../backend.js';

/**
 * Counter-based mask bits: entry i of a mask is a hash of (i, seed0, seed1), two rounds of
 * Chris Wellons' "lowbias32" integer mixer. Each entry is independent of the others, so a
 * kernel can compute any slice in any order (threads, backward pass) and get the same mask;
 * native/dropout.cc computes the same function in uint32 arithmetic.
 */
export function dropoutBits(seed0: number, seed1: number, i: number): number {
  return mix32((mix32((i ^ seed0) >>> 0) ^ seed1) >>> 0);
}

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** Entries with bits below this are dropped: a fraction `rate` of the 2^32 values. */
export function dropoutThreshold(rate: number): number {
  return Math.floor(rate * 4294967296);
}

export function dropout(x: FloatArray, p: DropoutParams, out: FloatArray): void {
  const threshold = dropoutThreshold(p.rate);
  const scale = 1 / (1 - p.rate);
  // A float32 product of two float32 values, done in double and rounded once, is what C++ computes in float.
  const keep = out instanceof Float32Array ? Math.fround(scale) : scale;
  const s0 = p.seed0 >>> 0;
  const s1 = p.seed1 >>> 0;
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * (dropoutBits(s0, s1, i) >= threshold ? keep : 0);
}
