/**
 * bench:browser: in one headless Chromium page, the lecture MLP's training epoch (60000 MNIST
 * images, batch 200, Adam) on deepscript's wasm backend against TensorFlow.js's wasm backend
 * (@tensorflow/tfjs-backend-wasm, SIMD and threaded: the page is cross-origin isolated), the same
 * model and batch, alternating round by round. TensorFlow.js is installed into bench/browser/
 * only (install scripts off); it is not a dependency of deepscript.
 *
 *   npm run bench:browser -- [--rounds 3] [--samples 60000] [--threads 2] [--model mlp|cnn]
 *
 * --model cnn times the lecture CNN instead (batch 200, Adam). TF.js's wasm backend has no
 * Conv2DBackpropFilter kernel, so its CNN epoch fails; the runner then reports its error and
 * times deepscript alone.
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
const modelName = args.get('model') ?? 'mlp';
if (modelName !== 'mlp' && modelName !== 'cnn') throw new Error(`--model must be 'mlp' or 'cnn', got '${modelName}'.`);
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
  epoch(which: string, n: number, model: string): Promise<EpochResult>;
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
      ([w, k, m]) => (globalThis as unknown as { bench: Bench }).bench.epoch(w as string, k as number, m as string),
      [which, n, modelName] as const,
    );
  const started = new Date().toISOString();
  const loadBefore = loadavg();
  // Warm-up: kernels compiled and first-use allocations made outside the timed rounds.
  await epoch('deepscript', 2000);
  // TF.js's wasm backend cannot train the CNN: its error is reported and deepscript runs alone.
  let tfjsError: string | null = null;
  try {
    await epoch('tfjs', modelName === 'cnn' ? 400 : 2000);
  } catch (e) {
    tfjsError = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    console.log(JSON.stringify({ which: 'tfjs', model: modelName, error: tfjsError }));
  }
  const contenders = tfjsError ? ['deepscript'] : ['deepscript', 'tfjs'];
  const results: Record<string, EpochResult[]> = { deepscript: [], tfjs: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const which of order) {
      const res = await epoch(which, samples);
      results[which]!.push(res);
      console.log(JSON.stringify({ round: r, which, model: modelName, ...res }));
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const ds = median(results.deepscript!.map((e) => e.samplesPerSecond));
  const tf = tfjsError ? null : median(results.tfjs!.map((e) => e.samplesPerSecond));
  console.log(
    JSON.stringify({
      summary: `lecture ${modelName.toUpperCase()} epoch, batch 200, Adam`,
      samples,
      rounds,
      deepscriptSamplesPerSecond: Math.round(ds),
      tfjsSamplesPerSecond: tf === null ? null : Math.round(tf),
      tfjsError,
      ratio: tf === null ? null : Number((ds / tf).toFixed(2)),
      perRoundRatios:
        tf === null
          ? null
          : results.deepscript!.map((e, i) =>
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
