// GEMM throughput of the native backend, side by side with OpenBLAS (dlopen'ed by the addon,
// bench only) in one run. Rounds alternate native / OpenBLAS per shape and thread count, and the
// median round is reported, since the machine is shared.
//
//   npm run build --silent && node dist/bench/gemm.js [--threads 1,2] [--rounds 5] [--seconds 0.25]
//     [--shapes 1024x1024x1024,200x512x784Bt] [--cpu] [--no-blas] [--json] [--dtype float32|bf16]
// --dtype bf16 runs bench/gemm-bf16.ts instead (bf16 kernels against the bf16 peak; see there).
// --cpu times 1-thread rows by the process's CPU time instead of the wall clock, so time the
// scheduler gives to other processes on a shared machine does not count (2-thread rows stay on
// the wall clock: there, waiting for a core is part of the cost).
//   (run with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` so OpenBLAS picks its own kernels)
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MatmulParams } from '../src/backend/backend.js';
import { findBackend } from '../src/backend/registry.js';
import { loadNativeBackend, nativeAddon } from '../src/backend/native/index.js';
import { runBf16Bench } from './gemm-bf16.js';

interface Shape {
  m: number;
  k: number;
  n: number;
  transA?: boolean;
  transB?: boolean;
}

// (M, K, N) from the issue, plus the transposed products the MLP's backward pass runs.
const SHAPES: Shape[] = [
  { m: 200, k: 784, n: 512 },
  { m: 784, k: 200, n: 512 },
  { m: 784, k: 200, n: 512, transA: true },
  { m: 200, k: 512, n: 784 },
  { m: 200, k: 512, n: 784, transB: true },
  { m: 115200, k: 288, n: 64 },
  { m: 100, k: 100, n: 400 },
  { m: 1024, k: 1024, n: 1024 },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const threadCounts = (arg('threads') ?? '1,2').split(',').map(Number);
const rounds = Number(arg('rounds') ?? 5);
const minSeconds = Number(arg('seconds') ?? 0.25);
const useBlas = !process.argv.includes('--no-blas');
const cpuClock = process.argv.includes('--cpu');
// Shape keys are MxKxN, with a suffix At / Bt for the transposed products.
const shapeKey = (s: Shape): string => `${s.m}x${s.k}x${s.n}${s.transA ? 'At' : s.transB ? 'Bt' : ''}`;
const only = arg('shapes')?.split(',');
const shapes = only ? SHAPES.filter((s) => only.includes(shapeKey(s))) : SHAPES;
if (only && shapes.length !== only.length) {
  console.error(`--shapes: unknown key in ${only.join(',')}; known: ${SHAPES.map(shapeKey).join(', ')}`);
  process.exit(1);
}

// --dtype bf16: the bf16 kernels against the bf16 peak (bench/gemm-bf16.ts), on the same shapes.
const dtype = arg('dtype') ?? 'float32';
if (dtype === 'bf16' || dtype === 'bfloat16') {
  await runBf16Bench(shapes, label);
  process.exit(0);
} else if (dtype !== 'float32') {
  console.error(`--dtype: expected float32 or bf16, got ${dtype}`);
  process.exit(1);
}

const loaded = loadNativeBackend({ silent: true });
if (!loaded.ok) {
  console.error(`native backend unavailable: ${loaded.reason}`);
  process.exit(1);
}
const addon = nativeAddon()!;
const native = findBackend('native')!;

const blasError: string | null = useBlas ? addon.blasLoad(null) : 'disabled by --no-blas';
if (blasError === null && (process.env['OPENBLAS_CORETYPE'] || process.env['OPENBLAS_L2_SIZE'])) {
  console.warn('warning: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set; OpenBLAS may not use its best kernels.');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** GFLOP/s of `run` repeated for at least minSeconds (wall clock); by CPU time if `cpu`. */
function measure(run: () => void, flops: number, cpu: boolean): number {
  run(); // warm caches and the thread pool
  let iters = 0;
  const t0 = process.hrtime.bigint();
  const c0 = cpuSeconds();
  let dt = 0;
  do {
    run();
    iters++;
    dt = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (dt < minSeconds || iters < 3);
  return (flops * iters) / (cpu ? cpuSeconds() - c0 : dt) / 1e9;
}

function label(s: Shape): string {
  const t = s.transA ? ' A^T' : s.transB ? ' B^T' : '';
  return `(${s.m},${s.k},${s.n})${t}`;
}

function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

console.log(`CPU: ${cpuModel()}; native kernels: ${addon.getGemmIsa()} (cpu ${addon.cpuIsa()})`);
console.log(blasError === null ? `OpenBLAS: ${addon.blasInfo()}` : `OpenBLAS: not measured (${blasError})`);
console.log(
  `median of ${rounds} alternating rounds, >= ${minSeconds}s each${cpuClock ? '; 1-thread rows timed by CPU time' : ''}\n`,
);
console.log('shape (M,K,N)            threads   native GFLOP/s   OpenBLAS GFLOP/s   native/OpenBLAS');

const rows: object[] = [];
for (const threads of threadCounts) {
  addon.setNumThreads(threads);
  if (blasError === null) addon.blasSetNumThreads(threads);
  for (const s of shapes) {
    const a = Float32Array.from({ length: s.m * s.k }, () => Math.random() - 0.5);
    const b = Float32Array.from({ length: s.k * s.n }, () => Math.random() - 0.5);
    const out = new Float32Array(s.m * s.n);
    const p: MatmulParams = {
      batch: 1,
      m: s.m,
      n: s.n,
      k: s.k,
      transA: !!s.transA,
      transB: !!s.transB,
      aBatchStride: 0,
      bBatchStride: 0,
    };
    const meta = Float64Array.from([1, s.m, s.n, s.k, p.transA ? 1 : 0, p.transB ? 1 : 0, 0, 0, 0]);
    const flops = 2 * s.m * s.n * s.k;
    const nat: number[] = [];
    const bl: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const cpu = cpuClock && threads === 1;
      nat.push(measure(() => native.matmul(a, b, out, p), flops, cpu));
      if (blasError === null) {
        bl.push(measure(() => addon.blasMatmul(a, b, out, meta), flops, cpu));
        // OpenBLAS workers spin for a while after a call; let them sleep before timing native again.
        await sleep(300);
      }
    }
    const nMed = median(nat);
    const bMed = bl.length ? median(bl) : NaN;
    const ratio = bl.length ? (nMed / bMed).toFixed(2) : '-';
    console.log(
      `${label(s).padEnd(26)}${String(threads).padStart(6)}${nMed.toFixed(1).padStart(17)}${(bl.length ? bMed.toFixed(1) : '-').padStart(19)}${ratio.padStart(18)}`,
    );
    rows.push({
      shape: label(s),
      threads,
      clock: cpuClock && threads === 1 ? 'cpu' : 'wall',
      native: +nMed.toFixed(2),
      openblas: bl.length ? +bMed.toFixed(2) : null,
      nativeRounds: nat,
      openblasRounds: bl,
    });
  }
}
if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
