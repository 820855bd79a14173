// Time of the native convolution kernels on the lecture CNN's two layers (batch 200, 28x28x1 ->
// 3x3x32 -> 3x3x64, relu, bias): forward, the whole backward pass, and its parts (only d(x), only
// d(kernel), only the relu gradient + d(bias)), so a kernel change can be judged on its own.
// Each round runs every case once (a few calls each); the median round is reported.
//
//   npm run build --silent && node dist/bench/conv.js [--threads 2] [--rounds 5] [--calls 5]
import { cpus } from 'node:os';
import type { ConvGradients, ConvParams, WindowGeometry } from '../src/backend/backend.js';
import { findBackend } from '../src/backend/registry.js';
import { loadNativeBackend, nativeInfo, setNumThreads } from '../src/backend/native/index.js';
import { intArg, parseArgs } from '../examples/args.js';

const args = parseArgs(process.argv.slice(2));
const threads = intArg(args, 'threads', 2);
const rounds = intArg(args, 'rounds', 5);
const calls = intArg(args, 'calls', 5);
const loaded = loadNativeBackend({ silent: true });
if (!loaded.ok) throw new Error(`bench:conv needs the native backend: ${loaded.reason}`);
setNumThreads(threads);
const native = findBackend('native')!;

function layer(n: number, h: number, c: number, f: number): { g: WindowGeometry; f: number } {
  const g = { n, h, w: h, c, kh: 3, kw: 3, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0 };
  return { g: { ...g, outH: h - 2, outW: h - 2 }, f };
}

let seed = 1;
function random(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    a[i] = seed / 2 ** 32 - 0.5;
  }
  return a;
}

const layers = { conv1: layer(200, 28, 1, 32), conv2: layer(200, 26, 32, 64) };
const rows: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, { g, f }] of Object.entries(layers)) {
    const k = g.kh * g.kw * g.c;
    const x = random(g.n * g.h * g.w * g.c);
    const kernel = random(k * f);
    const p: ConvParams = { filters: f, bias: random(f), activation: 'relu' };
    const y = new Float32Array(g.n * g.outH * g.outW * f);
    const grad = random(y.length);
    const gx = new Float32Array(x.length);
    const gk = new Float32Array(k * f);
    const gb = new Float32Array(f);
    // The input layer needs no d(x), as in training.
    const input = name === 'conv1';
    const variants: [string, ConvGradients | null][] = [
      ['forward', null],
      ['backward (all)', { x: input ? null : gx, kernel: gk, bias: gb }],
      ...(input ? [] : [['backward d(x) only', { x: gx, kernel: null, bias: null }] as [string, ConvGradients]]),
      ['backward d(kernel) only', { x: null, kernel: gk, bias: null }],
      ['backward d(bias) only', { x: null, kernel: null, bias: gb }],
    ];
    native.convForward(x, g, kernel, p, y);
    for (const [what, d] of variants) {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) {
        if (d) native.convBackward(x, g, kernel, p, y, grad, d);
        else native.convForward(x, g, kernel, p, y);
      }
      (rows[`${name} ${what}`] ??= []).push((performance.now() - t0) / calls);
    }
  }
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
console.log(
  `native ${JSON.stringify(nativeInfo())}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${rounds} rounds x ${calls} calls`,
);
console.log('| kernel | median ms per call | rounds (ms) |');
console.log('| --- | ---: | --- |');
for (const [what, v] of Object.entries(rows)) {
  console.log(`| ${what} | ${median(v).toFixed(2)} | ${v.map((t) => t.toFixed(1)).join(', ')} |`);
}
