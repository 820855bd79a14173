import type { FloatArray } from '../../core/dtype.js';

/** A zeroed scratch array of n elements of x's float type, for reference kernels' temporaries. */
export function like(x: FloatArray, n: number): FloatArray {
  return new (x.constructor as Float64ArrayConstructor)(n);
}
