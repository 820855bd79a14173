// The committed prebuilt/deepscript.wasm and prebuilt/deepscript-mt.wasm must come from the kernels
// in this checkout: each records the hash of the sources it was built from, and this test
// recomputes it. When it fails, a native source changed without `sh scripts/wasm-build.sh` (needs:
// apt-get install emscripten).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instantiateWasmSync } from '../src/backend/wasm/wasm-backend.js';
import { WASM_FILE, WASM_MT_FILE } from '../src/backend/wasm/node.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Each module's thread pool, as scripts/wasm-build.sh adds it to the kernels of scripts/wasm-sources.txt.
const ST_POOL = ['native/wasm/thread_pool_single.cc'];
const MT_POOL = ['native/thread_pool.cc', 'native/wasm/threads.cc'];

function sourcesHash(pool: readonly string[]): string {
  const kernels = readFileSync(`${root}scripts/wasm-sources.txt`, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const sources = [...kernels, ...pool];
  const headers = readdirSync(`${root}native`)
    .filter((f) => f.endsWith('.h'))
    .map((f) => `native/${f}`);
  const files = [...sources, ...headers].sort();
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${f}\n`);
    h.update(readFileSync(`${root}${f}`));
  }
  return h.digest('hex');
}

test('prebuilt/deepscript.wasm was built from the C++ sources in this checkout', () => {
  const rt = instantiateWasmSync(readFileSync(WASM_FILE), { memoryMiB: 16 });
  assert.equal(rt.threaded, false);
  assert.equal(
    rt.sourceHash(),
    sourcesHash(ST_POOL),
    'the committed wasm module is stale: rebuild it with `sh scripts/wasm-build.sh st`',
  );
});

test('prebuilt/deepscript-mt.wasm was built from the C++ sources in this checkout', () => {
  // No thread host: the pool never starts a worker (it is not asked to run anything here).
  const rt = instantiateWasmSync(readFileSync(WASM_MT_FILE), { memoryMiB: 16 });
  assert.equal(rt.threaded, true);
  assert.equal(
    rt.sourceHash(),
    sourcesHash(MT_POOL),
    'the committed threaded wasm module is stale: rebuild it with `sh scripts/wasm-build.sh mt`',
  );
});
