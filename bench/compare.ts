/**
 * deepscript against PyTorch on the same workload, side by side: the two run alternately, round
 * after round, so both see the same machine load; the table gives medians over rounds and the
 * ratio of epoch times. PyTorch is Debian's python3-torch, with OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE unset so its BLAS uses AVX-512 kernels.
 *
 *   npm run bench:compare -- [--workload mlp|cnn] [--threads 2] [--rounds 3] [--epochs 2] [--max-batches B]
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intArg, parseArgs } from '../examples/args.js';

const args = parseArgs();
const workload = args.get('workload') ?? 'mlp';
const threads = intArg(args, 'threads', 2);
const rounds = intArg(args, 'rounds', 3);
const epochs = intArg(args, 'epochs', 2);
// Both sides cap an epoch at this many batches (0: whole epochs).
const maxBatches = intArg(args, 'max-batches', 0);
const cap = maxBatches > 0 ? ['--max-batches', String(maxBatches)] : [];
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

interface EpochLine {
  train_seconds: number;
  samples_per_second: number;
  val_acc: number;
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

const ours: EpochLine[] = [];
const theirs: EpochLine[] = [];
for (let r = 0; r < rounds; r++) {
  ours.push(
    ...run(
      process.execPath,
      [join(here, 'run.js'), '--workload', workload, '--epochs', String(epochs), '--threads', String(threads), ...cap],
      {
        ...process.env,
        DEEPSCRIPT_NUM_THREADS: String(threads),
      },
    ),
  );
  theirs.push(
    ...run(
      '/usr/bin/python3',
      [
        join(repo, 'bench', 'pytorch', `${workload}.py`),
        '--threads',
        String(threads),
        '--epochs',
        String(epochs),
        ...cap,
      ],
      withoutCoretype,
    ),
  );
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const o = median(ours.map((e) => e.train_seconds));
const t = median(theirs.map((e) => e.train_seconds));
console.log(
  `workload ${workload}, ${threads} threads, ${rounds} rounds x ${epochs} epochs, ${cpus()[0]?.model ?? 'unknown CPU'}`,
);
console.log('| framework | median epoch (s) | samples/s | epoch times (s) |');
console.log('| --- | ---: | ---: | --- |');
console.log(
  `| deepscript (native) | ${o.toFixed(2)} | ${Math.round(median(ours.map((e) => e.samples_per_second)))} | ${ours.map((e) => e.train_seconds.toFixed(2)).join(', ')} |`,
);
console.log(
  `| PyTorch | ${t.toFixed(2)} | ${Math.round(median(theirs.map((e) => e.samples_per_second)))} | ${theirs.map((e) => e.train_seconds.toFixed(2)).join(', ')} |`,
);
console.log(`deepscript / PyTorch epoch time: ${(o / t).toFixed(2)}`);
