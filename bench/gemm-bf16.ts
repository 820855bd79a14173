// bf16 GEMM throughput (`npm run bench:gemm -- --dtype bf16`): each bf16 kernel family the machine
// allows, and the float32 GEMM on the same shapes, timed in alternating rounds in one process
// (the median round is reported), against the machine's bf16 peak.
//
//   npm run bench:gemm -- --dtype bf16 [--threads 1,2] [--rounds 5] [--seconds 0.25]
//     [--shapes 1024x1024x1024,200x512x784Bt] [--families amx,avx512bf16,generic] [--out bf16|f32]
//     [--cpu] [--json]
//
// Peak: an AMX tile multiply (TDPBF16PS, 16 x 16 outputs x 32 depths = 16,384 flops) issues once
// every 16 cycles per core (Intel's optimization manual), so 1,024 bf16 flops per cycle per core,
// times the clock /proc/cpuinfo reports ("cpu MHz"; a guest sees the nominal clock, turbo may run
// faster), times the threads used. AVX512_BF16's nominal peak (two 512-bit VDPBF16PS per cycle,
// 128 flops) is printed next to it; what this CPU really issues must be measured.
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import type { MatmulParams } from '../src/backend/backend.js';
import { findBackend } from '../src/backend/registry.js';
import { loadNativeBackend, nativeAddon } from '../src/backend/native/index.js';
import { toBfloat16Bits } from '../src/core/dtype.js';

export interface Bf16Shape {
  m: number;
  k: number;
  n: number;
  transA?: boolean;
  transB?: boolean;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
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

/** GFLOP/s of `run` repeated for at least minSeconds of wall clock; divided by CPU time if `cpu`. */
function measure(run: () => void, flops: number, minSeconds: number, cpu: boolean): number {
  run();
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

function cpuInfo(): { model: string; mhz: number } {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    return {
      model: /model name\s*:\s*(.*)/.exec(text)?.[1] ?? 'unknown',
      mhz: Number(/cpu MHz\s*:\s*([\d.]+)/.exec(text)?.[1] ?? NaN),
    };
  } catch {
    return { model: 'unknown', mhz: NaN };
  }
}

const FAMILY_ORDER = ['generic', 'avx512bf16', 'amx'];

export async function runBf16Bench(shapes: Bf16Shape[], label: (s: Bf16Shape) => string): Promise<void> {
  const loaded = loadNativeBackend({ silent: true });
  if (!loaded.ok) {
    console.error(`native backend unavailable: ${loaded.reason}`);
    process.exit(1);
  }
  const addon = nativeAddon()!;
  const native = findBackend('native')!;
  const threadCounts = (arg('threads') ?? '1,2').split(',').map(Number);
  const rounds = Number(arg('rounds') ?? 5);
  const minSeconds = Number(arg('seconds') ?? 0.25);
  const outKind = arg('out') ?? 'bf16';
  // As in bench/gemm.ts: --cpu times 1-thread rows by the process's CPU time (a shared machine's
  // other processes then do not count); 2-thread rows stay on the wall clock.
  const cpuClock = process.argv.includes('--cpu');
  if (outKind !== 'bf16' && outKind !== 'f32') throw new Error(`--out must be bf16 or f32, got ${outKind}`);
  const info = addon.bf16Info();
  const allowed = FAMILY_ORDER.slice(0, FAMILY_ORDER.indexOf(info.detected) + 1);
  const families = (arg('families') ?? allowed.filter((f) => f !== 'generic').join(',')).split(',');
  for (const f of families) {
    if (!allowed.includes(f)) {
      console.error(
        `--families: '${f}' is not available here (allowed: ${allowed.join(', ')}; ${info.amxUnavailable})`,
      );
      process.exit(1);
    }
  }
  const cpu = cpuInfo();
  const amxPeakPerThread = (1024 * cpu.mhz) / 1e3; // GFLOP/s
  const avxPeakPerThread = (128 * cpu.mhz) / 1e3;
  const load0 = loadavg();
  console.log(`CPU: ${cpu.model}, cpu MHz ${cpu.mhz}; bf16 families here: ${allowed.join(', ')}`);
  if (info.amxUnavailable) console.log(`AMX not used: ${info.amxUnavailable}`);
  console.log(
    `peak per thread: AMX ${amxPeakPerThread.toFixed(0)} GFLOP/s (1024 flop/cycle), AVX512_BF16 nominal ${avxPeakPerThread.toFixed(0)} GFLOP/s (128 flop/cycle)`,
  );
  console.log(`load average at start: ${load0.map((l) => l.toFixed(2)).join(' ')}; output ${outKind}`);
  console.log(
    `median of ${rounds} alternating rounds, >= ${minSeconds}s each, float32 GEMM (${addon.getGemmIsa()}) in the same rounds\n`,
  );
  console.log('shape (M,K,N)            threads  family        GFLOP/s  % of peak  float32 GFLOP/s  bf16/float32');
  const before = addon.getBf16Isa();
  const rows: object[] = [];
  for (const threads of threadCounts) {
    addon.setNumThreads(threads);
    for (const s of shapes) {
      const a32 = Float32Array.from({ length: s.m * s.k }, () => Math.random() - 0.5);
      const b32 = Float32Array.from({ length: s.k * s.n }, () => Math.random() - 0.5);
      const a = Uint16Array.from(a32, toBfloat16Bits);
      const b = Uint16Array.from(b32, toBfloat16Bits);
      const out32 = new Float32Array(s.m * s.n);
      const out = outKind === 'bf16' ? new Uint16Array(s.m * s.n) : new Float32Array(s.m * s.n);
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
      const flops = 2 * s.m * s.n * s.k;
      const cpu = cpuClock && threads === 1;
      const per: Record<string, number[]> = Object.fromEntries([...families, 'float32'].map((f) => [f, []]));
      for (let r = 0; r < rounds; r++) {
        for (const f of families) {
          addon.setBf16Isa(f);
          per[f]!.push(measure(() => native.matmulBf16(a, b, out, p), flops, minSeconds, cpu));
        }
        per['float32']!.push(measure(() => native.matmul(a32, b32, out32, p), flops, minSeconds, cpu));
      }
      const f32 = median(per['float32']!);
      for (const f of families) {
        const g = median(per[f]!);
        // The portable kernel has no peak of its own to compare with.
        const peak = f === 'generic' ? NaN : (f === 'amx' ? amxPeakPerThread : avxPeakPerThread) * threads;
        console.log(
          `${label(s).padEnd(26)}${String(threads).padStart(6)}  ${f.padEnd(12)}${g.toFixed(1).padStart(9)}${(Number.isNaN(peak) ? '-' : `${((100 * g) / peak).toFixed(1)}%`).padStart(11)}${f32.toFixed(1).padStart(17)}${(g / f32).toFixed(2).padStart(14)}`,
        );
        rows.push({
          shape: label(s),
          threads,
          clock: cpu ? 'cpu' : 'wall',
          family: f,
          out: outKind,
          gflops: +g.toFixed(2),
          peak: Number.isNaN(peak) ? null : +peak.toFixed(0),
          float32: +f32.toFixed(2),
          rounds: per[f],
          float32Rounds: per['float32'],
        });
      }
    }
  }
  addon.setBf16Isa(before);
  const load1 = loadavg();
  console.log(`\nload average at end: ${load1.map((l) => l.toFixed(2)).join(' ')}`);
  if (process.argv.includes('--json'))
    console.log(JSON.stringify({ cpu: cpu.model, mhz: cpu.mhz, loadStart: load0, loadEnd: load1, rows }));
}
