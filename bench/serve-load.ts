/**
 * bench:serve: a bounded loopback load test of examples/serve.ts. Saves the lecture CNN (seed-0
 * weights, bench/infer-models.ts) as a `.keras` file, starts the server in a child process on
 * 127.0.0.1 (a free port), sends --requests POST /predict requests with --concurrency of them in
 * flight over keep-alive connections, and reports requests/s, the median and p99 latency, and the
 * server's RSS and heap (GET /stats, read every --sample-every requests): at the start (after the
 * warm-up), at the end, and the largest seen.
 *
 *   npm run bench:serve -- [--requests 100000] [--concurrency 1] [--format binary|json]
 *     [--threads 2] [--warmup 500] [--sample-every 2000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../src/io/index.js';
import { loadNativeBackend } from '../src/backend/native/index.js';
import { setBackend } from '../src/backend/registry.js';
import { parseArgs, intArg } from '../examples/args.js';
import { buildModel } from './infer-models.js';

const args = parseArgs(process.argv.slice(2));
for (const key of args.keys())
  if (!['requests', 'concurrency', 'format', 'threads', 'warmup', 'sample-every'].includes(key))
    throw new Error(
      `bench:serve: unknown option --${key} (use --requests, --concurrency, --format, --threads, --warmup, --sample-every).`,
    );
const total = intArg(args, 'requests', 100_000);
const concurrency = Math.max(1, intArg(args, 'concurrency', 1));
const warmup = intArg(args, 'warmup', 500);
const sampleEvery = Math.max(1, intArg(args, 'sample-every', 2000));
const threads = intArg(args, 'threads', 2);
const format = args.get('format') ?? 'binary';
if (format !== 'binary' && format !== 'json')
  throw new Error(`bench:serve: --format is binary or json, got '${format}'.`);

const loaded = loadNativeBackend({ silent: true });
if (!loaded.ok) throw new Error(`bench:serve needs the native backend: ${loaded.reason}`);
setBackend('native');

const dir = mkdtempSync(join(tmpdir(), 'deepscript-serve-'));
const modelPath = join(dir, 'lecture-cnn.keras');
await buildModel('cnn').save(modelPath);

const serverScript = fileURLToPath(new URL('../examples/serve.js', import.meta.url));
const child = spawn(
  process.execPath,
  [serverScript, '--model', modelPath, '--port', '0', '--threads', String(threads)],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const base = await new Promise<URL>((done, fail) => {
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => {
    out += s;
    const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
    if (m) done(new URL(m[1]!));
  });
  child.once('exit', (code) => fail(new Error(`bench:serve: the server exited (${code}) before listening: ${out}`)));
});

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const pixels = new Uint8Array(784);
for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
const body =
  format === 'binary'
    ? Buffer.from(pixels)
    : Buffer.from(JSON.stringify({ image: Array.from(pixels, (p) => p / 255) }), 'utf8');
const contentType = format === 'binary' ? 'application/octet-stream' : 'application/json';

function call(method: 'GET' | 'POST', path: string, payload?: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: base.port,
        path,
        method,
        agent,
        headers: payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

interface Stats {
  requests: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
}
const stats = async (): Promise<Stats> => JSON.parse((await call('GET', '/stats')).text) as Stats;

/** Sends `n` predictions, `concurrency` at a time; returns every latency in ms. */
async function load(n: number, onDone?: (i: number) => Promise<void>): Promise<number[]> {
  const ms = new Array<number>(n);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let i; (i = next++) < n;) {
      const t0 = performance.now();
      const r = await call('POST', '/predict', body);
      ms[i] = performance.now() - t0;
      if (r.status !== 200) throw new Error(`bench:serve: request ${i} got ${r.status}: ${r.text}`);
      done++;
      if (onDone) await onDone(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ms;
}

try {
  const first = JSON.parse((await call('POST', '/predict', body)).text) as { probabilities: number[] };
  if (first.probabilities?.length !== 10) throw new Error(`bench:serve: unexpected answer ${JSON.stringify(first)}`);
  await load(warmup);
  const start = await stats();
  const samples: Stats[] = [start];
  const t0 = performance.now();
  const ms = await load(total, async (i) => {
    if (i % sampleEvery === 0) samples.push(await stats());
  });
  const seconds = (performance.now() - t0) / 1000;
  const end = await stats();
  samples.push(end);
  const sorted = [...ms].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
  const max = (k: keyof Stats): number => Math.max(...samples.map((s) => s[k]));
  console.log(
    `bench:serve, ${new Date().toISOString()}, ${cpus()[0]?.model ?? '?'} x${cpus().length}, lecture CNN, ${format} bodies, ` +
      `${threads} threads, concurrency ${concurrency}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  console.log(
    `${total} requests in ${seconds.toFixed(1)} s: ${(total / seconds).toFixed(0)} requests/s, latency median ${q(0.5).toFixed(3)} ms, ` +
      `p99 ${q(0.99).toFixed(3)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`,
  );
  console.log(
    `server memory (MB): rss start ${mb(start.rss)}, end ${mb(end.rss)}, max ${mb(max('rss'))}; ` +
      `heapUsed start ${mb(start.heapUsed)}, end ${mb(end.heapUsed)}, max ${mb(max('heapUsed'))}; ` +
      `heapTotal start ${mb(start.heapTotal)}, end ${mb(end.heapTotal)}, max ${mb(max('heapTotal'))} ` +
      `(${samples.length} samples)`,
  );
} finally {
  agent.destroy();
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
