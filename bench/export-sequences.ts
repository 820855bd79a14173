/**
 * Exports a sequence workload's padded data for the PyTorch benchmarks (bench/compare.ts does
 * this itself; this is for running bench/pytorch/<workload>.py by hand):
 *
 *   npm run build --silent && node dist/bench/export-sequences.js --workload reuters|imdb [--out DIR]
 *
 * DIR defaults to <tmpdir>/deepscript-bench/<workload>, which is where the Python scripts look
 * when they get no --data.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../examples/args.js';
import { exportSequences } from './sequence-export.js';

const args = parseArgs();
const workload = args.get('workload') ?? 'reuters';
const out = args.get('out') ?? join(tmpdir(), 'deepscript-bench', workload);
const meta = exportSequences(workload, out);
console.log(JSON.stringify({ ...meta, dir: out }));
