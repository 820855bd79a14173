/**
 * The lecture CNN trained one epoch from in-memory tensors vs from a `data.Dataset` pipeline
 * (shuffle, batch, a random-shift augmentation map, prefetch), alternating the modes in one
 * process so machine load hits them alike. The augmentation runs on the main thread
 * (`dataset+shift`) or in a worker thread (`dataset+shift-worker`: `data.workerMap` with
 * `numParallelCalls: 2`). Reports the epoch time of each mode, how much of the epoch was spent
 * between training steps (producing the next batch: input work that did not overlap training),
 * the time inside the augmentation map and, for the worker, how much of it ran while a training
 * step ran; and the pipeline's time alone (no training).
 *
 *   npm run bench:data -- [--samples 12000] [--rounds 2] [--batch 200] [--backend native|wasm|js] [--json]
 *     [--pipeline-only]
 */
import { Sequential, callbacks, data, datasets, layers, setRandomSeed, utils } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { randomShift } from './augment-shift.js';
import { intArg, parseArgs } from '../examples/args.js';
import { setBackend } from '../src/index.js';
import { cpus, loadavg } from 'node:os';

const args = parseArgs();
if (args.has('backend')) setBackend(args.get('backend')!);
const samples = intArg(args, 'samples', 12000);
// --pipeline-only: time the input pipeline without training (rounds 0).
const rounds = args.has('pipeline-only') ? 0 : intArg(args, 'rounds', 2);
const batchSize = intArg(args, 'batch', 200);
const asJson = args.has('json');

const [[xAll, yAll]] = datasets.mnist.loadData();
const n = Math.min(samples, xAll.shape[0]!);
const x = xAll.slice([0], [n]).reshape([n, 28, 28, 1]).astype('float32').div(255);
const y = utils.toCategorical(yAll.slice([0], [n]), 10);

function cnn(): Sequential {
  setRandomSeed(0);
  const model = new Sequential();
  model.add(new layers.Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' }));
  model.add(new layers.Conv2D(64, [3, 3], { activation: 'relu' }));
  model.add(new layers.MaxPooling2D({ poolSize: 2 }));
  model.add(new layers.Dropout(0.25));
  model.add(new layers.Flatten());
  model.add(new layers.Dense(128, { activation: 'relu' }));
  model.add(new layers.Dropout(0.5));
  model.add(new layers.Dense(10, { activation: 'softmax' }));
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return model;
}

/** The shift on the main thread, timed. */
let mapMs = 0;
function timedShift(batch: [Tensor, Tensor]): [Tensor, Tensor] {
  const t0 = performance.now();
  const out = randomShift(batch);
  mapMs += performance.now() - t0;
  return out;
}

/** Time between one training step's end and the next one's start: input work done serially. */
class Gaps extends callbacks.Callback {
  gapMs = 0;
  stepMs = 0;
  private last = 0;
  private began = 0;
  /** Each step's [start, end] in performance.now() ms. */
  readonly steps: [number, number][] = [];
  override onEpochBegin(): void {
    this.last = performance.now();
  }
  override onTrainBatchBegin(): void {
    this.began = performance.now();
    this.gapMs += this.began - this.last;
  }
  override onTrainBatchEnd(): void {
    this.last = performance.now();
    this.stepMs += this.last - this.began;
    this.steps.push([this.began, this.last]);
  }
}

type Mode = 'memory' | 'dataset' | 'dataset+shift' | 'dataset+shift-worker';
// cpuS: the process's CPU time (all threads, user + system) for the epoch: less sensitive to
// other processes' load than the wall time.
// overlapS: the part of the map's time (in the worker) that fell inside training steps.
type Figures = {
  epochS: number[];
  cpuS: number[];
  gapS: number[];
  stepS: number[];
  mapS: number[];
  overlapS: number[];
};
const figures = (): Figures => ({ epochS: [], cpuS: [], gapS: [], stepS: [], mapS: [], overlapS: [] });
const results: Record<Mode, Figures> = {
  memory: figures(),
  dataset: figures(),
  'dataset+shift': figures(),
  'dataset+shift-worker': figures(),
};
/** Total length of the intersections of the calls' intervals with the steps' (both sorted by start). */
function overlapMs(calls: readonly { start: number; end: number }[], steps: readonly [number, number][]): number {
  let total = 0;
  for (const c of calls) for (const [s, e] of steps) total += Math.max(0, Math.min(c.end, e) - Math.max(c.start, s));
  return total;
}
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function runOnce(mode: Mode): Promise<void> {
  const model = cnn();
  const gaps = new Gaps();
  mapMs = 0;
  // The worker starts (and loads its module) before the timing, as it would before a first epoch.
  const worker = mode === 'dataset+shift-worker' ? await startedWorker() : null;
  const t0 = performance.now();
  const c0 = cpuNow();
  if (mode === 'memory') {
    await model.fit(x, y, { epochs: 1, batchSize, verbose: 0, callbacks: [gaps] });
  } else {
    let ds = data.Dataset.fromTensorSlices([x, y] as [Tensor, Tensor])
      .shuffle(n)
      .batch(batchSize);
    if (mode === 'dataset+shift') ds = ds.map((b) => timedShift(b as [Tensor, Tensor]));
    if (worker) ds = ds.map((b) => worker(b as [Tensor, Tensor]), { numParallelCalls: 2 });
    await model.fit(ds.prefetch(2), { epochs: 1, verbose: 0, callbacks: [gaps] });
  }
  const r = results[mode];
  if (worker) {
    const calls = worker.timings.slice(1); // the first is the warm-up call
    mapMs = calls.reduce((a, c) => a + c.end - c.start, 0);
    r.overlapS.push(overlapMs(calls, gaps.steps) / 1000);
    await worker.close();
  }
  r.epochS.push((performance.now() - t0) / 1000);
  r.cpuS.push(cpuNow() - c0);
  r.gapS.push(gaps.gapMs / 1000);
  r.stepS.push(gaps.stepMs / 1000);
  r.mapS.push(mapMs / 1000);
}

async function startedWorker(): Promise<data.WorkerMapFunction<[Tensor, Tensor], [Tensor, Tensor]>> {
  const fn = data.workerMap<[Tensor, Tensor], [Tensor, Tensor]>(new URL('./augment-shift.js', import.meta.url));
  await fn([x.slice([0], [1]), y.slice([0], [1])]);
  return fn;
}

/** The input pipeline alone (no training): how much single-thread work one epoch of input costs. */
async function pipelineAlone(shift: boolean): Promise<[number, number]> {
  let ds = data.Dataset.fromTensorSlices([x, y] as [Tensor, Tensor])
    .shuffle(n)
    .batch(batchSize);
  if (shift) ds = ds.map((b) => timedShift(b as [Tensor, Tensor]));
  const t0 = performance.now();
  const c0 = cpuNow();
  let count = 0;
  for await (const b of ds.prefetch(2)) count += (b as [Tensor, Tensor])[0].shape[0]!;
  if (count !== n) throw new Error(`pipeline gave ${count} samples, expected ${n}`);
  return [(performance.now() - t0) / 1000, cpuNow() - c0];
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const loadBefore = loadavg();
const modes: Mode[] = ['memory', 'dataset+shift-worker', 'dataset+shift', 'dataset'];
for (let round = 0; round < rounds; round++)
  for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
    await runOnce(mode);
    if (!asJson) {
      const r = results[mode];
      const i = r.epochS.length - 1;
      console.log(
        `round ${round + 1} ${mode.padEnd(14)} epoch ${r.epochS[i]!.toFixed(2)} s  cpu ${r.cpuS[i]!.toFixed(2)} s  steps ${r.stepS[i]!.toFixed(2)} s  ` +
          `between steps ${r.gapS[i]!.toFixed(3)} s  map ${r.mapS[i]!.toFixed(3)} s` +
          (r.overlapS.length ? `  map during steps ${r.overlapS[i]!.toFixed(3)} s` : ''),
      );
    }
  }
const alone = { dataset: [] as number[], 'dataset+shift': [] as number[] };
const aloneCpu = { dataset: [] as number[], 'dataset+shift': [] as number[] };
for (let k = 0; k < 3; k++) {
  for (const shift of [false, true]) {
    const [wall, cpu] = await pipelineAlone(shift);
    alone[shift ? 'dataset+shift' : 'dataset'].push(wall);
    aloneCpu[shift ? 'dataset+shift' : 'dataset'].push(cpu);
  }
}
const summary = {
  machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
  loadAverageBefore: loadBefore.map((v) => +v.toFixed(2)),
  loadAverageAfter: loadavg().map((v) => +v.toFixed(2)),
  samples: n,
  batchSize,
  rounds,
  medians: Object.fromEntries(
    modes.map((m) => [
      m,
      {
        epochS: rounds === 0 ? null : +median(results[m].epochS).toFixed(3),
        cpuS: rounds === 0 ? null : +median(results[m].cpuS).toFixed(3),
        betweenStepsS: rounds === 0 ? null : +median(results[m].gapS).toFixed(3),
        mapS: rounds === 0 ? null : +median(results[m].mapS).toFixed(3),
        mapDuringStepsS: rounds === 0 || !results[m].overlapS.length ? null : +median(results[m].overlapS).toFixed(3),
      },
    ]),
  ),
  pipelineAloneS: {
    dataset: +median(alone.dataset).toFixed(3),
    'dataset+shift': +median(alone['dataset+shift']).toFixed(3),
  },
  pipelineAloneCpuS: {
    dataset: +median(aloneCpu.dataset).toFixed(3),
    'dataset+shift': +median(aloneCpu['dataset+shift']).toFixed(3),
  },
  ratioDatasetShiftToMemory:
    rounds === 0 ? null : +(median(results['dataset+shift'].epochS) / median(results.memory.epochS)).toFixed(4),
  ratioDatasetShiftWorkerToMemory:
    rounds === 0 ? null : +(median(results['dataset+shift-worker'].epochS) / median(results.memory.epochS)).toFixed(4),
  ratioDatasetToMemory:
    rounds === 0 ? null : +(median(results.dataset.epochS) / median(results.memory.epochS)).toFixed(4),
  raw: results,
};
console.log(asJson ? JSON.stringify(summary) : JSON.stringify(summary, null, 1));
