/**
 * Time of one optimizer step on the lecture MLP's weights (784x512 + 512 + 512x10 + 10 =
 * 407,050 float32 values): the fused kernels (Adam, SGD, RMSprop) against the optimizers
 * written as TypeScript loops. Rounds alternate between optimizers in one process, so machine
 * load hits them alike; the median round is printed.
 *
 *     npm run build --silent && node dist/bench/optimizer-step.js [--rounds 7] [--steps 50]
 */
import { Tensor } from '../src/core/tensor.js';
import { Variable } from '../src/core/variable.js';
import { selectDefaultBackend } from '../src/backend/select-backend.js';
import { getBackend } from '../src/backend/registry.js';
import { Adadelta, Adagrad, Adam, Adamax, AdamW, Ftrl, Lion, Nadam, RMSprop, SGD } from '../src/optimizers/index.js';
import type { Optimizer } from '../src/optimizers/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

selectDefaultBackend();
const rounds = arg('rounds', 7);
const steps = arg('steps', 50);
const shapes = [[784, 512], [512], [512, 10], [10]];
const make = (): Variable[] =>
  shapes.map(
    (s, i) =>
      new Variable(
        new Tensor(
          new Float32Array(s.reduce((a, b) => a * b, 1)).map((_, j) => Math.sin(j + i)),
          s,
        ),
        `w${i}`,
      ),
  );
const grads = make().map(
  (v) =>
    new Tensor(
      new Float32Array(v.size).map((_, j) => Math.cos(j) * 1e-2),
      v.shape,
    ),
);

const cases: [string, () => Optimizer][] = [
  ['Adam (fused kernel)', () => new Adam()],
  ['SGD momentum (fused kernel)', () => new SGD({ momentum: 0.9 })],
  ['RMSprop (fused kernel)', () => new RMSprop()],
  ['Adam amsgrad (TS)', () => new Adam({ amsgrad: true })],
  ['AdamW (fused Adam + TS decay)', () => new AdamW()],
  ['Adagrad (TS)', () => new Adagrad()],
  ['Adadelta (TS)', () => new Adadelta()],
  ['Adamax (TS)', () => new Adamax()],
  ['Nadam (TS)', () => new Nadam()],
  ['Lion (TS)', () => new Lion()],
  ['Ftrl (TS)', () => new Ftrl()],
  ['Adam + globalClipnorm + EMA (fused + TS)', () => new Adam({ globalClipnorm: 1, useEma: true })],
];
const state = cases.map(([, f]) => ({ opt: f(), vars: make(), times: [] as number[], cpu: [] as number[] }));
for (const s of state) s.opt.applyGradients(s.vars, grads); // warm-up, creates the slots
for (let r = 0; r < rounds; r++) {
  for (const s of state) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let k = 0; k < steps; k++) s.opt.applyGradients(s.vars, grads);
    const c = process.cpuUsage(c0);
    s.times.push(Number(process.hrtime.bigint() - t0) / 1e6 / steps);
    s.cpu.push((c.user + c.system) / 1e3 / steps);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `backend ${getBackend()}, 407,050 float32 weights, ${rounds} rounds of ${steps} steps, per step (median round):`,
);
console.log(`${'optimizer'.padEnd(44)} wall ms   process CPU ms (all threads)`);
cases.forEach(([label], i) => {
  const s = state[i]!;
  console.log(
    `${label.padEnd(44)} ${median(s.times).toFixed(3).padStart(7)}   ${median(s.cpu).toFixed(3).padStart(7)}`,
  );
});
