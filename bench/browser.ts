/**
 * bench:browser: in one headless Chromium page, the lecture MLP's training epoch (60000 MNIST
 * images, batch 200, Adam) on deepscript's wasm backend against TensorFlow.js's wasm backend
 * (@tensorflow/tfjs-backend-wasm, SIMD and threaded: the page is cross-origin isolated), the same
 * model and batch, alternating round by round. TensorFlow.js is installed into bench/browser/
 * only (install scripts off); it is not a dependency of deepscript.
 *
 *   npm run bench:browser -- [--rounds 3] [--samples 60000] [--threads 2]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startExampleServer } from '../examples/browser/server.js';
import { intArg, parseArgs } from '../examples/args.js';

const args = parseArgs();
const rounds = intArg(args, 'rounds', 3);
const samples = intArg(args, 'samples', 60000);
const threads = intArg(args, 'threads', 2);
const benchDir = join(process.cwd(), 'bench/browser');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(join(benchDir, 'node_modules/@tensorflow/tfjs-backend-wasm'))) {
  console.error('bench:browser: installing TensorFlow.js into bench/browser/ (install scripts off)...');
  execFileSync('npm', ['install', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund'], {
    cwd: benchDir,
    stdio: 'inherit',
  });
}

interface EpochResult {
  seconds: number;
  samplesPerSecond: number;
  loss: number;
  accuracy: number;
}
type Bench = {
  setup(o: { threads: number }): Promise<Record<string, unknown>>;
  epoch(which: string, n: number): Promise<EpochResult>;
};

const server = await startExampleServer({
  port: 0,
  mounts: { '/bench/': benchDir, '/tfjs/': join(benchDir, 'node_modules') },
});
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${server.url}bench/bench.html`);
  await page.waitForFunction(() => (globalThis as unknown as { bench?: Bench }).bench !== undefined, null, {
    timeout: 60_000,
  });
  const info = await page.evaluate(
    (t) => (globalThis as unknown as { bench: Bench }).bench.setup({ threads: t }),
    threads,
  );
  const epoch = (which: string, n: number): Promise<EpochResult> =>
    page.evaluate(
      ([w, k]) => (globalThis as unknown as { bench: Bench }).bench.epoch(w as string, k as number),
      [which, n],
    );
  const started = new Date().toISOString();
  const loadBefore = loadavg();
  // Warm-up: kernels compiled and first-use allocations made outside the timed rounds.
  await epoch('deepscript', 2000);
  await epoch('tfjs', 2000);
  const results: Record<string, EpochResult[]> = { deepscript: [], tfjs: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['deepscript', 'tfjs'] : ['tfjs', 'deepscript'];
    for (const which of order) {
      const res = await epoch(which, samples);
      results[which]!.push(res);
      console.log(JSON.stringify({ round: r, which, ...res }));
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const ds = median(results.deepscript!.map((e) => e.samplesPerSecond));
  const tf = median(results.tfjs!.map((e) => e.samplesPerSecond));
  console.log(
    JSON.stringify({
      summary: 'lecture MLP epoch, batch 200, Adam',
      samples,
      rounds,
      deepscriptSamplesPerSecond: Math.round(ds),
      tfjsSamplesPerSecond: Math.round(tf),
      ratio: Number((ds / tf).toFixed(2)),
      perRoundRatios: results.deepscript!.map((e, i) =>
        Number((e.samplesPerSecond / results.tfjs![i]!.samplesPerSecond).toFixed(2)),
      ),
      chromium: browser.version(),
      page: info,
      started,
      loadAverageBefore: loadBefore.map((l) => Number(l.toFixed(2))),
      loadAverageAfter: loadavg().map((l) => Number(l.toFixed(2))),
    }),
  );
} finally {
  await browser.close();
  await server.close();
}
