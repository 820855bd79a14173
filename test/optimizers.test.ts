/**
 * Optimizers against Keras 3's update formulas, written out by hand in plain JS.
 * RMSprop follows keras/src/optimizers/rmsprop.py (velocity = rho*v + (1-rho)*g^2; centered
 * subtracts the squared average gradient; increment = lr*g / sqrt(denominator + eps); momentum
 * accumulates increments), which src/backend/js/optimizers.ts matches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { Variable } from '../src/core/variable.js';
import { Adam, RMSprop, SGD, getOptimizer } from '../src/optimizers/index.js';
import type { Optimizer } from '../src/optimizers/index.js';
import type { DType } from '../src/core/dtype.js';

type Rule = (p: number[], g: number[], state: Record<string, number[]>, t: number) => void;

function randomArray(rng: Random, n: number): number[] {
  return Array.from({ length: n }, () => rng.normal());
}

/** Runs `steps` updates through the optimizer and through the hand-written rule; compares every step. */
function compare(opt: Optimizer, rule: Rule, dtype: DType, tol: number): void {
  const rng = new Random(11);
  const shapes = [[3, 2], [4]];
  const init = shapes.map((s) =>
    randomArray(
      rng,
      s.reduce((a, b) => a * b, 1),
    ),
  );
  const vars = shapes.map(
    (s, i) =>
      new Variable(
        new Tensor(dtype === 'float64' ? Float64Array.from(init[i]!) : Float32Array.from(init[i]!), s, dtype),
        `v${i}`,
      ),
  );
  const ref = init.map((a) => (dtype === 'float32' ? a.map(Math.fround) : [...a]));
  const states = shapes.map(() => ({}) as Record<string, number[]>);
  for (let t = 1; t <= 3; t++) {
    const grads = shapes.map((s) =>
      randomArray(
        rng,
        s.reduce((a, b) => a * b, 1),
      ).map(dtype === 'float32' ? Math.fround : (x: number) => x),
    );
    opt.applyGradients(
      vars,
      grads.map(
        (g, i) => new Tensor(dtype === 'float64' ? Float64Array.from(g) : Float32Array.from(g), shapes[i]!, dtype),
      ),
    );
    grads.forEach((g, i) => rule(ref[i]!, g, states[i]!, t));
    vars.forEach((v, i) => {
      ref[i]!.forEach((want, j) => {
        const got = v.data[j]!;
        assert.ok(Math.abs(got - want) <= tol * (1 + Math.abs(want)), `step ${t}, var ${i}[${j}]: ${got} vs ${want}`);
      });
    });
  }
  assert.equal(opt.iterations, 3);
}

const zerosLike = (a: number[]): number[] => a.map(() => 0);

function adamRule(lr: number, b1: number, b2: number, eps: number): Rule {
  return (p, g, s, t) => {
    s['m'] ??= zerosLike(p);
    s['v'] ??= zerosLike(p);
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < p.length; i++) {
      s['m'][i] = b1 * s['m'][i]! + (1 - b1) * g[i]!;
      s['v'][i] = b2 * s['v'][i]! + (1 - b2) * g[i]! ** 2;
      p[i]! -= (alpha * s['m'][i]!) / (Math.sqrt(s['v'][i]!) + eps);
    }
  };
}

function sgdRule(lr: number, mom: number, nesterov: boolean): Rule {
  return (p, g, s) => {
    s['vel'] ??= zerosLike(p);
    for (let i = 0; i < p.length; i++) {
      if (mom === 0) {
        p[i]! -= lr * g[i]!;
        continue;
      }
      const vel = mom * s['vel'][i]! - lr * g[i]!;
      s['vel'][i] = vel;
      p[i]! += nesterov ? mom * vel - lr * g[i]! : vel;
    }
  };
}

function rmspropRule(lr: number, rho: number, mom: number, eps: number, centered: boolean): Rule {
  return (p, g, s) => {
    s['v'] ??= zerosLike(p);
    s['mg'] ??= zerosLike(p);
    s['mom'] ??= zerosLike(p);
    for (let i = 0; i < p.length; i++) {
      s['v'][i] = rho * s['v'][i]! + (1 - rho) * g[i]! ** 2;
      let denom = s['v'][i]! + eps;
      if (centered) {
        s['mg'][i] = rho * s['mg'][i]! + (1 - rho) * g[i]!;
        denom = s['v'][i]! - s['mg'][i]! ** 2 + eps;
      }
      const inc = (lr * g[i]!) / Math.sqrt(denom);
      if (mom > 0) {
        s['mom'][i] = mom * s['mom'][i]! + inc;
        p[i]! -= s['mom'][i]!;
      } else {
        p[i]! -= inc;
      }
    }
  };
}

for (const dtype of ['float64', 'float32'] as const) {
  const tol = dtype === 'float64' ? 1e-12 : 2e-6;
  test(`Adam follows Keras's update (${dtype})`, () => {
    compare(new Adam({ learningRate: 0.01 }), adamRule(0.01, 0.9, 0.999, 1e-7), dtype, tol);
    compare(
      new Adam({ learningRate: 0.1, beta1: 0.5, beta2: 0.9, epsilon: 1e-3 }),
      adamRule(0.1, 0.5, 0.9, 1e-3),
      dtype,
      tol,
    );
  });
  test(`SGD plain, momentum and Nesterov follow Keras's update (${dtype})`, () => {
    compare(new SGD({ learningRate: 0.1 }), sgdRule(0.1, 0, false), dtype, tol);
    compare(new SGD({ learningRate: 0.1, momentum: 0.9 }), sgdRule(0.1, 0.9, false), dtype, tol);
    compare(new SGD({ learningRate: 0.05, momentum: 0.8, nesterov: true }), sgdRule(0.05, 0.8, true), dtype, tol);
  });
  test(`RMSprop plain, momentum, centered follow Keras 3's rmsprop.py (${dtype})`, () => {
    compare(new RMSprop({ learningRate: 0.01 }), rmspropRule(0.01, 0.9, 0, 1e-7, false), dtype, tol);
    compare(new RMSprop({ learningRate: 0.01, momentum: 0.5 }), rmspropRule(0.01, 0.9, 0.5, 1e-7, false), dtype, tol);
    compare(new RMSprop({ learningRate: 0.01, centered: true }), rmspropRule(0.01, 0.9, 0, 1e-7, true), dtype, tol);
    compare(
      new RMSprop({ learningRate: 0.02, rho: 0.8, momentum: 0.7, epsilon: 1e-4, centered: true }),
      rmspropRule(0.02, 0.8, 0.7, 1e-4, true),
      dtype,
      tol,
    );
  });
}

test("RMSprop reproduces Keras's docstring example (var 10, loss var^2/2, lr 0.1 -> 9.683772)", () => {
  const v = new Variable(new Tensor(Float32Array.from([10]), [], 'float32'), 'var1');
  new RMSprop({ learningRate: 0.1 }).applyGradients([v], [new Tensor(Float32Array.from([10]), [], 'float32')]);
  assert.ok(Math.abs(v.data[0]! - 9.683772) < 1e-5, String(v.data[0]));
});

test('a null gradient leaves its variable (and its slots) alone', () => {
  const a = new Variable(new Tensor(Float64Array.from([1, 2]), [2], 'float64'), 'a');
  const b = new Variable(new Tensor(Float64Array.from([3]), [1], 'float64'), 'b');
  const opt = new Adam({ learningRate: 0.1 });
  opt.applyGradients([a, b], [null, new Tensor(Float64Array.from([1]), [1], 'float64')]);
  assert.deepEqual(Array.from(a.data), [1, 2]);
  assert.ok(b.data[0]! < 3);
});

test('bad optimizer arguments give clear errors', () => {
  assert.throws(() => new Adam({ learningRate: 0 }), /Adam: learning rate must be positive, got 0/);
  assert.throws(() => new SGD({ learningRate: -1 }), /SGD: learning rate must be positive, got -1/);
  assert.throws(() => new RMSprop({ learningRate: NaN }), /RMSprop: learning rate must be positive, got NaN/);
  assert.throws(() => new SGD({ momentum: 1.5 }), /SGD: momentum must be in \[0, 1\], got 1.5/);
  assert.throws(() => new SGD({ momentum: -0.1 }), /momentum must be in \[0, 1\]/);
  assert.throws(() => getOptimizer('adagradx'), /Unknown optimizer 'adagradx'/);
  const v = new Variable(new Tensor(Float32Array.from([1, 2]), [2], 'float32'), 'dense/kernel:0');
  assert.throws(
    () => new SGD().applyGradients([v], [new Tensor(Float32Array.from([1, 2, 3]), [3], 'float32')]),
    /gradient \[3\] does not match variable dense\/kernel:0 \[2\]/,
  );
});

test("getOptimizer resolves Keras's identifiers with Keras's defaults", () => {
  const adam = getOptimizer('adam') as Adam;
  assert.ok(adam instanceof Adam);
  assert.deepEqual([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon], [0.001, 0.9, 0.999, 1e-7]);
  assert.equal((getOptimizer('SGD') as SGD).learningRate, 0.01);
  const rms = getOptimizer('rmsprop') as RMSprop;
  assert.deepEqual([rms.learningRate, rms.rho, rms.momentum, rms.epsilon, rms.centered], [0.001, 0.9, 0, 1e-7, false]);
});
