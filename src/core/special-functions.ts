/** Special functions on plain numbers, shared by the reference kernels and the ops. */

export const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * erf for one number: 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)), a series of
 * positive terms (no cancellation; about 1e-16 relative error); ±1 beyond |x| = 6, where
 * 1 - erf(x) < 3e-17.
 */
export function erfScalar(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  const x2 = a * a;
  let term = a;
  let total = a;
  for (let n = 0; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 3);
    total += term;
    if (term < total * 1e-17) break;
  }
  return Math.sign(x) * TWO_OVER_SQRT_PI * Math.exp(-x2) * total;
}
