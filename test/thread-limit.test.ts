// Issue #15 item 1: when the OS refuses threads (a process limit), the native pool runs on the
// threads it could start and says so once (per count asked for), instead of aborting or deadlocking; setNumThreads has
// an upper bound. The limit is real: each child runs under `prlimit --nproc` (as user nobody when
// we are root, since root is exempt from RLIMIT_NPROC), with a time limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getNumThreads, setNumThreads } from '../src/backend/native/index.js';
import { nativeBackend } from './helpers/native.js';

const root = fileURLToPath(new URL('../src/', import.meta.url));

/** Trains a small model on the native backend and prints the pool's status and the losses. */
const CHILD = `
const ds = await import(${JSON.stringify(root + 'index.js')});
const native = await import(${JSON.stringify(root + 'backend/native/index.js')});
if (!native.loadNativeBackend().ok) throw new Error('no native backend');
ds.setBackend('native');
if (process.env.REQUEST) ds.setNumThreads(Number(process.env.REQUEST));
ds.setRandomSeed(0);
const x = ds.randomNormal([512, 64]);
const y = ds.randomNormal([512, 8]);
const model = new ds.Sequential([new ds.layers.Dense(256, { inputShape: [64], activation: 'relu' }), new ds.layers.Dense(8)]);
model.compile({ loss: 'mse', optimizer: 'adam' });
const h = await model.fit(x, y, { batchSize: 128, epochs: 2, verbose: 0 });
if (process.env.REQUEST) ds.setNumThreads(Number(process.env.REQUEST)); // asking again: no second warning
console.log(JSON.stringify({ status: native.nativeAddon().threadPoolStatus(), threads: ds.getNumThreads(), loss: h.history.loss }));
`;

function userTasks(uid: number): number {
  const r = spawnSync('ps', ['-L', '-u', String(uid), '--no-headers'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

/** Runs CHILD with at most `spare` more tasks than the user already has. */
function runLimited(env: Record<string, string>, spare: number) {
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? 65534 : process.getuid!();
  const limit = userTasks(uid) + spare;
  const drop = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const r = spawnSync('prlimit', [`--nproc=${limit}`, ...drop, process.execPath, '--input-type=module', '-e', CHILD], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return r;
}

function check(r: ReturnType<typeof runLimited>, requested: number, what: string): void {
  assert.equal(r.signal, null, `${what}: killed by ${r.signal} (timeout = deadlock?)\n${r.stderr}`);
  assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    status: { threads: number; requested: number; error: string };
    threads: number;
    loss: number[];
  };
  assert.equal(out.status.requested, requested, what);
  assert.ok(out.threads >= 1 && out.threads < requested, `${what}: runs on ${out.threads} threads`);
  assert.equal(out.status.threads, out.threads, what);
  assert.notEqual(out.status.error, '', `${what}: the OS's reason is kept`);
  assert.equal(out.loss.length, 2, what);
  assert.ok(out.loss.every(Number.isFinite) && out.loss[1]! < out.loss[0]!, `${what}: trained, losses ${out.loss}`);
  const warnings = r.stderr.split('\n').filter((l) => l.includes(`asked for ${requested} native threads`));
  assert.equal(warnings.length, 1, `${what}: one warning, got:\n${r.stderr}`);
  assert.match(
    warnings[0]!,
    new RegExp(`asked for ${requested} native threads, the system started only ${out.threads} `),
  );
}

test('setNumThreads(100) under a process limit: trains on the threads it got, warns once', () => {
  // Node itself needs about 7 tasks; 12 spare leaves a few for the pool, far fewer than 100.
  check(runLimited({ REQUEST: '100' }, 12), 100, 'setNumThreads(100)');
});

test('DEEPSCRIPT_NUM_THREADS=64 at start-up under a process limit: no abort, no deadlock', () => {
  check(runLimited({ DEEPSCRIPT_NUM_THREADS: '64' }, 12), 64, 'DEEPSCRIPT_NUM_THREADS=64');
});

test('setNumThreads refuses counts above the maximum, naming it; the pool is unchanged', () => {
  nativeBackend();
  const before = getNumThreads();
  assert.throws(() => setNumThreads(257), /setNumThreads: expected an integer from 1 to 256, got 257/);
  assert.throws(() => setNumThreads(1e9), /from 1 to 256/);
  assert.equal(getNumThreads(), before);
});
