/**
 * Dataset load times: `datasets.reuters / imdb / mnist.loadData` with the lecture's options, each
 * against its own fresh, empty cache folder (DEEPSCRIPT_CACHE_DIR). One JSON line per phase:
 *   cold               first load in a new process, nothing cached (builds and writes the cache)
 *   warm_same_process  a second load right after, in that process
 *   warm_new_process   a load in another new process, from the cache the cold load wrote
 * "Cold" means deepscript's cache is empty, not that the OS page cache is: the raw npm data files
 * are usually in memory already. MNIST has no deepscript cache (it parses the IDX files each time).
 *
 *   npm run bench:datasets -- [--datasets reuters,imdb,mnist]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../examples/args.js';
import { imdb } from '../src/datasets/imdb.js';
import { mnist } from '../src/datasets/mnist.js';
import { reuters } from '../src/datasets/reuters.js';

/** The lecture's calls; each returns [train count, test count]. */
const LOADERS: Record<string, () => [number, number]> = {
  reuters: () => {
    const [[x], [xt]] = reuters.loadData({ numWords: 1000, testSplit: 0.2 });
    return [x.length, xt.length];
  },
  imdb: () => {
    const [[x], [xt]] = imdb.loadData({ numWords: 5000 });
    return [x.length, xt.length];
  },
  mnist: () => {
    const [[x], [xt]] = mnist.loadData();
    return [x.shape[0]!, xt.shape[0]!];
  },
};

function cacheBytes(dir: string): number {
  try {
    return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

/** Child: loads `name` `times` times in this process, one JSON line per load. */
function child(name: string, phases: string[]): void {
  const load = LOADERS[name]!;
  for (const phase of phases) {
    const t0 = process.hrtime.bigint();
    const [train, test] = load();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(
      JSON.stringify({
        dataset: name,
        phase,
        seconds: Number(seconds.toFixed(3)),
        train,
        test,
        cache_bytes: cacheBytes(process.env['DEEPSCRIPT_CACHE_DIR']!),
        rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
        load_avg_1min: Number(loadavg()[0]!.toFixed(2)),
      }),
    );
  }
}

const args = parseArgs();
if (args.has('child')) {
  child(args.get('child')!, args.get('phases')!.split(','));
} else {
  const names = (args.get('datasets') ?? 'reuters,imdb,mnist').split(',');
  for (const n of names) {
    if (!LOADERS[n]) throw new Error(`Unknown dataset '${n}'. Available: ${Object.keys(LOADERS).join(', ')}.`);
  }
  const self = fileURLToPath(import.meta.url);
  for (const name of names) {
    const cacheDir = mkdtempSync(join(tmpdir(), `deepscript-datasets-bench-${name}-`));
    try {
      for (const phases of ['cold,warm_same_process', 'warm_new_process']) {
        const r = spawnSync(process.execPath, [self, '--child', name, '--phases', phases], {
          env: { ...process.env, DEEPSCRIPT_CACHE_DIR: cacheDir },
          encoding: 'utf8',
        });
        if (r.status !== 0) throw new Error(`loading ${name} failed:\n${r.stderr}`);
        process.stdout.write(r.stdout);
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
}
