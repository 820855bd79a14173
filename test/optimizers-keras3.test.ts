/**
 * The optimizers beside SGD/Adam/RMSprop and Keras 3's base options, against the update
 * equations of keras/src/optimizers/*.py written out again here in plain JS (one scalar weight
 * per case, numbers worked by hand in the comments where short), and against one another
 * (AdamW = Adam after w -= w*wd*lr). float64 variables, so the only rounding is JS's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../src/core/tensor.js';
import { Variable } from '../src/core/variable.js';
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  Ftrl,
  Lion,
  Nadam,
  RMSprop,
  SGD,
  getOptimizer,
} from '../src/optimizers/index.js';
import type { Optimizer } from '../src/optimizers/index.js';
import { ExponentialDecay } from '../src/optimizers/schedules.js';

const f64 = (xs: number[]): Tensor => new Tensor(Float64Array.from(xs), [xs.length], 'float64');
const variable = (xs: number[], name = 'dense/kernel:0'): Variable => new Variable(f64(xs), name);

/** Steps `opt` on one variable with the given gradients; returns the values after each step. */
function run(opt: Optimizer, init: number[], grads: number[][]): number[][] {
  const v = variable(init);
  return grads.map((g) => {
    opt.applyGradients([v], [f64(g)]);
    return Array.from(v.data);
  });
}

function close(got: number[], want: number[], tol = 1e-12, what = ''): void {
  assert.equal(got.length, want.length);
  got.forEach((x, i) =>
    assert.ok(Math.abs(x - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${what}[${i}]: got ${x}, want ${want[i]}`),
  );
}

const G = [
  [0.5, -2],
  [-0.25, 1.5],
  [1, 0.125],
];
const W0 = [1, -0.5];

/** A per-element reference rule: (w, g, state, t, lr) -> new w. */
type Rule = (w: number, g: number, s: Record<string, number>, t: number) => number;
function reference(rule: Rule, init: number[], grads: number[][], state: () => Record<string, number>): number[][] {
  const w = [...init];
  const states = init.map(state);
  return grads.map((g, k) => {
    w.forEach((wi, i) => (w[i] = rule(wi, g[i]!, states[i]!, k + 1)));
    return [...w];
  });
}

function check(opt: Optimizer, rule: Rule, state: () => Record<string, number> = () => ({})): void {
  const got = run(opt, W0, G);
  const want = reference(rule, W0, G, state);
  got.forEach((row, k) => close(row, want[k]!, 1e-12, `${opt.constructor.name} step ${k + 1}`));
  assert.equal(opt.iterations, G.length);
}

test('Adagrad: acc += g^2, w -= lr g / sqrt(acc + eps); first step worked by hand', () => {
  // w=1, g=0.5, lr=0.1, acc0=0.1: acc=0.35, w = 1 - 0.05/sqrt(0.3500001) = 0.91548...
  const [first] = run(new Adagrad({ learningRate: 0.1 }), [1], [[0.5]]);
  close(first!, [1 - 0.05 / Math.sqrt(0.35 + 1e-7)]);
  assert.ok(Math.abs(first![0]! - 0.915484) < 1e-6);
  check(new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.2, epsilon: 1e-3 }), (w, g, s) => {
    s['a'] = (s['a'] ?? 0.2) + g * g;
    return w - (0.1 * g) / Math.sqrt(s['a'] + 1e-3);
  });
});

test('Adadelta: accumulated gradient and update averages, delta = -rms(accD) g / rms(accG)', () => {
  // w=1, g=0.5, rho=0.95, eps=1e-7, lr=1: accG = 0.05*0.25 = 0.0125;
  // delta = -sqrt(1e-7)*0.5/sqrt(0.0125001) = -0.0014142...; w = 0.998585...
  const [first] = run(new Adadelta({ learningRate: 1 }), [1], [[0.5]]);
  close(first!, [1 - (Math.sqrt(1e-7) * 0.5) / Math.sqrt(0.0125 + 1e-7)]);
  check(new Adadelta({ learningRate: 0.5, rho: 0.9, epsilon: 1e-4 }), (w, g, s) => {
    s['g'] = 0.9 * (s['g'] ?? 0) + 0.1 * g * g;
    const d = (-Math.sqrt((s['d'] ?? 0) + 1e-4) * g) / Math.sqrt(s['g'] + 1e-4);
    s['d'] = 0.9 * (s['d'] ?? 0) + 0.1 * d * d;
    return w + 0.5 * d;
  });
});

test('Adamax: m, infinity-norm u = max(b2 u, |g|), w -= lr m / ((1 - b1^t)(u + eps))', () => {
  // Step 1: m = 0.1 g, u = |g|, w -= lr * 0.1 g / (0.1 (|g| + eps)) ~ lr * sign(g): 1 - 0.01 = 0.99.
  const [first] = run(new Adamax({ learningRate: 0.01 }), [1], [[0.5]]);
  close(first!, [1 - (0.01 * 0.05) / (0.1 * (0.5 + 1e-7))]);
  check(new Adamax({ learningRate: 0.02, beta1: 0.8, beta2: 0.9 }), (w, g, s, t) => {
    s['m'] = (s['m'] ?? 0) + (g - (s['m'] ?? 0)) * 0.2;
    s['u'] = Math.max(0.9 * (s['u'] ?? 0), Math.abs(g));
    return w - (0.02 * s['m']) / ((1 - 0.8 ** t) * (s['u'] + 1e-7));
  });
});

test("Nadam: Keras's momentum schedule u_t = b1 (1 - 0.5 * 0.96^t) and its running product", () => {
  const b1 = 0.9;
  const b2 = 0.999;
  const u = (t: number): number => b1 * (1 - 0.5 * 0.96 ** t);
  check(new Nadam({ learningRate: 0.01 }), (w, g, s, t) => {
    // The product is shared by all elements: recompute it from t rather than keep it in s.
    // Keras holds it in a float32 variable, rounded after each step.
    let prod = 1;
    for (let k = 1; k <= t; k++) prod = Math.fround(prod * u(k));
    s['m'] = (s['m'] ?? 0) + (g - (s['m'] ?? 0)) * (1 - b1);
    s['v'] = (s['v'] ?? 0) + (g * g - (s['v'] ?? 0)) * (1 - b2);
    const mHat = (u(t + 1) * s['m']) / (1 - prod * u(t + 1)) + ((1 - u(t)) * g) / (1 - prod);
    const vHat = s['v'] / (1 - b2 ** t);
    return w - (mHat * 0.01) / (Math.sqrt(vHat) + 1e-7);
  });
  const n = new Nadam();
  run(n, [1], [[1], [1]]);
  close([n.uProduct], [Math.fround(Math.fround(u(1)) * u(2))]);
});

test('Lion: w -= lr sign(b1 m + (1 - b1) g), then m = b2 m + (1 - b2) g', () => {
  // Every step moves each weight by exactly lr: 1 -> 0.99 -> ... with positive gradients.
  close(run(new Lion({ learningRate: 0.01 }), [1], [[0.5], [2], [0.1]]).at(-1)!, [0.97]);
  check(new Lion({ learningRate: 0.05, beta1: 0.5, beta2: 0.7 }), (w, g, s) => {
    const m = s['m'] ?? 0;
    const next = w - 0.05 * Math.sign(0.5 * m + 0.5 * g);
    s['m'] = 0.7 * m + 0.3 * g;
    return next;
  });
  // A gradient against the momentum flips the sign only once b1 m + (1-b1) g changes sign.
  const [, second] = run(new Lion({ learningRate: 1, beta1: 0.9, beta2: 0.99 }), [0], [[1], [-0.05]]);
  // m after step 1 = 0.01; step 2: 0.9*0.01 + 0.1*(-0.05) = 0.004 > 0, so w moves down again.
  close(second!, [-2]);
  assert.throws(() => new Lion({ beta1: 0 }), /Lion: Argument `beta1` must be in the \[0, 1\] range/);
});

test('Ftrl: linear and accumulator, L1 clipping to zero, L2, shrinkage and beta', () => {
  const lr = 0.1;
  const l1 = 0.05;
  const l2 = 0.01;
  const shrink = 0.02;
  const beta = 0.3;
  check(
    new Ftrl({
      learningRate: lr,
      l1RegularizationStrength: l1,
      l2RegularizationStrength: l2,
      l2ShrinkageRegularizationStrength: shrink,
      beta,
    }),
    (w, g, s) => {
      const acc = s['acc'] ?? 0.1;
      const newAcc = acc + g * g;
      s['lin'] = (s['lin'] ?? 0) + (g + 2 * shrink * w) - ((Math.sqrt(newAcc) - Math.sqrt(acc)) / lr) * w;
      const quadratic = Math.sqrt(newAcc) / lr + 2 * (l2 + beta / (2 * lr));
      const clipped = Math.min(Math.max(s['lin'], -l1), l1);
      s['acc'] = newAcc;
      return (clipped - s['lin']) / quadratic;
    },
  );
  // Plain FTRL, one step by hand: w=0, g=0.5, lr 0.1, acc 0.1 -> 0.35; linear = 0.5;
  // w = (0 - 0.5) / (sqrt(0.35)/0.1) = -0.0845154...
  close(run(new Ftrl({ learningRate: 0.1 }), [0], [[0.5]])[0]!, [-0.5 / (Math.sqrt(0.35) / 0.1)]);
  // With l1 above |linear| the weight is exactly zero.
  assert.deepEqual(run(new Ftrl({ learningRate: 0.1, l1RegularizationStrength: 1 }), [0], [[0.5]])[0], [0]);
  assert.throws(() => new Ftrl({ learningRatePower: 0.5 }), /`learningRatePower` needs to be negative or zero/);
  assert.throws(() => new Ftrl({ l1RegularizationStrength: -1 }), /`l1RegularizationStrength` needs to be positive/);
});

function adamRule(lr: number, amsgrad: boolean, wd = 0): Rule {
  return (w, g, s, t) => {
    w = w - w * wd * lr;
    s['m'] = (s['m'] ?? 0) + (g - (s['m'] ?? 0)) * 0.1;
    s['v'] = (s['v'] ?? 0) + (g * g - (s['v'] ?? 0)) * 0.001;
    s['vh'] = Math.max(s['vh'] ?? 0, s['v']);
    const alpha = (lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
    return w - (s['m'] * alpha) / (Math.sqrt(amsgrad ? s['vh'] : s['v']) + 1e-7);
  };
}

test('Adam amsgrad divides by the running maximum of v; AdamW decays w by w*wd*lr first (default wd 0.004)', () => {
  check(new Adam({ learningRate: 0.01, amsgrad: true }), adamRule(0.01, true));
  check(new AdamW({ learningRate: 0.01 }), adamRule(0.01, false, 0.004));
  check(new AdamW({ learningRate: 0.01, weightDecay: 0.1, amsgrad: true }), adamRule(0.01, true, 0.1));
  assert.equal(new AdamW().weightDecay, 0.004);
  assert.throws(() => new AdamW({ weightDecay: null }), /AdamW: Argument `weightDecay` must be a number/);
  // amsgrad's gradients of shrinking size keep the larger velocity: with g = 1 then 0.01 the
  // second step divides by sqrt(vhat) = sqrt(v1), not sqrt(v2).
  const a = run(new Adam({ learningRate: 0.1, amsgrad: true }), [0], [[1], [0.01]]);
  const b = run(new Adam({ learningRate: 0.1 }), [0], [[1], [0.01]]);
  assert.ok(Math.abs(a[1]![0]! - a[0]![0]!) < Math.abs(b[1]![0]! - b[0]![0]!));
});

test('weightDecay on any optimizer: SGD with wd gives w - w*wd*lr - lr*g; excludeFromWeightDecay by name', () => {
  // w=1, g=0.5, lr 0.1, wd 0.5: 1 - 0.05 - 0.05 = 0.9.
  close(run(new SGD({ learningRate: 0.1, weightDecay: 0.5 }), [1], [[0.5]])[0]!, [0.9]);
  const opt = new SGD({ learningRate: 0.1, weightDecay: 0.5 });
  opt.excludeFromWeightDecay({ varNames: ['bias'] });
  const k = variable([1], 'dense/kernel:0');
  const b = variable([1], 'dense/bias:0');
  opt.applyGradients([k, b], [f64([0.5]), f64([0.5])]);
  close([k.data[0]!, b.data[0]!], [0.9, 0.95]);
});

test('clipnorm, clipvalue and globalClipnorm clip as Keras does (by hand)', () => {
  // g = [3, 4] has norm 5; clipnorm 1 -> [0.6, 0.8]; SGD lr 1 from 0 gives -g.
  close(run(new SGD({ learningRate: 1, clipnorm: 1 }), [0, 0], [[3, 4]])[0]!, [-0.6, -0.8]);
  // Below the threshold nothing changes.
  close(run(new SGD({ learningRate: 1, clipnorm: 10 }), [0, 0], [[3, 4]])[0]!, [-3, -4]);
  close(run(new SGD({ learningRate: 1, clipvalue: 0.5 }), [0, 0, 0], [[3, -4, 0.25]])[0]!, [-0.5, 0.5, -0.25]);
  // Global norm over both variables: [3] and [4] -> norm 5; clip 2.5 halves both.
  const opt = new SGD({ learningRate: 1, globalClipnorm: 2.5 });
  const a = variable([0], 'a');
  const b = variable([0], 'b');
  opt.applyGradients([a, b], [f64([3]), f64([4])]);
  close([a.data[0]!, b.data[0]!], [-1.5, -2]);
  // Per-variable clipnorm would treat them separately: [3] -> 2.5, [4] -> 2.5.
  const opt2 = new SGD({ learningRate: 1, clipnorm: 2.5 });
  const c = variable([0], 'c');
  const d = variable([0], 'd');
  opt2.applyGradients([c, d], [f64([3]), f64([4])]);
  close([c.data[0]!, d.data[0]!], [-2.5, -2.5]);
  // A NaN gradient stays visible through global clipping.
  assert.ok(Number.isNaN(run(new SGD({ globalClipnorm: 1 }), [0, 0], [[NaN, 1]])[0]![1]));
  assert.throws(
    () => new Adam({ clipnorm: 1, clipvalue: 1 }),
    /Adam: only one of `clipnorm`, `clipvalue` and `globalClipnorm` can be set/,
  );
  assert.throws(() => new Adam({ clipnorm: -1 }), /Adam: `clipnorm` must be a non-negative number, got -1/);
});

test('useEma: average = m*avg + (1-m)*w (m = 0 at the first step), overwrite every emaOverwriteFrequency steps', () => {
  // SGD lr 1, g = 1 each step, w0 = 0: w = -1, -2, -3.
  // avg: step 1 (m=0) -1; step 2: 0.5*-1 + 0.5*-2 = -1.5; step 3: 0.5*-1.5 + 0.5*-3 = -2.25.
  const opt = new SGD({ learningRate: 1, useEma: true, emaMomentum: 0.5 });
  const v = variable([0]);
  for (let i = 0; i < 3; i++) opt.applyGradients([v], [f64([1])]);
  assert.deepEqual(Array.from(v.data), [-3]);
  assert.deepEqual(Array.from(opt.getAverage(v)), [-2.25]);
  opt.finalizeVariableValues([v]);
  assert.deepEqual(Array.from(v.data), [-2.25]);
  // With frequency 2, after step 2 the weight becomes the average (-1.5), then step 3 goes to -2.5
  // and the average to 0.5*-1.5 + 0.5*-2.5 = -2.
  const o2 = new SGD({ learningRate: 1, useEma: true, emaMomentum: 0.5, emaOverwriteFrequency: 2 });
  const w = variable([0]);
  o2.applyGradients([w], [f64([1])]);
  o2.applyGradients([w], [f64([1])]);
  assert.deepEqual(Array.from(w.data), [-1.5]);
  o2.applyGradients([w], [f64([1])]);
  assert.deepEqual([w.data[0], o2.getAverage(w)[0]], [-2.5, -2]);
  assert.throws(() => new SGD({ useEma: true, emaMomentum: 2 }), /`emaMomentum` must be in the range \[0, 1\]/);
  assert.throws(
    () => new SGD({ useEma: true, emaOverwriteFrequency: 1.5 }),
    /`emaOverwriteFrequency` must be an integer >= 1/,
  );
});

test('a schedule as learningRate is evaluated at iterations before each step; the rate is not settable', () => {
  const schedule = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
  const opt = new SGD({ learningRate: schedule });
  assert.equal(opt.learningRate, 0.1);
  // Steps use 0.1, 0.05, 0.025 with g = 1: w = -0.175.
  close(run(opt, [0], [[1], [1], [1]]).at(-1)!, [-0.175]);
  assert.equal(opt.learningRate, 0.0125);
  assert.equal(opt.learningRateSchedule, schedule);
  assert.throws(() => {
    opt.learningRate = 0.5;
  }, TypeError);
  // A number rate is settable, and can be replaced by a schedule.
  const plain = new Adam();
  plain.learningRate = 0.5;
  assert.equal(plain.learningRate, 0.5);
  plain.learningRate = schedule;
  assert.equal(plain.learningRate, 0.1);
});

test('unknown options are refused by name; Keras spellings point to ours', () => {
  assert.throws(
    () => new Adam({ learningrate: 0.1 } as never),
    /Adam: unknown option `learningrate`; did you mean `learningRate`/,
  );
  assert.throws(() => new Nadam({ beta_1: 0.5 } as never), /Nadam: `beta_1` is Keras's Python spelling; use `beta1`/);
  assert.throws(() => new Lion({ epsilon: 1e-7 } as never), /Lion: unknown option `epsilon`/);
  assert.throws(() => new SGD({ lr: 0.1 } as never), /SGD: `lr` is Keras's Python spelling; use `learningRate`/);
  assert.throws(
    () => new RMSprop({ gradientAccumulationSteps: 2 } as never),
    /RMSprop: Keras's `gradientAccumulationSteps` option is not supported \(gradient accumulation is not implemented\)/,
  );
  assert.throws(() => new Ftrl({ clip_norm: 1 } as never), /Ftrl: unknown option `clip_norm`; did you mean `clipnorm`/);
});

test("getOptimizer knows every Keras 3 identifier, with Keras's defaults", () => {
  const defaults: [string, Record<string, unknown>][] = [
    ['adagrad', { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 }],
    ['adadelta', { learningRate: 0.001, rho: 0.95, epsilon: 1e-7 }],
    ['adamax', { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }],
    ['nadam', { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }],
    ['lion', { learningRate: 0.001, beta1: 0.9, beta2: 0.99 }],
    ['adamw', { learningRate: 0.001, weightDecay: 0.004, amsgrad: false }],
    [
      'ftrl',
      {
        learningRate: 0.001,
        learningRatePower: -0.5,
        initialAccumulatorValue: 0.1,
        l1RegularizationStrength: 0,
        l2RegularizationStrength: 0,
        l2ShrinkageRegularizationStrength: 0,
        beta: 0,
      },
    ],
  ];
  for (const [id, want] of defaults) {
    const opt = getOptimizer(id) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.equal(opt[k], v, `${id}.${k}`);
    assert.equal(opt['clipnorm'], null);
    assert.equal(opt['useEma'], false);
  }
  assert.ok(getOptimizer('AdamW') instanceof AdamW);
});

test('applyGradients: no gradient at all is an error naming the variables; a missing one warns and is skipped', async () => {
  const a = variable([1, 2], 'dense/kernel:0');
  const b = variable([3], 'dense/bias:0');
  const opt = new Adam({ learningRate: 0.1 });
  assert.throws(
    () => opt.applyGradients([a, b], [null, null]),
    /Adam: no gradients provided for any variable \(dense\/kernel:0, dense\/bias:0\)/,
  );
  assert.equal(opt.iterations, 0);
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    opt.applyGradients([a, b], [null, f64([1])]);
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(Array.from(a.data), [1, 2]);
  assert.ok(b.data[0]! < 3);
  assert.equal(opt.iterations, 1);
  assert.deepEqual(warnings, ['Adam: gradients do not exist for variables [dense/kernel:0] when minimizing the loss.']);
  assert.throws(() => opt.applyGradients([a, b], [f64([1, 1])]), /Adam: 1 gradients for 2 variables/);
});
