import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/; the entry point is dist/src/index.js.
const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.js');

function backendWith(value: string | undefined): { out: string; err: string } {
  const env = { ...process.env };
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
  assert.match(backendWith('gpu').err, /DEEPSCRIPT_BACKEND must be 'js' or 'native', got 'gpu'/);
});
