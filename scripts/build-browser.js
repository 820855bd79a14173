// The browser build (`npm run build:browser`, also part of `npm run build`): bundles the tsc output
// of src/browser.ts (core, wasm backend, in-memory io, browser-safe viz) into one ES module,
// dist/browser/deepscript.js, plus a lazily loaded chunk for HDF5 (h5wasm), and puts the wasm
// module and the type entry next to it. platform 'browser' makes any import of a Node built-in
// a build error, so nothing Node-only can slip into the bundle.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/browser');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  // The thread worker (page-thread.ts) is its own entry: loadWasm starts it by URL.
  entryPoints: {
    deepscript: join(root, 'dist/src/browser.js'),
    'deepscript-thread': join(root, 'dist/src/backend/wasm/page-thread.js'),
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  // h5wasm's browser build (in-memory files) in place of its Node build (real files).
  alias: { 'h5wasm/node': 'h5wasm' },
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  // Layer classes are looked up by constructor name when models are saved and loaded.
  keepNames: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(join(root, 'prebuilt/deepscript.wasm'), join(out, 'deepscript.wasm'));
copyFileSync(join(root, 'prebuilt/deepscript-mt.wasm'), join(out, 'deepscript-mt.wasm'));
writeFileSync(join(out, 'deepscript.d.ts'), "export * from '../src/browser.js';\n");
if (process.argv.includes('--verbose')) {
  for (const [file, info] of Object.entries(result.metafile.outputs)) console.log(`${file}: ${info.bytes} bytes`);
}
