import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CacheContent } from '../src/datasets/cache.js';
import { cached, readCache, resolveCacheDir, writeCache } from '../src/datasets/cache.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'deepscript-cache-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const sample = (): CacheContent => ({
  meta: { documents: 3, note: 'ünïcode' },
  arrays: { a: Int32Array.from([1, -2, 3]), empty: new Int32Array(0), b: Int32Array.from([2147483647, -2147483648]) },
  blobs: { words: 'the\nof\nkırk', none: '' },
});

test('round-trip: arrays, blobs and meta come back identical', () => {
  const path = join(tmp, 'nested', 'deeper', 'rt.dscache'); // folders are created
  writeCache(path, 'kind', 'recipe-1', sample());
  const back = readCache(path, 'kind', 'recipe-1');
  assert.ok(back);
  assert.deepEqual(back.meta, sample().meta);
  assert.deepEqual(back.arrays, sample().arrays);
  assert.deepEqual(back.blobs, sample().blobs);
});

test('misses: absent file, other kind, other recipe', () => {
  const path = join(tmp, 'miss.dscache');
  assert.equal(readCache(path, 'kind', 'r'), null);
  writeCache(path, 'kind', 'r', sample());
  assert.equal(readCache(path, 'other', 'r'), null);
  assert.equal(readCache(path, 'kind', 'r2'), null);
  assert.ok(readCache(path, 'kind', 'r'));
});

test('corruption is detected: flipped payload byte, truncation, garbage, bad header', () => {
  const path = join(tmp, 'corrupt.dscache');
  writeCache(path, 'kind', 'r', sample());
  const good = readFileSync(path);

  const flipped = Buffer.from(good);
  flipped[flipped.length - 5] ^= 0x40;
  writeFileSync(path, flipped);
  assert.equal(readCache(path, 'kind', 'r'), null, 'checksum mismatch');

  writeFileSync(path, good.subarray(0, good.length - 1));
  assert.equal(readCache(path, 'kind', 'r'), null, 'truncated');

  writeFileSync(path, Buffer.concat([good, Buffer.from([0])]));
  assert.equal(readCache(path, 'kind', 'r'), null, 'trailing bytes');

  writeFileSync(path, 'not a cache at all');
  assert.equal(readCache(path, 'kind', 'r'), null, 'garbage');

  const badHeader = Buffer.from(good);
  badHeader[13] = 0x7b; // '{' inside the JSON header -> unparsable
  writeFileSync(path, badHeader);
  assert.equal(readCache(path, 'kind', 'r'), null, 'header');

  writeFileSync(path, Buffer.alloc(0));
  assert.equal(readCache(path, 'kind', 'r'), null, 'empty');
});

test('cached(): builds on a miss, reuses on a hit, rebuilds a corrupt or rejected file', () => {
  const path = join(tmp, 'cached.dscache');
  let builds = 0;
  const build = () => {
    builds++;
    return sample();
  };
  cached(path, 'k', 'r', build);
  cached(path, 'k', 'r', build);
  assert.equal(builds, 1);
  writeFileSync(path, readFileSync(path).subarray(0, 40));
  assert.deepEqual(cached(path, 'k', 'r', build).arrays, sample().arrays);
  assert.equal(builds, 2);
  assert.ok(readCache(path, 'k', 'r'), 'the rebuilt file is valid again');
  cached(path, 'k', 'r', build, () => false);
  assert.equal(builds, 3, 'accept() can reject a file that passes the checksum');
});

test('atomic write: no temporary files left; a failed write leaves the old file intact', () => {
  const dir = join(tmp, 'atomic');
  const path = join(dir, 'a.dscache');
  writeCache(path, 'k', 'r', sample());
  writeCache(path, 'k', 'r', sample()); // overwrite by rename
  assert.deepEqual(readdirSync(dir), ['a.dscache']);

  // Renaming onto a non-empty folder fails: the error surfaces and the temp file is removed.
  const blocked = join(dir, 'blocked.dscache');
  mkdirSync(join(blocked, 'x'), { recursive: true });
  assert.throws(() => writeCache(blocked, 'k', 'r', sample()));
  assert.deepEqual(readdirSync(dir).sort(), ['a.dscache', 'blocked.dscache']);
  assert.ok(readCache(path, 'k', 'r'));
});

test('cached(): an unwritable cache folder only warns', async () => {
  const fileNotDir = join(tmp, 'plain-file');
  writeFileSync(fileNotDir, 'x');
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  const content = cached(join(fileNotDir, 'sub', 'c.dscache'), 'k', 'r', sample);
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.deepEqual(content.arrays, sample().arrays);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /could not write the dataset cache/);
});

test('cache folder: option, then DEEPSCRIPT_CACHE_DIR, then ~/.deepscript/datasets', () => {
  const saved = process.env['DEEPSCRIPT_CACHE_DIR'];
  try {
    process.env['DEEPSCRIPT_CACHE_DIR'] = join(tmp, 'env');
    assert.equal(resolveCacheDir(join(tmp, 'opt')), join(tmp, 'opt'));
    assert.equal(resolveCacheDir(), join(tmp, 'env'));
    delete process.env['DEEPSCRIPT_CACHE_DIR'];
    assert.equal(resolveCacheDir(), join(homedir(), '.deepscript', 'datasets'));
  } finally {
    if (saved === undefined) delete process.env['DEEPSCRIPT_CACHE_DIR'];
    else process.env['DEEPSCRIPT_CACHE_DIR'] = saved;
  }
});
