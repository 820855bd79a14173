// The committed prebuilt/deepscript.wasm must come from the kernels in this checkout: it records
// the hash of the sources it was built from, and this test recomputes it. When it fails, a native
// source changed without `sh scripts/wasm-build.sh` (needs: apt-get install emscripten).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { wasmInfo } from '../src/backend/wasm/register.js';
import { wasmBackend } from './helpers/native.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('prebuilt/deepscript.wasm was built from the C++ sources in this checkout', () => {
  wasmBackend();
  const sources = readFileSync(`${root}scripts/wasm-sources.txt`, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const headers = readdirSync(`${root}native`)
    .filter((f) => f.endsWith('.h'))
    .map((f) => `native/${f}`);
  const files = [...sources, ...headers].sort();
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${f}\n`);
    h.update(readFileSync(`${root}${f}`));
  }
  assert.equal(
    wasmInfo()!.runtime.sourceHash(),
    h.digest('hex'),
    'the committed wasm module is stale: rebuild it with `sh scripts/wasm-build.sh`',
  );
});
