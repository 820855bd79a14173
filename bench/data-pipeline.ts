/**
 * The lecture CNN trained one epoch from in-memory tensors vs from a `data.Dataset` pipeline
 * (shuffle, batch, a random-shift augmentation map, prefetch), alternating the modes in one
 * process so machine load hits them alike. Reports the epoch time of each mode, how much of the
 * epoch was spent between training steps (producing the next batch: input work that did not
 * overlap training) and inside the augmentation map, and the pipeline's time alone (no training).
 *
 *   npm run bench:data -- [--samples 12000] [--rounds 2] [--batch 200] [--backend native|wasm|js] [--json]
 *     [--pipeline-only]
 */
import { Sequential, callbacks, data, datasets, layers, setRandomSeed, utils } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { Random } from '../src/core/random.js';
import { Tensor as TensorClass } from '../src/core/tensor.js';
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

/** Shifts every image of a [b, 28, 28, 1] batch by up to 2 pixels each way (zeros fill in). */
let mapMs = 0;
const rng = new Random(1);
function randomShift([images, labels]: [Tensor, Tensor]): [Tensor, Tensor] {
  const t0 = performance.now();
  const [b, h, w] = images.shape as [number, number, number];
  const src = images.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let k = 0; k < b; k++) {
    const dy = rng.int(5) - 2;
    const dx = rng.int(5) - 2;
    const base = k * h * w;
    for (let r = 0; r < h; r++) {
      const sr = r - dy;
      if (sr < 0 || sr >= h) continue;
      const c0 = Math.max(0, dx);
      const c1 = Math.min(w, w + dx);
      out.set(src.subarray(base + sr * w + c0 - dx, base + sr * w + c1 - dx), base + r * w + c0);
    }
  }
  mapMs += performance.now() - t0;
  return [new TensorClass(out, images.shape, 'float32'), labels];
}

/** Time between one training step's end and the next one's start: input work done serially. */
class Gaps extends callbacks.Callback {
  gapMs = 0;
  stepMs = 0;
  private last = 0;
  private began = 0;
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
  }
}

type Mode = 'memory' | 'dataset' | 'dataset+shift';
// cpuS: the process's CPU time (all threads, user + system) for the epoch: less sensitive to
// other processes' load than the wall time.
const results: Record<Mode, { epochS: number[]; cpuS: number[]; gapS: number[]; stepS: number[]; mapS: number[] }> = {
  memory: { epochS: [], cpuS: [], gapS: [], stepS: [], mapS: [] },
  dataset: { epochS: [], cpuS: [], gapS: [], stepS: [], mapS: [] },
  'dataset+shift': { epochS: [], cpuS: [], gapS: [], stepS: [], mapS: [] },
};
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function runOnce(mode: Mode): Promise<void> {
  const model = cnn();
  const gaps = new Gaps();
  mapMs = 0;
  const t0 = performance.now();
  const c0 = cpuNow();
  if (mode === 'memory') {
    await model.fit(x, y, { epochs: 1, batchSize, verbose: 0, callbacks: [gaps] });
  } else {
    let ds = data.Dataset.fromTensorSlices([x, y] as [Tensor, Tensor])
      .shuffle(n)
      .batch(batchSize);
    if (mode === 'dataset+shift') ds = ds.map((b) => randomShift(b as [Tensor, Tensor]));
    await model.fit(ds.prefetch(2), { epochs: 1, verbose: 0, callbacks: [gaps] });
  }
  const r = results[mode];
  r.epochS.push((performance.now() - t0) / 1000);
  r.cpuS.push(cpuNow() - c0);
  r.gapS.push(gaps.gapMs / 1000);
  r.stepS.push(gaps.stepMs / 1000);
  r.mapS.push(mapMs / 1000);
}

/** The input pipeline alone (no training): how much single-thread work one epoch of input costs. */
async function pipelineAlone(shift: boolean): Promise<[number, number]> {
  let ds = data.Dataset.fromTensorSlices([x, y] as [Tensor, Tensor])
    .shuffle(n)
    .batch(batchSize);
  if (shift) ds = ds.map((b) => randomShift(b as [Tensor, Tensor]));
  const t0 = performance.now();
  const c0 = cpuNow();
  let count = 0;
  for await (const b of ds.prefetch(2)) count += (b as [Tensor, Tensor])[0].shape[0]!;
  if (count !== n) throw new Error(`pipeline gave ${count} samples, expected ${n}`);
  return [(performance.now() - t0) / 1000, cpuNow() - c0];
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const loadBefore = loadavg();
const modes: Mode[] = ['memory', 'dataset+shift', 'dataset'];
for (let round = 0; round < rounds; round++)
  for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
    await runOnce(mode);
    if (!asJson) {
      const r = results[mode];
      const i = r.epochS.length - 1;
      console.log(
        `round ${round + 1} ${mode.padEnd(14)} epoch ${r.epochS[i]!.toFixed(2)} s  cpu ${r.cpuS[i]!.toFixed(2)} s  steps ${r.stepS[i]!.toFixed(2)} s  ` +
          `between steps ${r.gapS[i]!.toFixed(3)} s  map ${r.mapS[i]!.toFixed(3)} s`,
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
  ratioDatasetToMemory:
    rounds === 0 ? null : +(median(results.dataset.epochS) / median(results.memory.epochS)).toFixed(4),
  raw: results,
};
console.log(asJson ? JSON.stringify(summary) : JSON.stringify(summary, null, 1));
