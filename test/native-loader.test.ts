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
