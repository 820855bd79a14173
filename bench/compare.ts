/**
 * deepscript against PyTorch on the same workload, side by side: the two run alternately, round
 * after round, so both see the same machine load; the table gives medians over rounds and the
 * ratio of epoch times. PyTorch is Debian's python3-torch, with OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE unset so its BLAS uses AVX-512 kernels. For the sequence workloads (reuters,
 * imdb) the padded data deepscript loads is first exported as .npy to a fresh temporary folder,
 * which the Python side reads, so both train on the same arrays in the same batch order.
 *
 *   npm run bench:compare -- [--workload mlp|cnn|resnet|reuters|imdb|transformer] [--threads 2] [--rounds 3] [--epochs 2] [--max-batches B]
 *                            [--omp-passive] [--policy mixed_bfloat16]
 *
 * --policy mixed_bfloat16 runs three things per round: deepscript under mixed_bfloat16, deepscript
 * in float32, and PyTorch under torch.autocast('cpu', dtype=torch.bfloat16) (float32 weights).
 *
 * --omp-passive runs PyTorch with OMP_WAIT_POLICY=PASSIVE: on a shared machine its spinning OpenMP
 * threads otherwise slow it down many times over whenever another process holds a core.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intArg, parseArgs } from '../examples/args.js';
import { SEQUENCE_WORKLOADS, exportSequences } from './sequence-export.js';

const args = parseArgs();
const workload = args.get('workload') ?? 'mlp';
const threads = intArg(args, 'threads', 2);
const rounds = intArg(args, 'rounds', 3);
const epochs = intArg(args, 'epochs', 2);
// Both sides cap an epoch at this many batches (0: whole epochs).
const maxBatches = intArg(args, 'max-batches', 0);
const cap = maxBatches > 0 ? ['--max-batches', String(maxBatches)] : [];
const ompPassive = args.has('omp-passive');
const policy = args.get('policy') ?? 'float32';
if (policy !== 'float32' && policy !== 'mixed_bfloat16')
  throw new Error(`--policy must be float32 or mixed_bfloat16, got '${policy}'.`);
const mixed = policy === 'mixed_bfloat16';
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const KNOWN = ['mlp', 'cnn', 'resnet', ...Object.keys(SEQUENCE_WORKLOADS)];
if (!KNOWN.includes(workload)) throw new Error(`Unknown workload '${workload}'. Available: ${KNOWN.join(', ')}.`);

interface EpochLine {
  train_seconds: number;
  bf16_isa?: string;
  samples_per_second: number;
  val_acc: number;
  params?: number;
}

function run(command: string, argv: string[], env: NodeJS.ProcessEnv): EpochLine[] {
  const r = spawnSync(command, argv, { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed:\n${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as EpochLine);
}

const withoutCoretype = { ...process.env };
delete withoutCoretype['OPENBLAS_CORETYPE'];
delete withoutCoretype['OPENBLAS_L2_SIZE'];

const dataDir = workload in SEQUENCE_WORKLOADS ? mkdtempSync(join(tmpdir(), `deepscript-bench-${workload}-`)) : null;
const ourArgv = [
  join(here, 'run.js'),
  '--workload',
  workload,
  '--epochs',
  String(epochs),
  '--threads',
  String(threads),
  ...cap,
];
const ourMixedArgv = [...ourArgv, '--policy', 'mixed_bfloat16'];
const theirArgv = [
  join(repo, 'bench', 'pytorch', `${workload}.py`),
  '--threads',
  String(threads),
  '--epochs',
  String(epochs),
  ...cap,
  ...(dataDir ? ['--data', dataDir] : []), // temporary, removed after the run
  ...(ompPassive ? ['--omp-passive'] : []),
  ...(mixed ? ['--policy', 'mixed_bfloat16'] : []),
];
const loadBefore = loadavg();
const ours: EpochLine[] = [];
const oursMixed: EpochLine[] = [];
const theirs: EpochLine[] = [];
try {
  if (dataDir) exportSequences(workload, dataDir);
  for (let r = 0; r < rounds; r++) {
    const ourEnv = { ...process.env, DEEPSCRIPT_NUM_THREADS: String(threads) };
    if (mixed) oursMixed.push(...run(process.execPath, ourMixedArgv, ourEnv));
    ours.push(...run(process.execPath, ourArgv, { ...process.env, DEEPSCRIPT_NUM_THREADS: String(threads) }));
    theirs.push(...run('/usr/bin/python3', theirArgv, withoutCoretype));
  }
} finally {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
const loadAfter = loadavg();

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const o = median(ours.map((e) => e.train_seconds));
const t = median(theirs.map((e) => e.train_seconds));
const fmtLoad = (l: number[]): string => l.map((v) => v.toFixed(2)).join(', ');
console.log(
  `workload ${workload}, ${threads} threads, ${rounds} rounds x ${epochs} epochs` +
    (maxBatches > 0 ? ` of at most ${maxBatches} batches` : '') +
    `, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}`,
);
console.log(`PyTorch's BLAS (libblas.so.3): ${blasLibrary()}`);
console.log(`load average (1, 5, 15 min): before ${fmtLoad(loadBefore)}; after ${fmtLoad(loadAfter)}`);
console.log(`command: node ${join('dist', 'bench', 'compare.js')} ${process.argv.slice(2).join(' ')}`);
if (mixed) console.log(`  deepscript: DEEPSCRIPT_NUM_THREADS=${threads} node ${ourMixedArgv.join(' ')}`);
console.log(`  deepscript: DEEPSCRIPT_NUM_THREADS=${threads} node ${ourArgv.join(' ')}`);
console.log(`  PyTorch: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 ${theirArgv.join(' ')}`);
const row = (name: string, lines: EpochLine[], median_s: number): string =>
  `| ${name} | ${lines[0]?.params ?? '?'} | ${median_s.toFixed(2)} | ` +
  `${Math.round(median(lines.map((e) => e.samples_per_second)))} | ` +
  `${lines.map((e) => e.val_acc.toFixed(3)).join(', ')} | ${lines.map((e) => e.train_seconds.toFixed(2)).join(', ')} |`;
console.log('| framework | params | median epoch (s) | samples/s | val acc per epoch | epoch times (s) |');
console.log('| --- | ---: | ---: | ---: | --- | --- |');
const m = mixed ? median(oursMixed.map((e) => e.train_seconds)) : 0;
if (mixed) console.log(row(`deepscript (native, mixed_bfloat16, ${oursMixed[0]?.bf16_isa ?? '?'})`, oursMixed, m));
console.log(row('deepscript (native, float32)', ours, o));
const torchName = `PyTorch (${mixed ? 'autocast bf16, ' : ''}OMP_WAIT_POLICY ${ompPassive ? 'PASSIVE' : 'default'})`;
console.log(row(torchName, theirs, t));
if (mixed) {
  console.log(`deepscript mixed_bfloat16 / deepscript float32 epoch time: ${(m / o).toFixed(2)}`);
  console.log(`deepscript mixed_bfloat16 / PyTorch autocast bf16 epoch time: ${(m / t).toFixed(2)}`);
} else console.log(`deepscript / PyTorch epoch time: ${(o / t).toFixed(2)}`);
// Each round's deepscript run came right before its PyTorch run; the spread of these ratios shows the noise.
console.log(
  `per-epoch ratios in run order: ${ours.map((e, i) => (e.train_seconds / theirs[i]!.train_seconds).toFixed(2)).join(', ')}`,
);

/**
 * The library Debian's libblas.so.3 points to. python3-torch pulls in the reference BLAS, which
 * makes PyTorch's Linear layers about 20x slower than with OpenBLAS: this comparison is only fair
 * against PyTorch's fastest setting, so say loudly when that is not what ran.
 */
function blasLibrary(): string {
  const link = '/usr/lib/x86_64-linux-gnu/libblas.so.3';
  if (!existsSync(link)) return 'unknown (no Debian libblas.so.3 link)';
  const target = realpathSync(link);
  if (/openblas|blis|mkl/i.test(target)) return target;
  const warning =
    `${target}: the REFERENCE BLAS. PyTorch's matrix products run far below its fastest setting; ` +
    'install OpenBLAS (apt-get install libopenblas0-pthread) before comparing';
  console.error(`WARNING: ${warning}`);
  return warning;
}
