// Issue #15 "must show": flips byte regions of small .h5, .keras and weights files and asserts
// that every load either fails with DamagedFileError or predicts exactly as the original. Each
// file is cut into regions; every region gets one flipped bit at a random place in it and, for
// a second case, all of its bytes inverted. Seeded, and bounded (4 x 2 x 96 loads, a few seconds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../src/ops/tensor-methods.js';
import { Sequential, layers, setRandomSeed } from '../src/core.js';
import type { Model } from '../src/models/model.js';
import { DamagedFileError, loadModel, loadWeights, saveModel, saveWeights } from '../src/io/index.js';
import { randomNormal } from '../src/ops/creation.js';
import { rng } from './helpers/native.js';

const dir = mkdtempSync(join(tmpdir(), 'io-fuzz-'));
const REGIONS = 96;

function model(): Sequential {
  setRandomSeed(3);
  const m = new Sequential();
  m.add(new layers.Dense(5, { inputDim: 4, activation: 'relu' }));
  m.add(new layers.Dense(3, { activation: 'softmax' }));
  m.compile({ loss: 'categorical_crossentropy', optimizer: 'adam' });
  return m;
}

const bits = (m: Model, x: ReturnType<typeof randomNormal>): number[] => Array.from(m.predict(x).data);

type Loader = (path: string) => Promise<Model>;

async function fuzz(
  name: string,
  original: Buffer,
  load: Loader,
  expected: number[],
  x: ReturnType<typeof randomNormal>,
) {
  const r = rng(name.length * 7919);
  const size = Math.ceil(original.length / REGIONS);
  const outcomes = { damaged: 0, same: 0 };
  for (let region = 0; region < REGIONS; region++) {
    const start = region * size;
    const end = Math.min(original.length, start + size);
    if (start >= end) break;
    for (const mode of ['bit', 'invert'] as const) {
      const b = Buffer.from(original);
      if (mode === 'bit') b[start + Math.floor(r() * (end - start))] ^= 1 << Math.floor(r() * 8);
      else for (let i = start; i < end; i++) b[i] ^= 0xff;
      const path = join(dir, `${region}-${mode}-${name}`);
      writeFileSync(path, b);
      let m: Model | null = null;
      try {
        m = await load(path);
      } catch (e) {
        assert.ok(
          e instanceof DamagedFileError,
          `${name}, region ${region} [${start}, ${end}) ${mode}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
        );
        assert.equal(e.file, path);
        outcomes.damaged++;
        continue;
      }
      assert.deepEqual(
        bits(m, x),
        expected,
        `${name}, region ${region} [${start}, ${end}) ${mode}: loaded but predicts differently`,
      );
      outcomes.same++;
    }
  }
  // Most regions hold data a flip must be caught in; a test that never saw an error proves nothing.
  assert.ok(outcomes.damaged > REGIONS, `${name}: ${JSON.stringify(outcomes)}`);
  return outcomes;
}

test('byte-region flips of .h5, .keras, .weights.h5 and legacy weights files: DamagedFileError or the same predictions', async () => {
  const m = model();
  const x = randomNormal([6, 4]);
  await m.fit(x, randomNormal([6, 3]).softmax(), { epochs: 1, batchSize: 6, verbose: 0 });
  const expected = bits(m, x);
  const files: [string, Loader][] = [
    ['model.h5', (p) => loadModel(p)],
    ['model.keras', (p) => loadModel(p)],
    [
      'w.weights.h5',
      async (p) => {
        const fresh = model();
        await loadWeights(fresh, p);
        return fresh;
      },
    ],
    [
      'w.h5',
      async (p) => {
        const fresh = model();
        await loadWeights(fresh, p);
        return fresh;
      },
    ],
  ];
  const started = Date.now();
  const summary: Record<string, unknown> = {};
  for (const [name, load] of files) {
    const path = join(dir, name);
    if (name.startsWith('model')) await saveModel(m, path);
    else await saveWeights(m, path);
    assert.deepEqual(bits(await load(path), x), expected, `${name}: the undamaged file`);
    const original = readFileSync(path);
    summary[name] = await fuzz(name, original, load, expected, x);
    // Bytes no reader depends on: the trailer's magic (the file then loads unverified, intact) and
    // a zip entry's modification time. These must load and predict the same.
    const harmless = Buffer.from(original);
    if (name.endsWith('.keras')) harmless[10] ^= 0x01;
    else harmless[original.length - 20] ^= 0x01;
    const hp = join(dir, `harmless-${name}`);
    writeFileSync(hp, harmless);
    assert.deepEqual(bits(await load(hp), x), expected, `${name}: a harmless flip`);
  }
  assert.ok(Date.now() - started < 120_000, 'bounded in time');
  console.log(`fuzz outcomes: ${JSON.stringify(summary)}`);
});
