import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Input, Model, Sequential, layers, randomNormal, setRandomSeed } from '../src/index.js';
import { loadModel, modelFromJSON, toJSON } from '../src/io/index.js';
import { compileFromConfig, modelFromConfig } from '../src/io/model-config.js';
import type { Tensor } from '../src/core/tensor.js';
import { clearSession } from '../src/utils/naming.js';

const dir = mkdtempSync(join(tmpdir(), 'io-functional-'));
const bits = (t: Tensor): number[] => Array.from(t.data);

/** Keras 2's print_row for one row, at the column ends of a model with a "Connected to" column. */
function keras2Row(cells: string[], ends = [32, 53, 65, 98]): string {
  let line = '';
  cells.forEach((c, i) => {
    line += (i === 0 ? ' ' : '') + c;
    line = line.padEnd(ends[i]!, ' ');
  });
  return line;
}

describe('Functional summaries as Keras 2 prints them', () => {
  test('a residual model: InputLayer as a list shape, the Connected to column one input a line', () => {
    clearSession();
    const x = Input({ shape: [4], name: 'inp' });
    const y = layers.add([x, new layers.Dense(4, { name: 'd1' }).apply(x)], { name: 'add' });
    const model = new Model({ inputs: x, outputs: y, name: 'res' });
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    const blank = ' '.repeat(98);
    assert.deepEqual(lines, [
      'Model: "res"',
      '_'.repeat(98),
      keras2Row(['Layer (type)', 'Output Shape', 'Param #', 'Connected to']),
      '='.repeat(98),
      keras2Row(['inp (InputLayer)', '[(None, 4)]', '0', '[]']),
      blank,
      keras2Row(['d1 (Dense)', '(None, 4)', '20', "['inp[0][0]']"]),
      blank,
      keras2Row(['add (Add)', '(None, 4)', '0', "['inp[0][0]',"]),
      keras2Row(['', '', '', " 'd1[0][0]']"]),
      blank,
      '='.repeat(98),
      'Total params: 20',
      'Trainable params: 20',
      'Non-trainable params: 0',
      '_'.repeat(98),
    ]);
  });

  test('a chain built with the Functional API prints like a Sequential one, InputLayer row included', () => {
    clearSession();
    const x = Input({ shape: [3], name: 'inp' });
    const model = new Model({ inputs: x, outputs: new layers.Dense(2, { name: 'out' }).apply(x), name: 'chain' });
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    assert.equal(lines[1], '_'.repeat(65));
    assert.equal(lines[4], ' inp (InputLayer)            [(None, 3)]               0         ');
    assert.equal(lines[6], ' out (Dense)                 (None, 2)                 8         ');
  });
});

describe('Functional configs', () => {
  test("Keras 2 numbers a nested model's calls from 1 (its own node is 0), and reads them back", () => {
    clearSession();
    const inner = new Sequential([new layers.Dense(3, { inputShape: [2], name: 'inner_dense' })], { name: 'tower' });
    const x = Input({ shape: [2], name: 'inp' });
    const h = inner.apply(x);
    const model = new Model({ inputs: x, outputs: new layers.Dense(1, { name: 'head' }).apply(h) });
    const config = JSON.parse(toJSON(model)) as {
      class_name: string;
      config: { layers: { name: string; inbound_nodes: unknown[] }[]; output_layers: unknown };
    };
    assert.equal(config.class_name, 'Functional');
    const head = config.config.layers.find((l) => l.name === 'head')!;
    assert.deepEqual(head.inbound_nodes, [[['tower', 1, 0, {}]]]);
    assert.deepEqual(config.config.output_layers, [['head', 0, 0]]);
    const again = modelFromJSON(toJSON(model));
    const data = randomNormal([4, 2]);
    again.setWeights(model.getWeights());
    assert.deepEqual(bits(again.predict(data)), bits(model.predict(data)));
  });

  test('a call with training fixed (a frozen base in inference mode) is saved and honoured', async () => {
    clearSession();
    setRandomSeed(2);
    const x = Input({ shape: [3] });
    const y = new layers.Dropout(0.5, { name: 'drop' }).apply(x, { training: false });
    const model = new Model({ inputs: x, outputs: new layers.Dense(2).apply(y) });
    const path = join(dir, 'training-kwarg.keras');
    await model.save(path);
    const loaded = await loadModel(path);
    const data = randomNormal([8, 3]);
    // With training fixed to false, the dropout stays off even in a training-mode call.
    assert.deepEqual(bits(loaded.apply(data, { training: true })), bits(model.apply(data, { training: false })));
  });

  test('unknown call arguments are refused by name', () => {
    const d = new layers.Dense(2, { name: 'plain' });
    assert.throws(
      () => d.apply(Input({ shape: [2] }), { initialState: 1 }),
      /'plain' \(Dense\) got an unknown call argument 'initialState'; it takes training, mask/,
    );
    assert.throws(() => d.apply(randomNormal([1, 2]), { training: 'yes' as never }), /training must be true or false/);
  });

  test('Keras 3 writes a function loss as {class_name: "function"}; it compiles', () => {
    const model = modelFromConfig({
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3] } }],
      },
    });
    compileFromConfig(
      model,
      {
        loss: {
          module: 'builtins',
          class_name: 'function',
          config: 'categorical_crossentropy',
          registered_name: 'function',
        },
        metrics: [{ module: 'builtins', class_name: 'function', config: 'accuracy', registered_name: 'function' }],
        optimizer: { class_name: 'Adam', config: { learning_rate: 0.001 } },
      },
      'optimizer',
    );
    assert.equal(model.loss?.name, 'categorical_crossentropy');
    assert.deepEqual(model.metricsNames, ['loss', 'accuracy']);
  });

  test('a Lambda layer in a file is refused by name, and nothing in it runs', () => {
    const json = JSON.stringify({
      class_name: 'Functional',
      config: {
        name: 'm',
        layers: [
          {
            class_name: 'InputLayer',
            config: { batch_input_shape: [null, 2], name: 'i' },
            name: 'i',
            inbound_nodes: [],
          },
          {
            class_name: 'Lambda',
            config: { name: 'evil', function: ['4wEAAAAAAAAA', null, null], function_type: 'lambda' },
            name: 'evil',
            inbound_nodes: [[['i', 0, 0, {}]]],
          },
        ],
        input_layers: [['i', 0, 0]],
        output_layers: [['evil', 0, 0]],
      },
    });
    assert.throws(
      () => modelFromJSON(json),
      /layer 'evil' \(Lambda\): a Lambda layer holds Python code.*never runs code/,
    );
  });

  test('a subclassed model cannot be saved whole, and says to save its weights', async () => {
    class Tiny extends Model {
      d = new layers.Dense(1);
      override call(x: Tensor): Tensor {
        return this.d.apply(x);
      }
    }
    const m = new Tiny();
    m.predict(randomNormal([2, 3]));
    await assert.rejects(m.save(join(dir, 'tiny.keras')), /subclassed: its call\(\) is code.*saveWeights/);
    await m.saveWeights(join(dir, 'tiny.weights.h5'));
    const again = new Tiny();
    again.predict(randomNormal([2, 3]));
    await again.loadWeights(join(dir, 'tiny.weights.h5'));
    const data = randomNormal([3, 3]);
    assert.deepEqual(bits(again.predict(data)), bits(m.predict(data)));
  });

  test('the format comes from the bytes: an HDF5 file under a .keras name loads', async () => {
    clearSession();
    const x = Input({ shape: [2] });
    const model = new Model({ inputs: x, outputs: new layers.Dense(2).apply(x) });
    const h5 = join(dir, 'real.h5');
    await model.save(h5);
    const misnamed = join(dir, 'misnamed.keras');
    copyFileSync(h5, misnamed);
    const loaded = await loadModel(misnamed);
    const data = randomNormal([3, 2]);
    assert.deepEqual(bits(loaded.predict(data)), bits(model.predict(data)));
    writeFileSync(join(dir, 'junk.keras'), 'not a model');
    await assert.rejects(loadModel(join(dir, 'junk.keras')), /junk\.keras/);
  });
});

describe('custom layers in files', () => {
  class Scale extends layers.Layer {
    readonly factor: number;
    constructor(args: { factor?: number; name?: string } = {}) {
      const { factor, ...rest } = args;
      super(rest);
      this.factor = factor ?? 2;
    }
    override call(x: Tensor): Tensor {
      return x.mul(this.factor);
    }
    override getConfig(): Record<string, unknown> {
      return { ...super.getConfig(), factor: this.factor };
    }
  }

  test('customObjects and registerSerializable load a custom layer; without them it is refused by name', async () => {
    clearSession();
    const x = Input({ shape: [3] });
    const model = new Model({
      inputs: x,
      outputs: new Scale({ factor: 3, name: 'scale' }).apply(new layers.Dense(3).apply(x)),
    });
    const data = randomNormal([2, 3]);
    for (const ext of ['keras', 'h5']) {
      const path = join(dir, `custom.${ext}`);
      await model.save(path);
      await assert.rejects(loadModel(path), /Unknown layer class 'Scale'/);
      const loaded = await loadModel(path, { customObjects: { Scale } });
      assert.equal((loaded.getLayer('scale') as Scale).factor, 3);
      assert.deepEqual(bits(loaded.predict(data)), bits(model.predict(data)));
    }
    class Scale2 extends Scale {}
    layers.registerSerializable(Scale2, { package: 'Test' });
    const y = new Scale2({ factor: 5, name: 's2' }).apply(Input({ shape: [2], name: 'in2' }));
    const m2 = new Model({ inputs: y.node.inputs[0]!, outputs: y });
    await m2.save(join(dir, 'registered.keras'));
    const back = await loadModel(join(dir, 'registered.keras'));
    assert.equal((back.getLayer('s2') as Scale2).factor, 5);
    await assert.rejects(loadModel(join(dir, 'custom.keras'), { bogus: 1 } as never), /unknown option 'bogus'/);
  });
});
