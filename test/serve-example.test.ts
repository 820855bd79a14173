// examples/serve.ts: the prediction server answers JSON and binary images with the probabilities
// predict gives for the same pixels, and refuses bad requests with errors that name the input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../src/core/tensor.js';
import { setRandomSeed } from '../src/core/random.js';
import { saveModel } from '../src/io/index.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Dense } from '../src/layers/dense.js';
import { Flatten } from '../src/layers/flatten.js';
import { MaxPooling2D } from '../src/layers/max-pooling2d.js';
import { Sequential } from '../src/models/sequential.js';
import { startPredictionServer } from '../examples/serve.js';

test('the prediction server answers POST /predict as predict does, and refuses bad requests', async () => {
  setRandomSeed(31);
  const model = new Sequential([
    new Conv2D(4, 3, { inputShape: [28, 28, 1], activation: 'relu' }),
    new MaxPooling2D({ poolSize: 2 }),
    new Flatten(),
    new Dense(10, { activation: 'softmax' }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'serve-test-'));
  const file = join(dir, 'cnn.keras');
  await saveModel(model, file);
  const server = await startPredictionServer({ model: file, port: 0 });
  try {
    const bytes = new Uint8Array(784);
    for (let i = 0; i < 784; i++) bytes[i] = (i * 53 + 7) % 256;
    const pixels = Float32Array.from(bytes, (b) => b / 255);
    const want = Array.from(model.predict(new Tensor(pixels, [1, 28, 28, 1], 'float32')).data);
    const post = (body: Uint8Array | Buffer | string, type: string): Promise<Response> =>
      fetch(`${server.url}predict`, { method: 'POST', body, headers: { 'Content-Type': type } });

    const fromBytes = (await (await post(bytes, 'application/octet-stream')).json()) as {
      probabilities: number[];
      class: number;
    };
    assert.deepEqual(fromBytes.probabilities, want);
    assert.equal(fromBytes.class, want.indexOf(Math.max(...want)));
    const rows = Array.from({ length: 28 }, (_, r) => Array.from(pixels.subarray(r * 28, r * 28 + 28)));
    const fromJson = (await (await post(JSON.stringify({ image: rows }), 'application/json')).json()) as {
      probabilities: number[];
    };
    assert.deepEqual(fromJson.probabilities, want);
    const asFloats = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
    const fromFloats = (await (await post(asFloats, 'application/octet-stream')).json()) as {
      probabilities: number[];
    };
    assert.deepEqual(fromFloats.probabilities, want);

    const short = await post(new Uint8Array(100), 'application/octet-stream');
    assert.equal(short.status, 400);
    assert.match(
      ((await short.json()) as { error: string }).error,
      /784 bytes .* for input \(None, 28, 28, 1\), got 100/,
    );
    const badJson = await post(JSON.stringify({ image: [1, 2, 3] }), 'application/json');
    assert.equal(badJson.status, 400);
    assert.match(
      ((await badJson.json()) as { error: string }).error,
      /has 3 numbers; input \(None, 28, 28, 1\) needs 784/,
    );
    const nan = await post(JSON.stringify({ image: [...Array(783).fill(0), 'x'] }), 'application/json');
    assert.match(((await nan.json()) as { error: string }).error, /"image"\[783\] is "x"/);
    assert.equal((await post('abc', 'text/plain')).status, 415);
    assert.equal((await post(new Uint8Array(70_000), 'application/octet-stream')).status, 413);
    assert.equal((await fetch(`${server.url}predict`)).status, 405);
    assert.equal((await fetch(`${server.url}nothing`)).status, 404);
    const health = (await (await fetch(`${server.url}health`)).json()) as { ok: boolean; input: string };
    assert.deepEqual(health, { ok: true, model: model.name, input: '(None, 28, 28, 1)' });
    const stats = (await (await fetch(`${server.url}stats`)).json()) as { requests: number; rss: number };
    assert.ok(stats.requests >= 10 && stats.rss > 0, JSON.stringify(stats));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
