/**
 * bench:infer: deepscript against onnxruntime-node on the lecture MLP and CNN (same weights), in
 * one process. For every model, thread count and batch size, each round times deepscript's
 * `model.predict`, deepscript's inference plan (`planInference(...).run`) and ORT's
 * `session.run` in turn, each for at least --seconds; the figures are the median round's
 * samples/s and the median and p99 latency of one call over all rounds. ORT runs with
 * intraOpNumThreads = threads, interOpNumThreads = 1, graph optimisations 'all'; its latency
 * includes awaiting the promise `session.run` returns, as a Node caller does.
 *
 *   npm run bench:infer:setup   # once (python3-torch from apt-get)
 *   npm run bench:infer -- [--models mlp,cnn] [--batches 1,8,200] [--threads 1,2] [--rounds 5] [--seconds 0.3]
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { loadNativeBackend, nativeInfo, setNumThreads } from '../src/backend/native/index.js';
import { setBackend } from '../src/backend/registry.js';
import { Tensor } from '../src/core/tensor.js';
import { planInference } from '../src/models/inference-plan.js';
import { parseArgs } from '../examples/args.js';
import { readNpy } from './npy.js';
import type { InferModelName } from './infer-models.js';
import { buildModel, inferDir, modelDir, sampleShape } from './infer-models.js';

interface OrtTensor {
  data: Float32Array;
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(path: string, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}

const args = parseArgs(process.argv.slice(2));
const list = (name: string, fallback: string): string[] => (args.get(name) ?? fallback).split(',');
const models = list('models', 'mlp,cnn') as InferModelName[];
const batches = list('batches', '1,8,200').map(Number);
const threadCounts = list('threads', '1,2').map(Number);
const rounds = Number(args.get('rounds') ?? 5);
const seconds = Number(args.get('seconds') ?? 0.3);

if (!existsSync(join(inferDir, 'node_modules', 'onnxruntime-node'))) {
  throw new Error(
    'bench:infer: onnxruntime-node is not installed in bench/infer: run `npm run bench:infer:setup` first.',
  );
}
const ort = createRequire(join(inferDir, 'package.json'))('onnxruntime-node') as Ort;
const loaded = loadNativeBackend({ silent: true });
if (!loaded.ok) throw new Error(`bench:infer needs the native backend: ${loaded.reason}`);
setBackend('native');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
const quantile = (a: number[], q: number): number => {
  const s = [...a].sort((p, r) => p - r);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

/** Calls `f` for at least `seconds` (and 3 calls); returns samples/s and every call's ms. */
async function timed(f: () => unknown, batch: number): Promise<{ rate: number; ms: number[] }> {
  const ms: number[] = [];
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000 || ms.length < 3) {
    const r = f();
    if (r instanceof Promise) await r;
    const t1 = performance.now();
    ms.push(t1 - t);
    t = t1;
  }
  return { rate: (batch * ms.length * 1000) / (t - t0), ms };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

console.log(
  `bench:infer, ${new Date().toISOString()}, ${cpus()[0]?.model ?? '?'} x${cpus().length}, ${nativeInfo()?.gemmIsa ?? ''}, ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${rounds} rounds of >= ${seconds} s per side`,
);
const header =
  '| model | threads | batch | ORT samples/s | plan samples/s | plan/ORT | predict samples/s | ORT median / p99 ms | plan median / p99 ms | plan latency / ORT | predict median ms | max abs(plan - ORT) |';
console.log(header);
console.log('|' + ' --- |'.repeat(header.split('|').length - 2));

for (const name of models) {
  const model = buildModel(name);
  const dir = modelDir(name);
  model.setWeights(model.weights.map((_, i) => readNpy(join(dir, `w${i}.npy`))));
  const sample = sampleShape[name];
  const ortShape = name === 'cnn' ? [1, 28, 28] : sample; // NCHW with C = 1: same bytes
  for (const threads of threadCounts) {
    setNumThreads(threads);
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
    const plan = planInference(model.requireGraph(), [null, ...sample]);
    for (const batch of batches) {
      const data = new Float32Array(batch * sample.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = Math.random();
      const x = new Tensor(data, [batch, ...sample], 'float32');
      const feeds = { x: new ort.Tensor('float32', data, [batch, ...ortShape]) };
      const diff = maxDiff(plan.run(x).data, (await session.run(feeds))['y']!.data);
      const sides = {
        ort: () => session.run(feeds),
        plan: () => plan.run(x),
        predict: () => model.predict(x, { batchSize: batch }),
      };
      const rates: Record<string, number[]> = { ort: [], plan: [], predict: [] };
      const lat: Record<string, number[]> = { ort: [], plan: [], predict: [] };
      for (const f of Object.values(sides)) await timed(f, batch); // warm-up
      for (let r = 0; r < rounds; r++) {
        for (const [side, f] of Object.entries(sides)) {
          const { rate, ms } = await timed(f, batch);
          rates[side]!.push(rate);
          lat[side]!.push(...ms);
          await sleep(50); // lets ORT's spinning workers go idle before the next side
        }
      }
      const rate = (s: string): number => median(rates[s]!);
      const l = (s: string, q: number): string => quantile(lat[s]!, q).toFixed(3);
      console.log(
        `| ${name} | ${threads} | ${batch} | ${rate('ort').toFixed(0)} | ${rate('plan').toFixed(0)} | ${(rate('plan') / rate('ort')).toFixed(2)} | ` +
          `${rate('predict').toFixed(0)} | ${l('ort', 0.5)} / ${l('ort', 0.99)} | ${l('plan', 0.5)} / ${l('plan', 0.99)} | ` +
          `${(quantile(lat['plan']!, 0.5) / quantile(lat['ort']!, 0.5)).toFixed(2)} | ${l('predict', 0.5)} | ${diff.toExponential(1)} |`,
      );
    }
    await session.release();
  }
}
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
