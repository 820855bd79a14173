import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Sequential, layers, setRandomSeed } from '../src/core.js';
import { loadModel, saveModel } from '../src/io/index.js';

/*
 * The child saves a model to the same path over and over, announcing each write just before
 * it starts; the parent kills it with SIGKILL right after an announcement, i.e. during a write.
 */
const CHILD = process.argv[2] === 'writer';

function bigModel(seed: number): Sequential {
  setRandomSeed(seed);
  const m = new Sequential();
  m.add(new layers.Dense(400, { inputDim: 400 }));
  m.add(new layers.Dense(400));
  return m;
}

if (CHILD) {
  const path = process.argv[3]!;
  for (let i = 1; ; i++) {
    const m = bigModel(i);
    process.stdout.write(`writing ${i}\n`);
    await saveModel(m, path);
  }
} else {
  test('kill -9 during a checkpoint write leaves the previous checkpoint intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kill-'));
    const path = join(dir, 'model', 'ckpt.h5');
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'writer', path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let killedDuring = 0;
    await new Promise<void>((resolve) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = [...buf.matchAll(/writing (\d+)\n/g)];
        // Let a few checkpoints complete, then kill while the next one is being written.
        if (killedDuring === 0 && m.length >= 4) {
          killedDuring = Number(m[m.length - 1]![1]);
          child.kill('SIGKILL');
        }
      });
      child.on('exit', () => resolve());
    });
    assert.ok(killedDuring >= 4);
    const loaded = await loadModel(path);
    // The file is a whole checkpoint: the one before the interrupted write, or that write if it had finished.
    const candidates = [killedDuring - 1, killedDuring].map((s) =>
      Array.from(bigModel(s).weights[0]!.data.subarray(0, 50)),
    );
    const got = Array.from(loaded.weights[0]!.data.subarray(0, 50));
    assert.ok(
      candidates.some((c) => c.every((v, i) => v === got[i])),
      'checkpoint matches neither the previous nor the interrupted save',
    );
    // Only the checkpoint and possibly the killed write's temporary file remain.
    assert.ok(readdirSync(join(dir, 'model')).every((f) => f === 'ckpt.h5' || /^\.ckpt\.h5\..*\.tmp$/.test(f)));
  });
}
