// The native loader: registration under 'native', thread controls, and the message it gives
// when the addon is missing (the failure CI must surface rather than skip).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getBackend, listBackends } from '../src/backend/registry.js';
import { getNumThreads, loadNativeBackend, nativeInfo, setNumThreads } from '../src/backend/native/index.js';

test('loadNativeBackend registers the native backend without switching to it', () => {
  const before = getBackend();
  const r = loadNativeBackend({ silent: true });
  assert.ok(r.ok, `native addon did not build or load: ${r.ok ? '' : r.reason}`);
  assert.ok(listBackends().includes('native'));
  assert.equal(getBackend(), before);
  assert.deepEqual(loadNativeBackend(), r, 'idempotent');
  const info = nativeInfo();
  assert.ok(info && ['avx512', 'avx2', 'generic'].includes(info.cpuIsa));
});

test('setNumThreads / getNumThreads resize the pool', () => {
  assert.ok(loadNativeBackend({ silent: true }).ok);
  const n = getNumThreads();
  assert.ok(n >= 1);
  try {
    setNumThreads(1);
    assert.equal(getNumThreads(), 1);
    setNumThreads(3);
    assert.equal(getNumThreads(), 3);
  } finally {
    setNumThreads(n);
  }
  assert.throws(() => setNumThreads(0), /integer from 1 to 256/);
});

test('DEEPSCRIPT_NUM_THREADS sets the initial pool size', () => {
  const index = fileURLToPath(new URL('../src/backend/native/index.js', import.meta.url));
  const code = `import(${JSON.stringify(index)}).then((m) => { m.loadNativeBackend(); console.log(m.getNumThreads()); })`;
  const r = spawnSync(process.execPath, ['-e', code], {
    env: { ...process.env, DEEPSCRIPT_NUM_THREADS: '3' },
    encoding: 'utf8',
  });
  assert.equal(r.stdout.trim(), '3', r.stderr);
});

test('a missing addon is reported with the reason and what to install', () => {
  const index = fileURLToPath(new URL('../src/backend/native/index.js', import.meta.url));
  const code = `import(${JSON.stringify(index)}).then((m) => console.log(JSON.stringify(m.loadNativeBackend())))`;
  const r = spawnSync(process.execPath, ['-e', code], {
    env: { ...process.env, DEEPSCRIPT_NATIVE_ADDON: '/nonexistent/deepscript_native.node' },
    encoding: 'utf8',
  });
  const result = JSON.parse(r.stdout.trim()) as { ok: boolean; reason?: string };
  assert.equal(result.ok, false);
  assert.match(result.reason!, /not found/);
  assert.match(result.reason!, /apt-get install g\+\+ make python3/);
  assert.match(r.stderr, /DEEPSCRIPT_NATIVE_UNAVAILABLE|native CPU backend unavailable/, 'warns once on stderr');
});

test('the prebuilt linux-x64 addon in the package loads, with run-time CPU dispatch, and trains as js does', () => {
  if (process.platform !== 'linux' || process.arch !== 'x64') return; // it is built for that platform only
  const prebuilt = fileURLToPath(new URL('../../prebuilt/linux-x64-glibc/deepscript_native.node', import.meta.url));
  const entry = fileURLToPath(new URL('../src/index.js', import.meta.url));
  // Two training steps of a small MLP; the losses must match the js backend's to float32 rounding.
  const code = `import(${JSON.stringify(entry)}).then(async (m) => {
    const run = (backend) => {
      m.setBackend(backend);
      m.setRandomSeed(3);
      const x = m.randomNormal([64, 20]);
      const y = m.utils.toCategorical(m.tensor(Array.from({ length: 64 }, (_, i) => i % 4), [64], 'int32'), 4);
      const model = new m.Sequential([new m.layers.Dense(32, { inputDim: 20, activation: 'relu' }), new m.layers.Dense(4, { activation: 'softmax' })]);
      model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam' });
      return [0, 1].map(() => model.trainOnBatch(x, y)[0]);
    };
    console.log(JSON.stringify({ info: m.nativeInfo(), native: run('native'), js: run('js') }));
  })`;
  const r = spawnSync(process.execPath, ['-e', code], {
    env: { ...process.env, DEEPSCRIPT_NATIVE_ADDON: prebuilt },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { info: { path: string; cpuIsa: string }; native: number[]; js: number[] };
  assert.equal(out.info.path, prebuilt);
  assert.match(out.info.cpuIsa, /^(avx512|avx2|generic)$/);
  out.native.forEach((l, i) =>
    assert.ok(Math.abs(l - out.js[i]!) < 1e-5 * Math.max(1, Math.abs(out.js[i]!)), `step ${i}: ${l} vs ${out.js[i]}`),
  );
});
