// Issue #15 items 4-8 and 12: hostile and damaged model files. Loads that could exhaust memory
// run in child processes under `prlimit --data` (a cap on the heap and every typed array) and a
// time limit, so a regression fails the test instead of the runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import '../src/ops/tensor-methods.js';
import { Sequential, layers, setRandomSeed } from '../src/core.js';
import { DamagedFileError, loadModel, loadWeights, modelFromJSON, saveModel, saveWeights } from '../src/io/index.js';
import { h5Ready, memberNames, withH5Read } from '../src/io/h5-file.js';
import { STALE_AFTER_MS, cleanStaleTemps } from '../src/io/atomic-write.js';
import { cleanStaleScratch } from '../src/io/keras-zip.js';
import { TRAILER_BYTES } from '../src/io/damaged.js';
import { randomNormal, zeros } from '../src/ops/creation.js';
import { craftZip, deflatedZeros } from './helpers/zip-craft.js';
import type { Model } from '../src/models/model.js';

const dir = mkdtempSync(join(tmpdir(), 'io-hostile-'));
const index = fileURLToPath(new URL('../src/index.js', import.meta.url));

function small(): Sequential {
  setRandomSeed(1);
  const m = new Sequential();
  m.add(new layers.Dense(8, { inputDim: 4, name: 'dense' }));
  m.add(new layers.Dense(2, { name: 'dense_1' }));
  return m;
}

const weightsOf = (m: Model): number[][] => m.layers.flatMap((l) => l.weights.map((w) => Array.from(w.data)));

/** Runs ESM code (with `ds` = deepscript) under a data-size cap and a time limit. */
function runChild(code: string, dataMB: number, env: Record<string, string> = {}) {
  const script = `const ds = await import(${JSON.stringify(index)});\n${code}`;
  return spawnSync(
    'prlimit',
    [`--data=${dataMB * 1024 * 1024}`, process.execPath, '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } },
  );
}

/** A weights-only legacy file whose kernel is an HDF5 link (external to `target`, or soft). */
async function linkedWeightsFile(kind: 'external' | 'soft', target: string): Promise<string> {
  await h5Ready();
  const path = join(dir, `${kind}-link.h5`);
  const f = new h5wasm.File(path, 'w');
  f.create_attribute('layer_names', ['dense', 'dense_1']);
  const g = f.create_group('dense');
  g.create_attribute('weight_names', ['dense/kernel:0', 'dense/bias:0']);
  const inner = g.create_group('dense');
  if (kind === 'external') inner.create_external_link(target, '/secret', 'kernel:0');
  else {
    f.create_dataset({ name: 'elsewhere', data: new Float32Array(32).fill(7), shape: [4, 8], dtype: '<f4' });
    inner.create_soft_link('/elsewhere', 'kernel:0');
  }
  inner.create_dataset({ name: 'bias:0', data: new Float32Array(8), shape: [8], dtype: '<f4' });
  const g1 = f.create_group('dense_1');
  g1.create_attribute('weight_names', ['dense_1/kernel:0', 'dense_1/bias:0']);
  const inner1 = g1.create_group('dense_1');
  inner1.create_dataset({ name: 'kernel:0', data: new Float32Array(16), shape: [8, 2], dtype: '<f4' });
  inner1.create_dataset({ name: 'bias:0', data: new Float32Array(2), shape: [2], dtype: '<f4' });
  f.close();
  return path;
}

test('item 4: a weight that is an HDF5 external or soft link is refused; the other file is never read', async () => {
  await h5Ready();
  const secret = join(dir, 'secret.h5');
  const s = new h5wasm.File(secret, 'w');
  s.create_dataset({ name: 'secret', data: new Float32Array(32).fill(42), shape: [4, 8], dtype: '<f4' });
  s.close();
  const m = small();
  const before = weightsOf(m);
  const ext = await linkedWeightsFile('external', secret);
  await assert.rejects(loadWeights(m, ext), (e: unknown) => {
    assert.ok(e instanceof DamagedFileError, String(e));
    assert.match(e.message, /external link to '.*secret\.h5'.*reads only the file named/);
    assert.equal(e.file, ext);
    return true;
  });
  const soft = await linkedWeightsFile('soft', secret);
  await assert.rejects(loadWeights(m, soft), { name: 'DamagedFileError', message: /soft link \(to '\/elsewhere'\)/ });
  assert.deepEqual(weightsOf(m), before, 'the model is untouched');
});

test('item 4: while a model file is read, HDF5 can open no other file (the guard under the link checks)', async () => {
  const a = join(dir, 'guard-a.weights.h5');
  const b = join(dir, 'guard-b.weights.h5');
  await saveWeights(small(), a);
  await saveWeights(small(), b);
  await assert.rejects(
    withH5Read(a, a, () => new h5wasm.File(b, 'r')),
    { name: 'DamagedFileError', message: /refers to another file \('.*guard-b\.weights\.h5'/ },
  );
  // Outside a guarded read, and for the file itself, opening works.
  assert.ok((await withH5Read(b, b, (f) => memberNames(f))).includes('layers'));
});

test('item 5: a .keras with an unused 200 MB entry and entries declaring 4 GB loads in bounded memory', () => {
  const good = join(dir, 'good.keras');
  const m = small();
  return saveModel(m, good).then(() => {
    const entries = unzipSync(new Uint8Array(readFileSync(good)));
    const matches = 812_800; // 1 + 258 * 812,800 = 209,702,401 zero bytes
    const hostile = craftZip([
      ...Object.entries(entries).map(([name, data]) => ({ name, data })),
      // Never read, so its CRC (left 0 here) is never checked either.
      { name: 'junk.bin', data: deflatedZeros(matches), method: 8, crc: 0, size: 1 + 258 * matches },
      { name: 'claims-4gb-a.bin', data: new Uint8Array(10), method: 8, crc: 0, size: 0xfffffffe },
      { name: 'claims-4gb-b.bin', data: new Uint8Array(10), method: 8, crc: 0, size: 0xfffffffe },
    ]);
    assert.ok(hostile.length < 2_000_000);
    const path = join(dir, 'hostile-junk.keras');
    writeFileSync(path, hostile);
    const r = runChild(
      // The js backend, as this process uses: native predict's one-row Dense kernel sums in another order.
      `const m = await ds.loadModel(${JSON.stringify(path)});
       ds.setBackend('js');
       const y = m.predict(ds.ones([1, 4]));
       console.log(JSON.stringify({ y: Array.from(y.data), rss: process.resourceUsage().maxRSS / 1024 }));`,
      1024,
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { y: number[]; rss: number };
    assert.deepEqual(out.y, Array.from(m.predict(randomNormal([1, 4]).mul(0).add(1)).data));
    assert.ok(out.rss < 180, `peak RSS ${out.rss} MB: the unused entry must not be inflated`);
  });
});

test('item 5: config.json or weights declaring more than the budget are refused before being read', async () => {
  const good = join(dir, 'budget.keras');
  await saveModel(small(), good);
  const entries = unzipSync(new Uint8Array(readFileSync(good)));
  const lie = (name: string, size: number) =>
    craftZip(
      Object.entries(entries).map(([n, data]) =>
        n === name ? { name: n, data: deflatedZeros(1), method: 8 as const, crc: 0, size } : { name: n, data },
      ),
    );
  const bigConfig = join(dir, 'big-config.keras');
  writeFileSync(bigConfig, lie('config.json', 2 ** 31));
  await assert.rejects(loadModel(bigConfig), {
    name: 'DamagedFileError',
    message: /entry 'config\.json' declares 2147483648 bytes, more than the 67108864 bytes allowed/,
  });
  const bigWeights = join(dir, 'big-weights.keras');
  writeFileSync(bigWeights, lie('model.weights.h5', 0xfffffffe));
  await assert.rejects(
    loadModel(bigWeights),
    /entry 'model\.weights\.h5' declares 4294967294 bytes, more than the 2147483648/,
  );
  // The budget is an option: a sound file over a small budget is refused, under it loads.
  await assert.rejects(
    loadModel(good, { maxConfigBytes: 100 }),
    /config\.json' declares \d+ bytes, more than the 100 bytes/,
  );
  await assert.rejects(loadModel(good, { maxBytes: 100 }), /more than the 100 bytes allowed/);
  await loadModel(good, { maxBytes: 1 << 20 });
});

test('item 5: a config asking for a 4 GB kernel while the weights say [4, 8] fails before allocating it', async () => {
  const good = join(dir, 'shape.keras');
  await saveModel(small(), good);
  const entries = unzipSync(new Uint8Array(readFileSync(good)));
  const config = JSON.parse(new TextDecoder().decode(entries['config.json'])) as { config: { layers: unknown[] } };
  const text = JSON.stringify(config)
    .replace(/"batch_shape":\[null,4\]/, '"batch_shape":[null,1000000]')
    .replace(/"units":8,/, '"units":1000,');
  assert.notEqual(text, JSON.stringify(config));
  const path = join(dir, 'huge-kernel.keras');
  writeFileSync(
    path,
    craftZip(
      Object.entries(entries).map(([name, data]) => ({
        name,
        data: name === 'config.json' ? new TextEncoder().encode(text) : data,
      })),
    ),
  );
  // 1,000,000 x 1000 float32 is 4 GB: under a 1 GB cap a regression dies here instead of the runner.
  const r = runChild(
    `try { await ds.loadModel(${JSON.stringify(path)}); console.log('loaded'); }
     catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message, rss: process.resourceUsage().maxRSS / 1024 })); }`,
    1024,
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { name: string; message: string; rss: number };
  assert.equal(out.name, 'DamagedFileError');
  assert.match(
    out.message,
    /huge-kernel\.keras': layer 'dense' \(Dense\): its model config asks for 1000000000 float32 values \(4\.0 GB\)/,
  );
  assert.match(out.message, /file's weights hold 58 values in all \(the largest 32\)/);
  assert.ok(out.rss < 300, `peak RSS ${out.rss} MB`);
});

test('item 6: layer names that cannot be stored are refused at save, naming them; nothing is written', async () => {
  for (const name of ['', 'a\u0000b', '.', '/abs', 'a//b', '../up']) {
    for (const ext of ['h5', 'keras', 'weights.h5']) {
      const m = new Sequential();
      m.add(new layers.Dense(2, { inputDim: 3, name }));
      const path = join(dir, `badname-${ext}-${Math.random().toString(36).slice(2)}.${ext}`);
      const save = ext === 'weights.h5' ? saveWeights(m, path) : saveModel(m, path);
      await assert.rejects(save, (e: Error) => e.message.includes(`cannot store layer name ${JSON.stringify(name)}`));
      assert.ok(!existsSync(path), `${path} written`);
    }
  }
  // Keras 2's nested groups for '/' still round-trip.
  const m = new Sequential();
  m.add(new layers.Dense(2, { inputDim: 3, name: 'block/dense' }));
  const path = join(dir, 'nested.h5');
  await saveModel(m, path);
  const back = await loadModel(path);
  assert.deepEqual(weightsOf(back), weightsOf(m));
});

test('item 7: one flipped byte in a .keras entry or an .h5 weight is a DamagedFileError (CRC-32)', async () => {
  const m = small();
  const keras = join(dir, 'crc.keras');
  await saveModel(m, keras);
  const kb = readFileSync(keras);
  const at = kb.indexOf('"units"');
  kb[at + 1] ^= 0x20;
  const badKeras = join(dir, 'crc-bad.keras');
  writeFileSync(badKeras, kb);
  await assert.rejects(loadModel(badKeras), {
    name: 'DamagedFileError',
    message: /entry 'config\.json' fails its CRC-32 check/,
  });
  const h5 = join(dir, 'crc.h5');
  await saveModel(m, h5);
  const hb = readFileSync(h5);
  // A byte of the first kernel: its float32 values are in the file as they are in memory.
  const k = Buffer.from(m.layers[0]!.weights[0]!.data.buffer, m.layers[0]!.weights[0]!.data.byteOffset, 16);
  const pos = hb.indexOf(k);
  assert.ok(pos > 0);
  hb[pos + 2] ^= 0x01;
  const badH5 = join(dir, 'crc-bad.h5');
  writeFileSync(badH5, hb);
  await assert.rejects(loadModel(badH5), { name: 'DamagedFileError', message: /crc-bad\.h5': CRC-32 mismatch/ });
  // Without the trailer (as Keras writes files) the same flip loads: that is what the trailer buys.
  const noTrailer = join(dir, 'crc-keras-written.h5');
  writeFileSync(noTrailer, hb.subarray(0, hb.length - TRAILER_BYTES));
  const loaded = await loadModel(noTrailer);
  assert.notDeepEqual(weightsOf(loaded), weightsOf(m));
});

test('item 8: stale temp files and scratch folders of dead processes are removed by the next save (after a minute untouched)', async () => {
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout.trim());
  const folder = join(dir, 'litter');
  mkdirSync(folder);
  const stale = [`.m.h5.${deadPid}.abc123.tmp`, `.other.keras.${deadPid}.zz9.tmp`];
  const keep = [`.m.h5.${process.pid}.live01.tmp`, `.m.h5.1.init01.tmp`, 'notes.tmp', '.m.h5.tmp'];
  const old = (Date.now() - 2 * STALE_AFTER_MS) / 1000;
  for (const n of [...stale, ...keep]) {
    writeFileSync(join(folder, n), 'x');
    utimesSync(join(folder, n), old, old);
  }
  // A dead-looking pid whose file is fresh may be a writer we cannot see (another host): kept.
  const fresh = `.m.h5.${deadPid}.fresh1.tmp`;
  writeFileSync(join(folder, fresh), 'x');
  keep.push(fresh);
  const scratchRoot = join(dir, 'scratch');
  for (const d of [
    `deepscript-keras-${deadPid}-AbC123`,
    `deepscript-keras-${process.pid}-XyZ789`,
    'deepscript-keras-Qw3rty',
  ]) {
    mkdirSync(join(scratchRoot, d), { recursive: true });
    utimesSync(join(scratchRoot, d), old, old);
  }
  await saveModel(small(), join(folder, 'm.h5'));
  const left = readdirSync(folder).sort();
  assert.deepEqual(left, [...keep, 'm.h5'].sort());
  cleanStaleScratch(scratchRoot);
  assert.deepEqual(
    readdirSync(scratchRoot).sort(),
    [`deepscript-keras-${process.pid}-XyZ789`, 'deepscript-keras-Qw3rty'].sort(),
  );
  cleanStaleTemps(folder); // idempotent
  assert.equal(readdirSync(folder).length, left.length);
});

test('item 8: a save killed mid-write leaves a temp file that the next save removes', async () => {
  const folder = join(dir, 'killed');
  mkdirSync(folder);
  const path = join(folder, 'big.keras');
  // The child writes the temp file and is killed (SIGKILL) from inside the write, before the rename.
  const r = runChild(
    `const io = await import(${JSON.stringify(fileURLToPath(new URL('../src/io/atomic-write.js', import.meta.url)))});
     await io.writeAtomic(${JSON.stringify(path)}, (tmp) => { (await import('node:fs')).writeFileSync(tmp, 'partial'); process.kill(process.pid, 'SIGKILL'); });`.replace(
      '(tmp) => { (await',
      'async (tmp) => { (await',
    ),
    512,
  );
  assert.equal(r.signal, 'SIGKILL');
  const litter = readdirSync(folder);
  assert.equal(litter.length, 1);
  assert.match(litter[0]!, /^\.big\.keras\.\d+\.[0-9a-z]+\.tmp$/);
  // Left untouched for longer than STALE_AFTER_MS (simulated), it counts as litter.
  const old = (Date.now() - 2 * STALE_AFTER_MS) / 1000;
  utimesSync(join(folder, litter[0]!), old, old);
  await saveModel(small(), path);
  assert.deepEqual(readdirSync(folder), ['big.keras']);
});

test('item 12: damaged HDF5 gives a DamagedFileError and nothing on stderr; .keras errors name the .keras', async () => {
  const m = small();
  const h5 = join(dir, 'diag.h5');
  await saveModel(m, h5);
  const b = readFileSync(h5);
  // A file Keras wrote has no trailer; damage its object headers (after the superblock).
  const foreign = Buffer.from(b.subarray(0, b.length - TRAILER_BYTES));
  for (let i = 96; i < Math.min(foreign.length, 2000); i += 7) foreign[i] ^= 0xa5;
  const path = join(dir, 'diag-damaged.h5');
  writeFileSync(path, foreign);
  const r = runChild(
    `try { await ds.loadModel(${JSON.stringify(path)}); console.log(JSON.stringify({ loaded: true })); }
     catch (e) { console.log(JSON.stringify({ name: e.name, file: e.file, message: e.message })); }`,
    1024,
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { name: string; file: string; message: string };
  assert.equal(out.name, 'DamagedFileError', out.message);
  assert.equal(out.file, path);
  assert.equal(r.stderr, '', 'HDF5 diagnostics must not reach stderr');

  // Weights damaged inside a .keras whose zip is sound (CRC recomputed): the error names the .keras.
  const keras = join(dir, 'inner.keras');
  await saveModel(m, keras);
  const entries = unzipSync(new Uint8Array(readFileSync(keras)));
  const w = entries['model.weights.h5']!;
  const bad = new Uint8Array(w);
  for (let i = 100; i < 400; i++) bad[i] ^= 0xff;
  const inner = join(dir, 'inner-bad.keras');
  writeFileSync(
    inner,
    craftZip(Object.entries(entries).map(([name, data]) => ({ name, data: name === 'model.weights.h5' ? bad : data }))),
  );
  await assert.rejects(loadModel(inner), (e: unknown) => {
    assert.ok(e instanceof DamagedFileError);
    assert.equal(e.file, inner);
    assert.match(e.message, /inner-bad\.keras': model\.weights\.h5: CRC-32 mismatch/);
    assert.doesNotMatch(e.message, /deepscript-keras-/);
    return true;
  });
});

test('item 12: oversize shapes name the shape; a deeply nested config is refused without a stack overflow', () => {
  assert.throws(
    () => zeros([2_000_000, 2_000_000]),
    (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /Cannot allocate 4000000000000 float32 values \(16\.0 TB\).*shape \[2000000, 2000000\]/);
      return true;
    },
  );
  const deep = '['.repeat(200_000) + ']'.repeat(200_000);
  const json = `{"class_name":"Sequential","config":{"layers":[{"class_name":"Dense","config":{"units":${deep}}}]}}`;
  assert.throws(() => modelFromJSON(json), /The model config nests deeper than 200 levels/);
});
