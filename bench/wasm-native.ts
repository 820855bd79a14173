/**
 * The wasm backend against the native one on the lecture workloads, side by side in one run: for
 * each workload and thread count, the two alternate process by process, round after round (the
 * order flipping each round), so both see the same machine load. Prints one JSON line per run,
 * then a table of median samples/s and the wasm/native ratio, with the load average at the start
 * and end of each workload.
 *
 *   npm run bench:wasm -- [--workloads mlp,cnn,reuters,imdb] [--threads 1,2] [--rounds 3]
 *
 * Each run is `node dist/bench/run.js --workload W --backend B --threads T --max-batches N`, with
 * N per workload below (override with --max-batches), one epoch after a one-batch warm-up.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intArg, parseArgs } from '../examples/args.js';

/** Batches per timed epoch: a few seconds of work on the native backend. */
const MAX_BATCHES: Record<string, number> = { mlp: 100, cnn: 15, reuters: 20, imdb: 10 };

const args = parseArgs();
const workloads = (args.get('workloads') ?? 'mlp,cnn,reuters,imdb').split(',');
for (const w of workloads) {
  if (!(w in MAX_BATCHES))
    throw new Error(`Unknown workload '${w}'. Available: ${Object.keys(MAX_BATCHES).join(', ')}.`);
}
const threadCounts = (args.get('threads') ?? '1,2').split(',').map(Number);
for (const t of threadCounts) {
  if (!Number.isInteger(t) || t < 1)
    throw new Error(`--threads takes positive integers, got '${args.get('threads')}'.`);
}
const rounds = intArg(args, 'rounds', 3);
const maxBatchesOverride = intArg(args, 'max-batches', 0);
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

interface EpochLine {
  backend: string;
  threads: number;
  samples_per_second: number;
  loss: number;
}

function runOnce(workload: string, backend: string, threads: number): EpochLine {
  const batches = maxBatchesOverride || MAX_BATCHES[workload]!;
  const argv = [join(here, 'run.js'), '--workload', workload, '--backend', backend];
  argv.push('--threads', String(threads), '--max-batches', String(batches));
  const r = spawnSync(process.execPath, argv, { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} failed:\n${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`node ${argv.join(' ')} printed no result:\n${r.stdout}\n${r.stderr}`);
  const parsed = JSON.parse(line) as EpochLine;
  console.log(JSON.stringify({ ...parsed, load1: Number(loadavg()[0]!.toFixed(2)) }));
  return parsed;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

const rows: string[] = [];
for (const workload of workloads) {
  const loadBefore = loadavg()[0]!;
  for (const threads of threadCounts) {
    const got: Record<string, number[]> = { wasm: [], native: [] };
    // The thread counts each backend reported running (wasm may run fewer than asked).
    const used: Record<string, Set<number>> = { wasm: new Set(), native: new Set() };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['wasm', 'native'] : ['native', 'wasm'];
      for (const b of order) {
        const line = runOnce(workload, b, threads);
        got[b]!.push(line.samples_per_second);
        used[b]!.add(line.threads);
      }
    }
    const w = median(got['wasm']!);
    const n = median(got['native']!);
    rows.push(
      `| ${workload} | ${threads} | ${[...used['wasm']!].join('/')} | ${[...used['native']!].join('/')} | ${Math.round(w)} (${got['wasm']!.join(', ')}) | ` +
        `${Math.round(n)} (${got['native']!.join(', ')}) | ${(w / n).toFixed(2)} | ${loadBefore.toFixed(1)}-${loadavg()[0]!.toFixed(1)} |`,
    );
  }
}
console.log(
  '\n| workload | threads asked | wasm ran | native ran | wasm samples/s, median (runs) | native samples/s, median (runs) | wasm/native | load average |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of rows) console.log(r);
