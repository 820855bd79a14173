import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/layers/rnn-serialization.js';
import { deserializeLayer } from '../src/layers/serialization.js';
import type { LayerEntry } from '../src/layers/serialization.js';
import { Bidirectional } from '../src/layers/bidirectional.js';
import { Embedding } from '../src/layers/embedding.js';
import { GRU } from '../src/layers/gru.js';
import type { Layer } from '../src/layers/layer.js';
import { LSTM } from '../src/layers/lstm.js';
import { SimpleRNN } from '../src/layers/simple-rnn.js';

test('configs round-trip through deserializeLayer (Keras class names and snake_case keys)', () => {
  const layers: Layer[] = [
    new Embedding(100, 8, { inputLength: 5 }),
    new LSTM(7, { returnSequences: true, goBackwards: true, dropout: 0.2, unitForgetBias: false }),
    new GRU(4, { resetAfter: false, recurrentActivation: 'tanh', activation: 'relu' }),
    new SimpleRNN(3, { useBias: false, recurrentDropout: 0.1 }),
    new Bidirectional(new LSTM(5, { returnSequences: true }), { mergeMode: 'sum' }),
  ];
  for (const layer of layers) {
    const config = layer.getConfig();
    const copy = deserializeLayer({ class_name: layer.className, config });
    assert.equal(copy.className, layer.className);
    assert.deepEqual(copy.getConfig(), config);
  }
});

test('Keras options deepscript lacks are refused, not ignored', () => {
  assert.throws(() => deserializeLayer({ class_name: 'LSTM', config: { units: 3, stateful: true } }), /stateful/);
  assert.throws(
    () =>
      deserializeLayer({
        class_name: 'GRU',
        config: { units: 3, kernel_regularizer: { class_name: 'L2', config: { l3: 1 } } },
      }),
    /L2 config: unknown option `l3`; did you mean `l2`/,
  );
  assert.throws(
    () => deserializeLayer({ class_name: 'LSTM', config: { units: 3, return_sequence: true } }),
    /LSTM.*unknown config key 'return_sequence' \(did you mean 'return_sequences'\?\)/,
  );
  assert.throws(
    () =>
      deserializeLayer({
        class_name: 'Bidirectional',
        config: { merge_mode: null, layer: { class_name: 'LSTM', config: { units: 2 } } },
      }),
    /merge_mode/,
  );
});

test("Keras 3's Bidirectional config (it always writes backward_layer) loads; another backward layer is refused", () => {
  const lstm = (back: boolean, units = 2): LayerEntry => ({
    class_name: 'LSTM',
    config: { name: back ? 'backward_l' : 'forward_l', units, go_backwards: back, return_sequences: true },
  });
  const bi = deserializeLayer({
    class_name: 'Bidirectional',
    config: { merge_mode: 'concat', layer: lstm(false), backward_layer: lstm(true) },
  });
  assert.ok(bi instanceof Bidirectional);
  assert.throws(
    () =>
      deserializeLayer({
        class_name: 'Bidirectional',
        config: { merge_mode: 'concat', layer: lstm(false), backward_layer: lstm(true, 3) },
      }),
    /backward_layer other than the mirror of `layer`/,
  );
});
