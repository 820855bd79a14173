/**
 * Training benchmarks. One JSON line per epoch:
 *   npm run bench -- --workload mlp|cnn|reuters|imdb|resnet|transformer [--backend js|wasm|native] [--epochs N] [--max-batches B] [--threads T] [--pool 0]
 *                [--policy float32|mixed_bfloat16]
 * `train_seconds` is the wall time of the training pass alone (after a one-batch warm-up);
 * validation runs after the clock stops. Each epoch's order is NumPy's RandomState(seed).permutation,
 * as on the PyTorch side (bench/pytorch/harness.py). RSS and external memory are sampled per epoch.
 * `--policy` sets the global dtype policy before the model is made; each line names it and, on the
 * native backend, the bf16 GEMM family that ran (`bf16_isa`: amx, avx512bf16 or generic).
 */
import { getNumThreads, mixedPrecision, nativeInfo, setNumThreads } from '../src/index.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { setRandomSeed } from '../src/core/random.js';
import { setBufferPooling } from '../src/core/buffer-pool.js';
import { NumpyRandomState } from '../src/utils/numpy-random.js';
import { take } from '../src/ops/slice.js';
import { intArg, parseArgs } from '../examples/args.js';
import { wasmInfo } from '../src/backend/wasm/register.js';
import type { Workload } from './workloads/workload.js';
import { cnnWorkload } from './workloads/cnn.js';
import { imdbWorkload } from './workloads/imdb.js';
import { mlpWorkload } from './workloads/mlp.js';
import { reutersWorkload } from './workloads/reuters.js';
import { transformerWorkload } from './workloads/transformer.js';
import { resnetWorkload } from './workloads/resnet.js';

const WORKLOADS: Record<string, () => Workload> = {
  mlp: mlpWorkload,
  cnn: cnnWorkload,
  reuters: reutersWorkload,
  imdb: imdbWorkload,
  transformer: transformerWorkload,
  resnet: resnetWorkload,
};

const args = parseArgs();
const name = args.get('workload') ?? 'mlp';
const make = WORKLOADS[name];
if (!make) throw new Error(`Unknown workload '${name}'. Available: ${Object.keys(WORKLOADS).join(', ')}.`);
if (args.has('backend')) setBackend(args.get('backend')!);
// --pool 0 switches off the reuse of intermediate buffers across steps (for A/B runs).
if (args.get('pool') === '0') setBufferPooling(false);
const threads = intArg(args, 'threads', 0);
if (threads > 0) setNumThreads(threads);
const epochs = intArg(args, 'epochs', 1);
const maxBatches = intArg(args, 'max-batches', Infinity as unknown as number);

const policy = args.get('policy') ?? 'float32';
mixedPrecision.setGlobalPolicy(policy);

const seed = intArg(args, 'seed', 0);
setRandomSeed(seed);
// Epoch order from its own NumPy-compatible stream: bench/pytorch draws
// np.random.RandomState(seed).permutation(n) per epoch, so both frameworks see the same batches.
const shuffle = new NumpyRandomState(seed);
const w = make();
const n = w.x.shape[0]!;
const steps = Math.min(Math.ceil(n / w.batchSize), Number.isFinite(maxBatches) ? maxBatches : Infinity);

// Warm-up: one batch, so JIT compilation and first allocations stay out of the timing.
w.model.trainOnBatch(take(w.x, [...Array(w.batchSize).keys()]), take(w.y, [...Array(w.batchSize).keys()]));

for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = shuffle.permutation(n);
  let samples = 0;
  let lossSum = 0;
  const copiedBefore = wasmInfo()?.runtime.copiedBytes ?? 0;
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < steps; s++) {
    const idx = order.subarray(s * w.batchSize, Math.min(n, (s + 1) * w.batchSize));
    const [loss] = w.model.trainOnBatch(take(w.x, idx), take(w.y, idx));
    lossSum += loss! * idx.length;
    samples += idx.length;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // wasm only: bytes kernels copied into and out of the module during training (arrays not
  // resident in its memory), and the resident blocks alive now.
  const wasm = getBackend() === 'wasm' ? wasmInfo() : null;
  const wasmFields = wasm
    ? {
        wasm_copied_mb_per_batch: Number(((wasm.runtime.copiedBytes - copiedBefore) / 2 ** 20 / steps).toFixed(3)),
        wasm_resident_mb: Math.round(wasm.resident.liveBytes / 2 ** 20),
        wasm_refused: wasm.resident.refused,
      }
    : {};
  const [valLoss, valAcc] = await w.model.evaluate(w.xVal, w.yVal, { batchSize: w.batchSize, verbose: 0 });
  const mem = process.memoryUsage();
  console.log(
    JSON.stringify({
      workload: name,
      backend: getBackend(),
      threads: getNumThreads(),
      policy,
      ...(policy === 'mixed_bfloat16' ? { bf16_isa: bf16Isa() } : {}),
      epoch,
      batches: steps,
      samples,
      params: w.model.countParams(),
      train_seconds: Number(seconds.toFixed(3)),
      samples_per_second: Math.round(samples / seconds),
      loss: Number((lossSum / samples).toFixed(5)),
      val_loss: Number(valLoss!.toFixed(5)),
      val_acc: Number(valAcc!.toFixed(5)),
      rss_mb: Math.round(mem.rss / 2 ** 20),
      external_mb: Math.round((mem.external + mem.arrayBuffers) / 2 ** 20),
      ...wasmFields,
    }),
  );
}

/** The bf16 GEMM family that runs: the native backend's choice; js runs the reference, wasm the portable C++ kernel. */
function bf16Isa(): string {
  if (getBackend() !== 'native') return `${getBackend()} (portable kernel)`;
  const info = nativeInfo();
  return info ? info.bf16Isa : 'unknown';
}
