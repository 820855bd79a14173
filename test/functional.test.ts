import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { Model } from '../src/models/model.js';
import { Sequential } from '../src/models/sequential.js';
import { Input } from '../src/layers/input-layer.js';
import * as layers from '../src/layers/index.js';
import { randomNormal, tensor } from '../src/ops/creation.js';
import { setRandomSeed } from '../src/core/random.js';
import { clearSession } from '../src/utils/naming.js';
import { Tensor } from '../src/core/tensor.js';
import { concat } from '../src/ops/concat.js';
import { SymbolicTensor } from '../src/layers/graph/symbolic-tensor.js';
import { Adam } from '../src/optimizers/adam.js';
import { SGD } from '../src/optimizers/sgd.js';
import { toCategorical } from '../src/utils/to-categorical.js';
import { modelFromConfig } from '../src/io/model-config.js';

function close(a: Tensor, b: Tensor, tol = 1e-6): void {
  assert.deepEqual(a.shape, b.shape);
  for (let i = 0; i < a.size; i++)
    assert.ok(Math.abs(a.data[i]! - b.data[i]!) <= tol, `index ${i}: ${a.data[i]} vs ${b.data[i]}`);
}

describe('symbolic tensors and layer calls', () => {
  test('Input gives a symbolic tensor; a layer called on it records a node and returns one', () => {
    clearSession();
    const x = Input({ shape: [4] });
    assert.ok(x instanceof SymbolicTensor);
    assert.deepEqual(x.shape, [null, 4]);
    const dense = new layers.Dense(8);
    const y = dense.apply(x);
    assert.ok(y instanceof SymbolicTensor);
    assert.deepEqual(y.shape, [null, 8]);
    assert.equal(dense.inboundNodes.length, 1);
    assert.equal(y.node.layer, dense);
    assert.deepEqual(dense.inboundNodes[0]!.inputs, [x]);
    // On real tensors the same layer computes.
    const out = dense.apply(randomNormal([3, 4]));
    assert.ok(out instanceof Tensor);
    assert.deepEqual(out.shape, [3, 8]);
  });

  test('apply on something that is not a tensor says what it got', () => {
    const d = new layers.Dense(2, { name: 'd_bad' });
    assert.throws(() => d.apply(undefined as never), /Layer 'd_bad' \(Dense\) expects a tensor.*got undefined/);
    assert.throws(() => d.apply([1, 2] as never), /expects a tensor/);
  });

  test('LSTM with returnState returns [output, h, c] inside a graph', () => {
    const x = Input({ shape: [5, 3] });
    const [out, h, c] = new layers.LSTM(4, { returnState: true, returnSequences: true }).apply<SymbolicTensor[]>(x);
    assert.deepEqual(out!.shape, [null, 5, 4]);
    assert.deepEqual(h!.shape, [null, 4]);
    assert.deepEqual(c!.shape, [null, 4]);
    const model = new Model({ inputs: x, outputs: [out!, h!, c!] });
    const res = model.predict<Tensor[]>(randomNormal([2, 5, 3]));
    assert.equal(res.length, 3);
    // The last step of the sequence output is the final h.
    const last = res[0]!.slice([0, 4, 0], [2, 1, 4]).reshape([2, 4]);
    close(last, res[1]!, 0);
  });
});

describe('Functional models', () => {
  test('a residual block computes x + f(x) exactly', () => {
    clearSession();
    setRandomSeed(1);
    const x = Input({ shape: [6] });
    const d1 = new layers.Dense(6, { activation: 'relu' });
    const d2 = new layers.Dense(6);
    const y = layers.add([x, d2.apply(d1.apply(x))]);
    const model = new Model({ inputs: x, outputs: y });
    const data = randomNormal([5, 6]);
    const got = model.predict(data);
    const want = data.add(d2.apply(d1.apply(data)));
    close(got, want, 0);
    assert.equal(model.className, 'Functional');
    assert.deepEqual(
      model.layers.map((l) => l.className),
      ['InputLayer', 'Dense', 'Dense', 'Add'],
    );
  });

  test('a shared layer has one set of weights and runs at every call', () => {
    const a = Input({ shape: [3], name: 'in_a' });
    const b = Input({ shape: [3], name: 'in_b' });
    const shared = new layers.Dense(2, { name: 'shared' });
    const model = new Model({ inputs: [a, b], outputs: layers.subtract([shared.apply(a), shared.apply(b)]) });
    assert.equal(model.weights.length, 2);
    assert.equal(shared.inboundNodes.length, 2);
    const xa = randomNormal([4, 3]);
    const xb = randomNormal([4, 3]);
    close(model.predict([xa, xb]), shared.apply(xa).sub(shared.apply(xb)), 0);
    // Inputs by name too.
    close(model.predict({ in_a: xa, in_b: xb }), model.predict([xa, xb]), 0);
    assert.throws(() => model.predict({ in_a: xa } as never), /no tensor given for 'in_b'/);
  });

  test('a model is a layer: nested inside another model', () => {
    const inner = new Sequential([new layers.Dense(4, { inputShape: [3], activation: 'tanh' }), new layers.Dense(2)]);
    const x = Input({ shape: [3] });
    const y = new layers.Dense(1).apply(inner.apply(x));
    const outer = new Model({ inputs: x, outputs: y });
    assert.equal(outer.weights.length, 6);
    const data = randomNormal([5, 3]);
    const want = (outer.layers[2] as layers.Dense).apply(inner.predict(data));
    close(outer.predict(data), want, 0);
  });

  test('two inputs and two outputs train with per-output losses, lossWeights and Keras history keys', async () => {
    clearSession();
    setRandomSeed(7);
    const n = 64;
    const title = randomNormal([n, 5]);
    const body = randomNormal([n, 7]);
    const labels = new Int32Array(n).map((_, i) => (title.data[i * 5]! + body.data[i * 7]! > 0 ? 1 : 0));
    const priority = new Tensor(Float32Array.from(labels), [n, 1]);
    const department = toCategorical(
      tensor(
        Int32Array.from(labels, (l, i) => (l + i) % 3),
        [n],
      ),
      3,
    );
    const ti = Input({ shape: [5], name: 'title' });
    const bi = Input({ shape: [7], name: 'body' });
    const h = new layers.Dense(8, { activation: 'relu' }).apply(layers.concatenate([ti, bi]));
    const p = new layers.Dense(1, { activation: 'sigmoid', name: 'priority' }).apply(h);
    const d = new layers.Dense(3, { activation: 'softmax', name: 'department' }).apply(h);
    const model = new Model({ inputs: [ti, bi], outputs: [p, d] });
    model.compile({
      optimizer: new Adam({ learningRate: 0.01 }),
      loss: { priority: 'binary_crossentropy', department: 'categorical_crossentropy' },
      lossWeights: { priority: 1.0, department: 0.2 },
      metrics: { priority: ['accuracy'], department: ['accuracy'] },
    });
    const history = await model.fit(
      { title, body },
      { priority, department },
      {
        epochs: 2,
        batchSize: 16,
        verbose: 0,
        validationData: [
          [title, body],
          [priority, department],
        ],
      },
    );
    assert.deepEqual(Object.keys(history.history).sort(), [
      'department_accuracy',
      'department_loss',
      'loss',
      'priority_accuracy',
      'priority_loss',
      'val_department_accuracy',
      'val_department_loss',
      'val_loss',
      'val_priority_accuracy',
      'val_priority_loss',
    ]);
    // The total is the weighted sum of the parts (evaluated on the same data, no dropout).
    const [total, pl, dl] = await model.evaluate([title, body], [priority, department], { verbose: 0 });
    assert.ok(Math.abs(total! - (pl! + 0.2 * dl!)) < 1e-5, `${total} vs ${pl} + 0.2 * ${dl}`);
    assert.deepEqual(model.metricsNames, [
      'loss',
      'priority_loss',
      'department_loss',
      'priority_accuracy',
      'department_accuracy',
    ]);
  });

  test('a flat metrics list on a two-output model is refused with the per-output forms', () => {
    const x = Input({ shape: [2] });
    const model = new Model({
      inputs: x,
      outputs: [new layers.Dense(1, { name: 'a' }).apply(x), new layers.Dense(1, { name: 'b' }).apply(x)],
    });
    assert.throws(() => model.compile({ loss: 'mse', metrics: ['mae'] }), /give metrics per output/);
    assert.throws(() => model.compile({ loss: { c: 'mse' } }), /names output 'c'/);
    assert.throws(() => model.compile({ loss: ['mse'] }), /1 entries but the model has 2 outputs/);
    assert.throws(() => model.compile({ loss: 'mse', lossWeights: 2 as never }), /lossWeights must be an array/);
  });
});

describe('graph mistakes give errors naming the layers', () => {
  test('an output that does not depend on the inputs', () => {
    const a = Input({ shape: [2], name: 'given' });
    const b = Input({ shape: [2], name: 'other' });
    const y = new layers.Dense(1).apply(b);
    assert.throws(
      () => new Model({ inputs: a, outputs: y }),
      /depends on Input 'other', which is not among the model's inputs/,
    );
  });

  test('an input that no output uses', () => {
    const a = Input({ shape: [2], name: 'used' });
    const b = Input({ shape: [2], name: 'unused' });
    assert.throws(
      () => new Model({ inputs: [a, b], outputs: new layers.Dense(1).apply(a) }),
      /input 'unused' is not used/,
    );
  });

  test('a layer applied to an input of the wrong shape', () => {
    const a = Input({ shape: [4] });
    const d = new layers.Dense(3, { name: 'needs4' });
    d.apply(a);
    const b = Input({ shape: [5] });
    assert.throws(() => d.apply(b), /Layer 'needs4' \(Dense\) expected input shape \(None, 4\).*called on \(None, 5\)/);
    assert.throws(() => new layers.Conv2D(2, 3, { name: 'conv' }).apply(Input({ shape: [8] })), /conv/);
  });

  test('duplicate layer names', () => {
    const x = Input({ shape: [2] });
    const y = new layers.Dense(2, { name: 'twin' }).apply(new layers.Dense(2, { name: 'twin' }).apply(x));
    assert.throws(() => new Model({ inputs: x, outputs: y }), /the name 'twin' is used by 2 layers/);
  });

  test('merge layers refuse incompatible shapes', () => {
    const a = Input({ shape: [3] });
    const b = Input({ shape: [4] });
    assert.throws(() => layers.add([a, b]), /incompatible shapes \(None, 3\) and \(None, 4\)/);
    assert.throws(
      () => layers.concatenate([Input({ shape: [2, 3] }), Input({ shape: [4, 3] })], { axis: -1 }),
      /matching shapes except along/,
    );
    assert.throws(() => new layers.Subtract().apply([a, a, a]), /exactly 2 inputs/);
    assert.throws(() => new layers.Add({ name: 'lonely' }).apply(a), /'lonely' \(Add\) should be called on a list/);
  });

  test('symbolic and real tensors cannot be mixed', () => {
    assert.throws(() => layers.add([Input({ shape: [2] }), randomNormal([1, 2])] as never), /mixed with real ones/);
  });

  test('inputs that are not Input tensors', () => {
    const x = Input({ shape: [2] });
    const h = new layers.Dense(2).apply(x);
    assert.throws(() => new Model({ inputs: h, outputs: new layers.Dense(1).apply(h) }), /does not come from Input/);
    assert.throws(
      () => new Model({ inputs: randomNormal([1, 2]) as never, outputs: h }),
      /symbolic tensors from Input/,
    );
  });
});

describe('merge layers compute what Keras computes', () => {
  const a = tensor([[1, -2, 3]]);
  const b = tensor([[4, 5, -6]]);
  test('add, subtract, multiply, average, maximum, minimum', () => {
    assert.deepEqual(layers.add([a, b]).toArray(), [[5, 3, -3]]);
    assert.deepEqual(layers.subtract([a, b]).toArray(), [[-3, -7, 9]]);
    assert.deepEqual(layers.multiply([a, b]).toArray(), [[4, -10, -18]]);
    assert.deepEqual(layers.average([a, b]).toArray(), [[2.5, 1.5, -1.5]]);
    assert.deepEqual(layers.maximum([a, b]).toArray(), [[4, 5, 3]]);
    assert.deepEqual(layers.minimum([a, b]).toArray(), [[1, -2, -6]]);
  });

  test('a lower-rank input gets new axes after the batch axis', () => {
    const seq = tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ]); // (1, 3, 2)
    const v = tensor([[10, 20]]); // (1, 2) -> (1, 1, 2)
    assert.deepEqual(layers.add([seq, v]).toArray(), [
      [
        [11, 22],
        [13, 24],
        [15, 26],
      ],
    ]);
    const x = Input({ shape: [3, 2] });
    assert.deepEqual(layers.add([x, Input({ shape: [2] })]).shape, [null, 3, 2]);
  });

  test('concatenate along an axis', () => {
    const c = layers.concatenate([tensor([[[1, 2]], [[3, 4]]]), tensor([[[5]], [[6]]])]);
    assert.deepEqual(c.toArray(), [[[1, 2, 5]], [[3, 4, 6]]]);
    assert.deepEqual(layers.concatenate([a, b], { axis: 0 }).shape, [2, 3]);
    assert.deepEqual(layers.concatenate([Input({ shape: [2, 3] }), Input({ shape: [5, 3] })], { axis: 1 }).shape, [
      null,
      7,
      3,
    ]);
  });

  test('dot: vectors give (batch, 1); normalize gives the cosine; matrices contract the chosen axes', () => {
    // 1*4 + -2*5 + 3*-6 = -24
    assert.deepEqual(layers.dot([a, b], 1).toArray(), [[-24]]);
    const cos = -24 / (Math.sqrt(14) * Math.sqrt(77));
    assert.ok(Math.abs(layers.dot([a, b], 1, { normalize: true }).item() - cos) < 1e-6);
    // (1, 2, 3) . (1, 4, 3) over the last axes -> (1, 2, 4): x @ y^T
    const x = tensor([
      [
        [1, 0, 2],
        [0, 1, 1],
      ],
    ]);
    const y = tensor([
      [
        [1, 1, 1],
        [2, 0, 1],
        [0, 3, 0],
        [1, 0, 0],
      ],
    ]);
    assert.deepEqual(layers.dot([x, y], [2, 2]).toArray(), [
      [
        [3, 4, 0, 1],
        [2, 1, 3, 0],
      ],
    ]);
    // axes (1, 1): contract the middle axes: (1, 2, 3) . (1, 2, 2) -> (1, 3, 2) = x^T @ z
    const z = tensor([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    assert.deepEqual(layers.dot([x, z], [1, 1]).toArray(), [
      [
        [1, 2],
        [3, 4],
        [5, 8],
      ],
    ]);
    assert.deepEqual(layers.dot([Input({ shape: [2, 3] }), Input({ shape: [4, 3] })], [2, 2]).shape, [null, 2, 4]);
    assert.throws(
      () => layers.dot([Input({ shape: [3] }), Input({ shape: [4] })], 1),
      /axis values 3 \(at axis 1\) != 4/,
    );
  });

  test('masks: element-wise merges OR them (none unless every input has one, Keras 3); concatenate joins them', () => {
    const ids = tensor([[1, 0, 2]], [1, 3], 'int32');
    const emb = new layers.Embedding(3, 2, { maskZero: true });
    const e = emb.apply(ids);
    const m = emb.computeMask(ids, null) as Tensor;
    assert.equal(new layers.Add().computeMask([e, e], [m, null]), null);
    const m2 = emb.computeMask(tensor([[0, 2, 0]], [1, 3], 'int32'), null) as Tensor;
    const addMask = new layers.Add().computeMask([e, e], [m, m2]) as Tensor;
    assert.deepEqual(Array.from(addMask.data), [1, 1, 1]);
    const sameMask = new layers.Add().computeMask([e, e], [m, m]) as Tensor;
    assert.deepEqual(Array.from(sameMask.data), [1, 0, 1]);
    const cat = new layers.Concatenate({ axis: 1 }).computeMask([e, e], [m, null]) as Tensor;
    assert.deepEqual(cat.shape, [1, 6]);
    assert.deepEqual(Array.from(cat.data), [1, 0, 1, 1, 1, 1]);
  });
});

describe('trainable after construction', () => {
  test('freezing a base keeps its weights bit for bit; unfreezing trains it again; summary counts follow', async () => {
    clearSession();
    setRandomSeed(3);
    const base = new Sequential(
      [new layers.Dense(8, { inputShape: [4], activation: 'relu' }), new layers.Dense(8, { activation: 'relu' })],
      { name: 'base' },
    );
    const x = Input({ shape: [4] });
    const model = new Model({
      inputs: x,
      outputs: new layers.Dense(2, { activation: 'softmax', name: 'head' }).apply(base.apply(x)),
    });
    const data = randomNormal([32, 4]);
    const y = toCategorical(
      tensor(
        Int32Array.from({ length: 32 }, (_, i) => i % 2),
        [32],
      ),
      2,
    );
    const counts = (): [string, string] => {
      const lines: string[] = [];
      model.summary((l) => lines.push(l));
      return [lines.find((l) => l.startsWith('Trainable params'))!, lines.find((l) => l.startsWith('Non-trainable'))!];
    };
    base.trainable = false;
    assert.deepEqual(counts(), ['Trainable params: 18', 'Non-trainable params: 112']);
    model.compile({ loss: 'categorical_crossentropy', optimizer: new SGD({ learningRate: 0.1 }) });
    const before = base.getWeights().map((w) => Array.from(w.data));
    const headBefore = Array.from(model.getLayer('head').getWeights()[0]!.data);
    await model.fit(data, y, { epochs: 2, batchSize: 8, verbose: 0 });
    assert.deepEqual(
      base.getWeights().map((w) => Array.from(w.data)),
      before,
    );
    assert.notDeepEqual(Array.from(model.getLayer('head').getWeights()[0]!.data), headBefore);
    base.trainable = true;
    assert.deepEqual(counts(), ['Trainable params: 130', 'Non-trainable params: 0']);
    model.compile({ loss: 'categorical_crossentropy', optimizer: new SGD({ learningRate: 0.1 }) });
    await model.fit(data, y, { epochs: 1, batchSize: 8, verbose: 0 });
    assert.notDeepEqual(
      base.getWeights().map((w) => Array.from(w.data)),
      before,
    );
  });

  test('a frozen layer inside a Sequential is skipped by training', async () => {
    setRandomSeed(4);
    const first = new layers.Dense(4, { inputShape: [3] });
    const model = new Sequential([first, new layers.Dense(1)]);
    first.trainable = false;
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const w = Array.from(first.getWeights()[0]!.data);
    await model.fit(randomNormal([16, 3]), randomNormal([16, 1]), { epochs: 1, verbose: 0 });
    assert.deepEqual(Array.from(first.getWeights()[0]!.data), w);
    assert.equal(model.trainableWeights.length, 2);
  });
});

describe('subclassed models and custom layers', () => {
  class Scale extends layers.Layer {
    scale: import('../src/core/variable.js').Variable | null = null;
    override build(inputShape: layers.ShapeValue): void {
      const s = inputShape as (number | null)[];
      this.scale = this.addWeight({ name: 'scale', shape: [s[s.length - 1]!], initializer: 'ones' });
      super.build(inputShape);
    }
    override call(x: Tensor): Tensor {
      return x.mul(this.scale!);
    }
  }

  class TwoLayer extends Model {
    hidden = new layers.Dense(8, { activation: 'relu' });
    scale = new Scale();
    out = new layers.Dense(1);
    override call(x: Tensor): Tensor {
      return this.out.apply(this.scale.apply(this.hidden.apply(x)));
    }
  }

  test('sublayers and weights in properties are tracked; fit, evaluate, predict and summary work', async () => {
    clearSession();
    setRandomSeed(5);
    const model = new TwoLayer();
    model.compile({ loss: 'mse', optimizer: new Adam({ learningRate: 0.01 }) });
    const x = randomNormal([64, 3]);
    const y = x.sum(-1, true);
    const h = await model.fit(x, y, { epochs: 5, batchSize: 16, verbose: 0 });
    assert.equal(model.weights.length, 5); // 2 + 1 + 2
    assert.ok(h.history.loss![4]! < h.history.loss![0]!);
    assert.deepEqual(model.predict(x).shape, [64, 1]);
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    assert.ok(lines.some((l) => l.includes('dense (Dense)') && l.includes('multiple') && l.includes('32')));
    assert.ok(lines.some((l) => l.includes('scale (Scale)') && l.includes('8')));
    assert.ok(lines.includes('Total params: 49'));
  });

  test('a custom layer without computeOutputShape gets its output shape inferred in a graph', () => {
    class Repeat2 extends layers.Layer {
      override call(x: Tensor): Tensor {
        return concat([x, x], 1);
      }
    }
    const x = Input({ shape: [null, 3] });
    const y = new Repeat2().apply(x);
    assert.deepEqual(y.shape, [null, null, 3]);
    const z = new Repeat2().apply(Input({ shape: [4, 3] }));
    assert.deepEqual(z.shape, [null, 8, 3]);
  });

  test('addWeight refuses an unknown regularizer by name', () => {
    class Bad extends layers.Layer {
      override build(s: layers.ShapeValue): void {
        this.addWeight({ name: 'w', shape: [2], regularizer: 'l3' });
        super.build(s);
      }
      override call(x: Tensor): Tensor {
        return x;
      }
    }
    assert.throws(
      () => new Bad({ name: 'bad' }).apply(randomNormal([1, 2])),
      /Unknown regularizer \(Layer 'bad' weight 'w'\) 'l3'; did you mean 'l1'/,
    );
  });
});

describe('one fit at a time, and no results from nothing', () => {
  test('a second fit() while the first runs is refused; the first one finishes untouched', async () => {
    setRandomSeed(9);
    const model = new Sequential([new layers.Dense(2, { inputShape: [3] })]);
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const x = randomNormal([64, 3]);
    const y = randomNormal([64, 2]);
    const first = model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    await assert.rejects(model.fit(x, y, { epochs: 1, verbose: 0 }), /already training.*await it/);
    const h = await first;
    assert.equal(h.history.loss!.length, 3);
    // Once it is done, training again is fine.
    await model.fit(x, y, { epochs: 1, verbose: 0 });
  });

  test('evaluate on 0 samples is an error, not a loss of 0', async () => {
    const model = new Sequential([new layers.Dense(1, { inputShape: [2] })]);
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    await assert.rejects(model.evaluate(randomNormal([0, 2]), randomNormal([0, 1])), /evaluate: no samples/);
  });

  test('a saved graph with a loop is refused, naming the layers', () => {
    const entry = (name: string, from: string): unknown => ({
      class_name: 'Dense',
      config: { name, units: 2 },
      name,
      inbound_nodes: [[[from, 0, 0, {}]]],
    });
    assert.throws(
      () =>
        modelFromConfig({
          class_name: 'Functional',
          config: {
            name: 'loop',
            layers: [
              {
                class_name: 'InputLayer',
                config: { batch_input_shape: [null, 2], name: 'i' },
                name: 'i',
                inbound_nodes: [],
              },
              entry('a', 'b'),
              entry('b', 'a'),
            ],
            input_layers: [['i', 0, 0]],
            output_layers: [['b', 0, 0]],
          },
        }),
      /cannot be built: the calls of 'a', 'b' wait for tensors no layer makes \(loops or disconnected nodes\)/,
    );
  });
});

test('a mask passed to a call inside a graph is the one the layer gets', () => {
  setRandomSeed(12);
  const x = Input({ shape: [null, 2] });
  const m = Input({ shape: [null], dtype: 'bool', name: 'steps' });
  const lstm = new layers.LSTM(2);
  const model = new Model({ inputs: [x, m], outputs: lstm.apply(x, { mask: m }) });
  const data = randomNormal([2, 3, 2]);
  const keepAll = tensor(new Uint8Array([1, 1, 1, 1, 1, 1]), [2, 3], 'bool');
  const keepFirst = tensor(new Uint8Array([1, 0, 0, 1, 0, 0]), [2, 3], 'bool');
  // Masking the last two steps keeps the state after the first one: the same as a 1-step sequence.
  const first = data.slice([0, 0, 0], [2, 1, 2]);
  assert.deepEqual(Array.from(model.predict([data, keepFirst]).data), Array.from(lstm.apply(first).data));
  assert.notDeepEqual(Array.from(model.predict([data, keepAll]).data), Array.from(lstm.apply(first).data));
});
