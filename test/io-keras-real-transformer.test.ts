import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../src/core.js';
import { loadModel, saveModel } from '../src/io/index.js';
import { Model } from '../src/models/model.js';
import { MultiHeadAttention } from '../src/layers/multi-head-attention.js';

/*
 * A real Keras-written transformer file (test/fixtures/keras/real/SOURCE.md: piyushnitkkr/
 * ai-stock-predictor's transformer_model.keras, MIT), loaded with loadModel: its MultiHeadAttention
 * and LayerNormalization weights, and its outputs and four inner layers' outputs against an
 * independent NumPy forward pass of the same weights (scripts/reference/keras_forward.py).
 */

const fixtureDirs = [
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'keras', 'real'),
  join(process.cwd(), 'test', 'fixtures', 'keras', 'real'),
];
const fixture = (name: string): string =>
  join(fixtureDirs.find((d) => existsSync(join(d, name))) ?? fixtureDirs[0]!, name);

interface Stored {
  shape: number[];
  data: number[];
}
interface Expected {
  inputs: Record<string, Stored>;
  outputs: Record<string, Stored>;
  layers: Record<string, Stored>;
}

function close(got: Tensor, want: Stored, what: string): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  const data = got.data as Float32Array;
  want.data.forEach((v, i) => {
    const d = Math.abs(data[i]! - v);
    assert.ok(d <= 1e-5 + 1e-4 * Math.abs(v), `${what}[${i}] = ${data[i]}, NumPy gives ${v}`);
  });
}

test('real Keras 3 transformer file: MultiHeadAttention and LayerNormalization weights load and reproduce NumPy', async () => {
  const expected = JSON.parse(
    readFileSync(fixture('ai-stock-predictor-transformer.expected.json'), 'utf8'),
  ) as Expected;
  const model = await loadModel(fixture('ai-stock-predictor-transformer.keras'));
  assert.ok(model instanceof Model);
  const mha = model.getLayer('multi_head_attention');
  assert.ok(mha instanceof MultiHeadAttention);
  assert.deepEqual([mha.numHeads, mha.keyDim, mha.valueDim], [4, 64, 64]);
  assert.deepEqual([...mha.queryKernel!.shape], [10, 4, 64]);
  assert.deepEqual([...mha.outputKernel!.shape], [4, 64, 10]);
  // Trained weights, not initial ones: LayerNormalization's gamma has moved off its ones.
  const gamma = model.getLayer('layer_normalization').weights[0]!;
  assert.ok([...(gamma.data as Float32Array)].some((g) => Math.abs(g - 1) > 1e-3));

  const input = expected.inputs['input_layer']!;
  const x = new Tensor(Float32Array.from(input.data), input.shape);
  close(model.predict(x) as Tensor, expected.outputs['dense_5']!, 'dense_5');
  for (const [name, want] of Object.entries(expected.layers)) {
    const inner = new Model({ inputs: model.inputs, outputs: model.getLayer(name).inboundNodes[0]!.outputs[0]! });
    close(inner.predict(x) as Tensor, want, name);
  }

  // Saved again (the x + y operations written as keras.layers.Add) and reloaded: the same outputs.
  const dir = mkdtempSync(join(tmpdir(), 'ds-real-transformer-'));
  try {
    await saveModel(model, join(dir, 'again.keras'));
    const again = await loadModel(join(dir, 'again.keras'));
    close(again.predict(x) as Tensor, expected.outputs['dense_5']!, 'dense_5 after save and load');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
