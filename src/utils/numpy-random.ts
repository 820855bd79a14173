/**
 * NumPy's legacy `RandomState` (MT19937), bit-for-bit, as far as the dataset loaders need it:
 * Keras shuffles its datasets with `np.random.RandomState(seed).shuffle(...)`, and reproducing
 * that stream is the only way to get Keras's exact train/test split from the same raw data.
 * This is not deepscript's general random source (see core/random.ts).
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    this.seed(seed);
  }

  /** `np.random.seed(int)`: the reference MT19937 `init_genrand`, which legacy NumPy uses for scalar seeds. */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`NumpyRandomState: seed must be an integer between 0 and 2**32 - 1, got ${seed}.`);
    }
    const mt = this.mt;
    mt[0] = seed;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
    }
    this.index = 624;
  }

  /** The next raw 32-bit output of MT19937. */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % 624]! & 0x7fffffff);
      let next = mt[(i + 397) % 624]! ^ (y >>> 1);
      if (y & 1) next ^= 0x9908b0df;
      mt[i] = next >>> 0;
    }
    this.index = 0;
  }

  /**
   * A uniform integer in [0, max], as NumPy's `random_interval`: mask to the smallest covering
   * power of two and reject values above `max` (no modulo bias, and the exact draws NumPy makes).
   */
  interval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new Error(`NumpyRandomState.interval: max must be an integer in [0, 2**32 - 1], got ${max}.`);
    }
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /** In-place `RandomState.shuffle` of a 1-D sequence: Fisher-Yates from the last element down. */
  shuffle<T>(items: { length: number; [index: number]: T }): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
  }

  /** `RandomState.permutation(n)`: a shuffled 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }
}
