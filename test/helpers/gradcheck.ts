/**
 * Finite-difference gradient checking in float64.
 *
 * For f: inputs -> out and a random cotangent `seed` of out's shape, autograd's vector-Jacobian
 * product `gradients(out, inputs, seed)` must equal the gradient of the scalar
 * phi(inputs) = sum(seed * f(inputs)), estimated here by central differences. A random seed
 * (rather than ones) checks every entry of the Jacobian's rows, so non-scalar outputs and
 * transposed/permuted gradients are tested properly.
 */
import assert from 'node:assert/strict';
import { gradients, noGrad } from '../../src/core/autograd.js';
import type { DType } from '../../src/core/dtype.js';
import { Random } from '../../src/core/random.js';
import { sizeOf } from '../../src/core/shape.js';
import { Tensor } from '../../src/core/tensor.js';

/**
 * How to draw an input's values. Every kind keeps inputs nonzero and away from kinks:
 *  - 'signed':   |v| in [0.2, 1.5] with a random sign (relu/abs/sign kinks at 0 are avoided)
 *  - 'positive': v in [0.5, 2] (log, sqrt, rsqrt, reciprocal, pow bases)
 *  - 'prob':     v in [0.1, 0.9] (probabilities, away from the clip bounds)
 *  - 'grid':     multiples of 1/64 in ±[1/4, 2], exact in float32 (for the float32 astype path)
 *  - 'distinct': a shuffled ladder of values 0.1 apart, so max/min have no near-ties
 */
export type InputKind = 'signed' | 'positive' | 'prob' | 'grid' | 'distinct';

export interface InputSpec {
  shape: readonly number[];
  kind?: InputKind;
}

export function randomValues(rng: Random, n: number, kind: InputKind = 'signed'): Float64Array {
  const out = new Float64Array(n);
  switch (kind) {
    case 'signed':
      for (let i = 0; i < n; i++) out[i] = (rng.uniform() < 0.5 ? -1 : 1) * (0.2 + 1.3 * rng.uniform());
      break;
    case 'positive':
      for (let i = 0; i < n; i++) out[i] = 0.5 + 1.5 * rng.uniform();
      break;
    case 'prob':
      for (let i = 0; i < n; i++) out[i] = 0.1 + 0.8 * rng.uniform();
      break;
    case 'grid':
      for (let i = 0; i < n; i++) out[i] = ((rng.uniform() < 0.5 ? -1 : 1) * (16 + rng.int(113))) / 64;
      break;
    case 'distinct': {
      const perm = rng.permutation(n);
      for (let i = 0; i < n; i++) out[i] = (perm[i]! - n / 2) * 0.1 + 0.03 + 0.02 * rng.uniform();
      break;
    }
  }
  return out;
}

/** A tensor of the given spec and dtype, drawn from rng. */
export function makeInput(rng: Random, spec: InputSpec, dtype: DType = 'float64'): Tensor {
  const v = randomValues(rng, sizeOf(spec.shape), spec.kind);
  const data = dtype === 'float32' ? Float32Array.from(v) : v;
  return new Tensor(data, spec.shape, dtype);
}

export interface GradcheckOptions {
  /** Central-difference step (default 1e-6). */
  eps?: number;
  /** |autograd - numeric| <= atol + rtol * |numeric| (defaults 1e-6 and 1e-5). */
  atol?: number;
  rtol?: number;
  /** Seed of the random cotangent. */
  seed?: number;
  /** Label for failure messages. */
  name?: string;
}

/** sum(seed * t) in plain float64 arithmetic. */
function dot(t: Tensor, seed: Float64Array): number {
  assert.equal(t.size, seed.length, 'output size changed between evaluations');
  let s = 0;
  for (let i = 0; i < seed.length; i++) s += t.data[i]! * seed[i]!;
  return s;
}

/**
 * Compares autograd's VJP with central differences for every entry of every input.
 * `inputs` must be float64; they are copied, marked as requiring gradients and perturbed in place.
 */
export function gradcheck(fn: (xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): void {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const label = opts.name ?? 'gradcheck';
  const xs = inputs.map((x) => {
    assert.equal(x.dtype, 'float64', `${label}: gradcheck inputs must be float64`);
    const t = new Tensor(Float64Array.from(x.data as Float64Array), x.shape, 'float64');
    t.requiresGrad = true;
    return t;
  });
  const out = fn(xs);
  assert.equal(out.dtype, 'float64', `${label}: output must be float64 for a float64 check`);
  const rng = new Random(opts.seed ?? 1234);
  const seedData = new Float64Array(out.size);
  for (let i = 0; i < seedData.length; i++) seedData[i] = rng.normal();
  const seed = new Tensor(seedData, out.shape, 'float64');
  const analytic = gradients(out, xs, seed);

  xs.forEach((x, i) => {
    const g = analytic[i] ?? null;
    if (g) {
      assert.deepEqual([...g.shape], [...x.shape], `${label}: gradient of input ${i} has the wrong shape`);
      assert.equal(g.dtype, 'float64', `${label}: gradient of input ${i} is not float64`);
    }
    const data = x.data as Float64Array;
    for (let j = 0; j < data.length; j++) {
      const orig = data[j]!;
      data[j] = orig + eps;
      const fp = noGrad(() => dot(fn(xs), seedData));
      data[j] = orig - eps;
      const fm = noGrad(() => dot(fn(xs), seedData));
      data[j] = orig;
      const numeric = (fp - fm) / (2 * eps);
      // A null gradient means "does not depend on this input", i.e. zero.
      const a = g ? g.data[j]! : 0;
      const ok = Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric);
      if (!ok) {
        assert.fail(
          `${label}: d/d(input ${i})[${j}] (shape [${x.shape.join(', ')}]): autograd ${a}, finite differences ${numeric}` +
            (g ? '' : ' (autograd returned null)'),
        );
      }
    }
  });
}
