import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/; the entry point is dist/src/index.js.
const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.js');

function backendWith(value: string | undefined, extra: Record<string, string> = {}): { out: string; err: string } {
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  delete env['DEEPSCRIPT_BACKEND'];
  if (value !== undefined) env['DEEPSCRIPT_BACKEND'] = value;
  const script = `import(${JSON.stringify(entry)}).then((m) => console.log(m.getBackend()), (e) => { console.error(e.message); process.exit(3); });`;
  const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  return { out: r.stdout.trim(), err: r.stderr.trim() };
}

test('the native backend is the default when its addon is built (CI always builds it)', () => {
  assert.equal(backendWith(undefined).out, 'native');
  assert.equal(backendWith('').out, 'native');
});

test('DEEPSCRIPT_BACKEND chooses, and a bad value is a clear error', () => {
  assert.equal(backendWith('js').out, 'js');
  assert.equal(backendWith('native').out, 'native');
  assert.equal(backendWith('wasm').out, 'wasm');
  assert.match(backendWith('gpu').err, /DEEPSCRIPT_BACKEND must be 'js', 'wasm' or 'native', got 'gpu'/);
});

test('without the addon the order goes on to wasm, saying once why; without both, to js', () => {
  const noAddon = { DEEPSCRIPT_NATIVE_ADDON: '/nonexistent/deepscript_native.node' };
  const wasm = backendWith(undefined, noAddon);
  assert.equal(wasm.out, 'wasm');
  assert.match(wasm.err, /native CPU backend unavailable, using the 'wasm' backend .*nonexistent/);
  assert.equal(wasm.err.match(/DEEPSCRIPT_NATIVE_UNAVAILABLE/g)?.length, 1, wasm.err);
  const neither = backendWith(undefined, { ...noAddon, DEEPSCRIPT_WASM_MEMORY_MIB: '8' });
  assert.equal(neither.out, 'js');
  assert.match(neither.err, /DEEPSCRIPT_WASM_MEMORY_MIB must be an integer from 16 to 4095, got '8'/);
  // setBackend('wasm') compiles the module on first use when another backend was chosen at start.
  const script = `import(${JSON.stringify(entry)}).then((m) => { m.setBackend('wasm'); console.log(m.getBackend(), m.listBackends().join()); });`;
  const r = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, DEEPSCRIPT_BACKEND: 'js' },
    encoding: 'utf8',
  });
  assert.equal(r.stdout.trim(), 'wasm js,wasm');
});
