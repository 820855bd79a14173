import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Sequential, Tensor, layers, loadModel, randomNormal, saveModel, setRandomSeed } from '../src/index.js';

// The browser bundle itself (dist/browser/, built by `npm run build`), imported into Node: its
// wasm backend, and its in-memory .keras loading and saving (h5wasm's browser build) against
// Node's file-based io on the same models. Chromium runs it in browser-example.test.ts.
const ROOT = process.cwd();
const BUNDLE_DIR = join(ROOT, 'dist/browser');

type Bundle = typeof import('../src/browser.js');
let ds: Bundle;
let dir: string;

before(async () => {
  ds = (await import(join(BUNDLE_DIR, 'deepscript.js'))) as Bundle;
  await ds.loadWasm(readFileSync(join(BUNDLE_DIR, 'deepscript.wasm')), { memoryMiB: 256 });
  dir = mkdtempSync(join(tmpdir(), 'ds-browser-bundle-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

function bundleFiles(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? bundleFiles(join(d, e.name)) : [join(d, e.name)],
  );
}

test('the bundle imports nothing from Node and ships the packaged wasm module', () => {
  const js = bundleFiles(BUNDLE_DIR).filter((f) => f.endsWith('.js'));
  assert.ok(js.length >= 2, `bundle files: ${js.join(', ')}`);
  for (const f of js) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /\b(?:from|import)\s*\(?\s*["']node:/, `${f} imports a Node built-in`);
    assert.doesNotMatch(
      text,
      /\brequire\(\s*["'](?:node:)?(?:fs|path|os|module|url|zlib)["']\s*\)/,
      `${f} requires Node`,
    );
  }
  assert.deepEqual(
    readFileSync(join(BUNDLE_DIR, 'deepscript.wasm')),
    readFileSync(join(ROOT, 'prebuilt/deepscript.wasm')),
  );
  assert.match(readFileSync(join(BUNDLE_DIR, 'deepscript.d.ts'), 'utf8'), /'..\/src\/browser\.js'/);
});

test('loadWasm switches to wasm; tensors made there live in the module memory, so kernels copy nothing', async () => {
  assert.equal(ds.getBackend(), 'wasm');
  const runtime = await ds.loadWasm();
  assert.equal(runtime, ds.wasmInfo()!.runtime, 'a second call returns the same module');
  const a = ds.randomNormal([64, 128]);
  // Arrays of 16 KiB and more are resident (smaller ones stay on the JS heap).
  const b = ds.randomNormal([128, 64]);
  assert.ok(runtime.isResident(a.data) && runtime.isResident(b.data));
  const before = runtime.copiedBytes;
  const c = ds.matmul(a, b);
  assert.equal(runtime.copiedBytes, before, 'matmul of resident tensors copied bytes');
  assert.ok(runtime.isResident(c.data));
  // The product is right (against a plain loop on the same numbers).
  const [x, y, z] = [a.data, b.data, c.data];
  for (const [i, j] of [
    [0, 0],
    [17, 5],
    [63, 63],
  ] as const) {
    let s = 0;
    for (let k = 0; k < 128; k++) s += x[i * 128 + k]! * y[k * 64 + j]!;
    assert.ok(Math.abs(z[i * 64 + j]! - s) < 1e-4, `c[${i},${j}] = ${z[i * 64 + j]}, want ${s}`);
  }
  await assert.rejects(() => ds.loadWasm(undefined, { memoryMib: 64 } as never), /loadWasm: .*memoryMib/);
});

/** A small trained model in Node (native backend) and an input batch. */
async function nodeModel(): Promise<{ model: Sequential; x: Float32Array }> {
  setRandomSeed(3);
  const model = new Sequential();
  model.add(new layers.Conv2D(4, [3, 3], { inputShape: [6, 6, 1], activation: 'relu' }));
  model.add(new layers.Flatten());
  model.add(new layers.Dense(5, { activation: 'softmax' }));
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const x = randomNormal([16, 6, 6, 1]);
  const labels = new Float32Array(16 * 5);
  for (let i = 0; i < 16; i++) labels[i * 5 + (i % 5)] = 1;
  await model.fit(x, new Tensor(labels, [16, 5]), { epochs: 2, batchSize: 8, verbose: 0 });
  return { model, x: new Float32Array(x.data) };
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test('a .keras saved by Node loads from bytes in the bundle, and one saved by the bundle loads in Node', async () => {
  const { model, x } = await nodeModel();
  const want = Array.from(model.predict(new Tensor(x, [16, 6, 6, 1])).data);
  const file = join(dir, 'node.keras');
  await saveModel(model, file);

  const inBundle = await ds.loadModel(readFileSync(file));
  assert.deepEqual(
    inBundle.layers.map((l) => l.name),
    model.layers.map((l) => l.name),
  );
  assert.ok(inBundle.optimizer, 'compiled from the saved compile config');
  assertClose(inBundle.predict(new ds.Tensor(new Float32Array(x), [16, 6, 6, 1])).data, want, 'bundle predict');
  // The same through an ArrayBuffer and through a Blob-like object with a name.
  const bytes = readFileSync(file);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  assert.equal((await ds.loadModel(ab)).layers.length, 3);
  assert.equal((await ds.loadModel({ name: 'm.keras', arrayBuffer: async () => ab } as never)).layers.length, 3);

  const back = await ds.modelToBytes(inBundle);
  assert.deepEqual([...back.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
  const file2 = join(dir, 'bundle.keras');
  writeFileSync(file2, back);
  const again = await loadModel(file2);
  assertClose(again.predict(new Tensor(x, [16, 6, 6, 1])).data, want, 'Node predict of the bundle-saved model');
  assert.ok(again.optimizer);
  // Without the optimizer, the archive has no compile config: the model loads uncompiled.
  const bare = join(dir, 'bare.keras');
  writeFileSync(bare, await ds.modelToBytes(inBundle, { includeOptimizer: false }));
  assert.equal((await loadModel(bare)).optimizer, null);
});

test('the bundle refuses damaged bytes, legacy .h5, unknown options and downloads without a document', async () => {
  const { model } = await nodeModel();
  const file = join(dir, 'm.keras');
  await saveModel(model, file);
  const good = readFileSync(file);

  // A flipped byte inside the stored weights fails the zip entry's CRC-32.
  const bad = Buffer.from(good);
  bad[Math.floor(bad.length / 2)] ^= 0x40;
  await assert.rejects(
    () => ds.loadModel(bad),
    (e: Error) => e.name === 'DamagedFileError' && /Damaged or invalid file '<bytes>'/.test(e.message),
  );
  await assert.rejects(() => ds.loadModel(good.subarray(0, good.length - 100)), { name: 'DamagedFileError' });
  await assert.rejects(() => ds.loadModel(new Uint8Array(64)), /neither a \.keras \(zip\) archive nor an HDF5 file/);

  const h5 = join(dir, 'm.h5');
  await saveModel(model, h5);
  await assert.rejects(
    () => ds.loadModel(readFileSync(h5)),
    /legacy HDF5 \(\.h5\) model; the browser build reads Keras 3 \.keras/,
  );

  await assert.rejects(() => ds.loadModel(good, { compiled: false } as never), /loadModel: .*compiled/);
  await assert.rejects(() => ds.loadModel(42 as never), /expected a URL, an ArrayBuffer/);
  await assert.rejects(() => ds.saveModel(model as never, 'm.h5'), /\.keras archives only; 'm\.h5'/);
  await assert.rejects(() => ds.saveModel(model as never), /no document .*modelToBytes/);
  await assert.rejects(
    () => ds.modelToBytes(model as never, { include_optimizer: false } as never),
    /includeOptimizer/,
  );
});
