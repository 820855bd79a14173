import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Model,
  Sequential,
  Tensor,
  constraints,
  layers,
  optimizers,
  regularizers,
  setRandomSeed,
} from '../src/index.js';
import { tensor } from '../src/ops/creation.js';
import { keras3ModelConfig } from '../src/io/model-config.js';
import { modelFromConfig, modelFromJSON, toJSON } from '../src/io/model-config.js';
import { getInitializer } from '../src/layers/initializers.js';
import { getActivation } from '../src/layers/activations.js';
import { getLoss } from '../src/losses/losses.js';
import { getOptimizer } from '../src/optimizers/get-optimizer.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';
import { Random } from '../src/core/random.js';
import { randomNormal } from '../src/ops/creation.js';
import { loadModel } from '../src/io/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const close = (a: number, b: number, tol = 1e-6, what = ''): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what} ${a} != ${b}`);
const values = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number>);

test('regularizer penalties, worked by hand', () => {
  const w = tensor([
    [1, -2],
    [3, 4],
  ]);
  // Σ|w| = 10, Σw² = 30.
  close(new regularizers.L1(0.01).call(w).item(), 0.1);
  close(new regularizers.L2(0.01).call(w).item(), 0.3);
  close(new regularizers.L1L2({ l1: 0.01, l2: 0.02 }).call(w).item(), 0.1 + 0.6);
  close(regularizers.l2().call(w).item(), 0.3, 1e-6, 'l2() defaults to 0.01');
  close(regularizers.l1l2().call(w).item(), 0.4, 1e-6, "l1l2() defaults to 0.01 each (Keras 2's l1_l2)");
  assert.equal(new regularizers.L1L2().call(w).item(), 0, 'the L1L2 class defaults to 0 and 0');
  // Rows (1,0), (0,1), (1,1)/√2: off-diagonal |cos| sum 2·(0 + 2/√2) = 2√2 over 3 pairs.
  const rows = tensor([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  close(new regularizers.OrthogonalRegularizer({ factor: 0.01 }).call(rows).item(), (0.01 * 0.5 * 2 * Math.SQRT2) / 3);
  // Columns (1,0,1)/√2 and (0,1,1)/√2: cos = 1/2, counted twice, one pair.
  close(new regularizers.OrthogonalRegularizer({ factor: 1, mode: 'columns' }).call(rows).item(), 0.5 * 2 * 0.5);
  close(
    new regularizers.OrthogonalRegularizer()
      .call(
        tensor([
          [1, 0],
          [0, 1],
        ]),
      )
      .item(),
    0,
  );
  assert.throws(() => new regularizers.L2(-1), /L2: l2 must be a non-negative finite number/);
  assert.throws(
    () => new regularizers.OrthogonalRegularizer({ mode: 'diag' as never }),
    /mode must be 'rows' or 'columns'/,
  );
  assert.throws(() => new regularizers.L1L2({ l3: 1 } as never), /L1L2: unknown option `l3`; did you mean `l1`/);
});

test('regularizers are differentiable (finite differences)', () => {
  const rng = new Random(3);
  const x = makeInput(rng, { shape: [3, 4], kind: 'distinct' });
  for (const r of [
    new regularizers.L1(0.3),
    new regularizers.L2(0.7),
    new regularizers.L1L2({ l1: 0.2, l2: 0.5 }),
    new regularizers.OrthogonalRegularizer({ factor: 0.9 }),
    new regularizers.OrthogonalRegularizer({ factor: 0.9, mode: 'columns' }),
  ])
    gradcheck(([t]) => r.call(t!), [x], { name: `${r.className} ${JSON.stringify(r.getConfig())}` });
});

test("Keras's documented example: kernel L1(0.01) + activity L2(0.01) on Dense gives losses summing to 5.25", () => {
  const dense = new layers.Dense(5, {
    inputDim: 5,
    kernelInitializer: 'ones',
    kernelRegularizer: new regularizers.L1(0.01),
    activityRegularizer: new regularizers.L2(0.01),
  });
  const out = dense.apply(tensor(Array.from({ length: 5 }, () => [2, 2, 2, 2, 2])));
  assert.deepEqual(values(out), new Array(25).fill(10));
  // kernel: 0.01·25 = 0.25; activity: 0.01·Σ10² = 25, divided by the batch size 5.
  const losses = dense.losses.map((l) => l.item()).sort((a, b) => a - b);
  assert.equal(losses.length, 2);
  close(losses[0]!, 0.25);
  close(losses[1]!, 5);
  // A second call replaces the activity loss instead of adding another.
  dense.apply(tensor([[1, 1, 1, 1, 1]]));
  close(
    dense.losses.reduce((s, l) => s + l.item(), 0),
    0.25 + 0.01 * 25 * 5,
  );
});

test('weight regularizers join the training loss, and their gradient trains the weight (was ignored/refused)', async () => {
  const model = new Sequential([
    new layers.Dense(1, { inputDim: 2, kernelInitializer: 'ones', useBias: false, kernelRegularizer: 'l2' }),
  ]);
  model.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.5 }) });
  const x = tensor([[0, 0]]);
  const y = tensor([[0]]);
  // mse = 0; the penalty is 0.01·(1 + 1).
  const [loss] = await model.evaluate(x, y, { verbose: 0 });
  close(loss!, 0.02);
  // d/dw 0.01·Σw² = 0.02·w: one SGD step at 0.5 takes each weight from 1 to 0.99.
  close(model.trainOnBatch(x, y)[0]!, 0.02);
  for (const v of values(model.layers[0]!.getWeights()[0]!)) close(v, 0.99);
  // A frozen layer's weights are not penalised (Keras sums the trainable weights' penalties).
  model.layers[0]!.trainable = false;
  const [frozen] = await model.evaluate(x, y, { verbose: 0 });
  assert.equal(frozen, 0);
});

test('an activity regularizer adds its penalty divided by the batch size to the loss', async () => {
  const input = layers.Input({ shape: [1] });
  const out = new layers.Dense(1, {
    kernelInitializer: 'ones',
    useBias: false,
    activityRegularizer: { class_name: 'L2', config: { l2: 1 } },
  }).apply(input);
  const model = new Model({ inputs: input, outputs: out });
  model.compile({ loss: 'mse', optimizer: 'sgd' });
  const x = tensor([[1], [2]]);
  // Outputs equal the targets (mse 0); penalty Σ(1² + 2²) / 2 = 2.5.
  const [loss] = await model.evaluate(x, x, { batchSize: 2, verbose: 0 });
  close(loss!, 2.5);
});

test('constraints, worked by hand', () => {
  const w = tensor([
    [3, 0],
    [4, 1],
  ]);
  // Column norms (Keras's default axis 0): 5 and 1.
  const eps = 1e-7;
  const expect = (t: Tensor, want: number[], what: string): void =>
    values(t).forEach((v, i) => close(v, want[i]!, 1e-6, `${what}[${i}]`));
  expect(new constraints.MaxNorm({ maxValue: 1 }).call(w), [3 / (5 + eps), 0, 4 / (5 + eps), 1 / (1 + eps)], 'MaxNorm');
  expect(new constraints.MaxNorm().call(w), [(3 * 2) / 5, 0, (4 * 2) / 5, 1], 'MaxNorm default 2');
  expect(new constraints.UnitNorm().call(w), [0.6, 0, 0.8, 1], 'UnitNorm');
  expect(
    new constraints.UnitNorm({ axis: 1 }).call(w),
    [1, 0, 4 / Math.sqrt(17), 1 / Math.sqrt(17)],
    'UnitNorm axis 1',
  );
  expect(
    new constraints.MinMaxNorm({ minValue: 2, maxValue: 3 }).call(w),
    [(3 * 3) / 5, 0, (4 * 3) / 5, 2],
    'MinMaxNorm',
  );
  // rate 0.5: desired = 0.5·clip(n) + 0.5·n -> 4 for norm 5, 1.5 for norm 1.
  expect(
    new constraints.MinMaxNorm({ minValue: 2, maxValue: 3, rate: 0.5 }).call(w),
    [(3 * 4) / 5, 0, (4 * 4) / 5, 1.5],
    'MinMaxNorm rate',
  );
  expect(new constraints.NonNeg().call(tensor([-1, 2, -0.5, 0])), [0, 2, 0, 0], 'NonNeg');
  assert.throws(
    () => new constraints.MaxNorm({ max_value: 1 } as never),
    /`max_value` is Keras's Python spelling; use `maxValue`/,
  );
  assert.throws(() => new constraints.UnitNorm({ axis: 2 }).call(w), /axis 2 is out of range/);
});

test('constraints are applied after each optimizer step', async () => {
  const make = (constraint?: constraints.Constraint): Sequential => {
    const m = new Sequential([
      new layers.Dense(2, {
        inputDim: 2,
        kernelInitializer: 'ones',
        useBias: false,
        kernelConstraint: constraint ?? null,
      }),
    ]);
    m.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 1 }) });
    return m;
  };
  const x = tensor([[1, 1]]);
  const y = tensor([[-10, -10]]);
  // Predictions 2; d mse / d w = x · 2·(2 + 10)/2 = 12: each weight goes 1 -> -11 unconstrained.
  const free = make();
  free.trainOnBatch(x, y);
  for (const v of values(free.layers[0]!.getWeights()[0]!)) close(v, -11);
  const nonNeg = make(new constraints.NonNeg());
  nonNeg.trainOnBatch(x, y);
  assert.deepEqual(values(nonNeg.layers[0]!.getWeights()[0]!), [0, 0, 0, 0]);
  // MaxNorm 1 on columns (-11, -11): norm 11√2 -> each entry -1/√2.
  const capped = make(new constraints.MaxNorm({ maxValue: 1 }));
  await capped.fit(x, y, { epochs: 1, verbose: 0 });
  for (const v of values(capped.layers[0]!.getWeights()[0]!)) close(v, -1 / Math.SQRT2, 1e-6);
});

test('regularizers and constraints on every weight Keras allows', () => {
  const l2 = (): regularizers.Regularizer => new regularizers.L2(0.5);
  const conv = new layers.Conv2D(1, 1, {
    inputShape: [1, 1, 1],
    kernelInitializer: 'ones',
    biasInitializer: 'ones',
    kernelRegularizer: l2(),
    biasRegularizer: new regularizers.L1(0.25),
    kernelConstraint: 'non_neg',
    biasConstraint: 'maxNorm',
  });
  conv.apply(tensor([[[[1]]]]));
  close(
    conv.losses.reduce((s, l) => s + l.item(), 0),
    0.5 + 0.25,
  );
  const lstm = new layers.LSTM(1, {
    kernelInitializer: 'ones',
    recurrentInitializer: 'ones',
    recurrentRegularizer: l2(),
    recurrentConstraint: new constraints.UnitNorm(),
  });
  lstm.apply(tensor([[[1]]]));
  // recurrent kernel [1, 4] of ones: 0.5 · 4.
  close(lstm.losses[0]!.item(), 2);
  const emb = new layers.Embedding(3, 2, {
    embeddingsInitializer: 'ones',
    embeddingsRegularizer: new regularizers.L1(1),
  });
  emb.apply(tensor([[0]]));
  close(emb.losses[0]!.item(), 6);
  const bn = new layers.BatchNormalization({ gammaRegularizer: l2(), betaRegularizer: new regularizers.L1(1) });
  bn.apply(tensor([[1, 2]]));
  // gamma ones [2]: 0.5 · 2; beta zeros: 0.
  close(
    bn.losses.reduce((s, l) => s + l.item(), 0),
    1,
  );
  for (const [name, make] of [
    ['SimpleRNN', () => new layers.SimpleRNN(2, { kernelRegularizer: 'l1', biasConstraint: 'nonNeg' })],
    ['GRU', () => new layers.GRU(2, { biasRegularizer: 'L1L2', kernelConstraint: 'MinMaxNorm' })],
    ['Conv1D', () => new layers.Conv1D(2, 2, { kernelRegularizer: 'orthogonal_regularizer' })],
  ] as const)
    assert.doesNotThrow(make, name);
});

test('configs carry regularizers and constraints (not null), and round-trip in Keras 2 and Keras 3 form', () => {
  setRandomSeed(0);
  const input = layers.Input({ shape: [3] });
  const dense = new layers.Dense(2, {
    kernelRegularizer: new regularizers.L2(0.01),
    biasRegularizer: new regularizers.L1L2({ l1: 0.001, l2: 0.002 }),
    activityRegularizer: 'l1',
    kernelConstraint: new constraints.MaxNorm({ maxValue: 2, axis: 0 }),
    biasConstraint: 'non_neg',
  });
  const model = new Model({ inputs: input, outputs: dense.apply(input) });
  const config = dense.getConfig();
  assert.deepEqual(config['kernel_regularizer'], { class_name: 'L2', config: { l2: 0.01 } });
  assert.deepEqual(config['bias_regularizer'], { class_name: 'L1L2', config: { l1: 0.001, l2: 0.002 } });
  assert.deepEqual(config['activity_regularizer'], { class_name: 'L1', config: { l1: 0.01 } });
  assert.deepEqual(config['kernel_constraint'], { class_name: 'MaxNorm', config: { max_value: 2, axis: 0 } });
  assert.deepEqual(config['bias_constraint'], { class_name: 'NonNeg', config: {} });
  const check = (m: Model, what: string): void => {
    const d = m.layers.find((l) => l.className === 'Dense') as layers.Dense;
    assert.deepEqual(d.getConfig(), { ...config, name: d.name }, what);
    const x = tensor([[1, 2, 3]]);
    d.setWeights(dense.getWeights());
    d.apply(x);
    dense.apply(x);
    assert.deepEqual(
      d.losses.map((l) => l.item()),
      dense.losses.map((l) => l.item()),
      what,
    );
  };
  check(modelFromJSON(toJSON(model)), 'Keras 2');
  const k3 = keras3ModelConfig(model);
  const k3Dense = (k3.config['layers'] as { class_name: string; config: Record<string, unknown> }[]).find(
    (l) => l.class_name === 'Dense',
  )!;
  assert.deepEqual(k3Dense.config['kernel_regularizer'], {
    module: 'keras.regularizers',
    class_name: 'L2',
    config: { l2: 0.01 },
    registered_name: null,
  });
  check(modelFromConfig(k3), 'Keras 3');
});

test('Keras files: regularizer and constraint configs load in both shapes; unknown config keys are refused', () => {
  const json = (layer: Record<string, unknown>): string =>
    JSON.stringify({
      class_name: 'Sequential',
      config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, ...layer } }] },
    });
  // Keras 2: bare {class_name, config}; Keras 2's L1L2 spelling of l2 alone.
  const k2 = modelFromJSON(
    json({
      batch_input_shape: [null, 2],
      kernel_regularizer: { class_name: 'L1L2', config: { l1: 0.0, l2: 0.01 } },
      kernel_constraint: { class_name: 'MaxNorm', config: { max_value: 3, axis: 0 } },
    }),
  ).layers[0] as layers.Dense;
  assert.deepEqual(k2.kernelRegularizer!.getConfig(), { l1: 0, l2: 0.01 });
  assert.deepEqual(k2.kernelConstraint!.getConfig(), { max_value: 3, axis: 0 });
  // Keras 3: module and registered_name around them.
  const k3 = modelFromJSON(
    json({
      batch_input_shape: [null, 2],
      bias_regularizer: { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.5 }, registered_name: null },
      bias_constraint: {
        module: 'keras.constraints',
        class_name: 'UnitNorm',
        config: { axis: 0 },
        registered_name: null,
      },
      activity_regularizer: {
        module: 'keras.regularizers',
        class_name: 'L1',
        config: { l1: 0.1 },
        registered_name: null,
      },
    }),
  ).layers[0] as layers.Dense;
  assert.deepEqual(k3.biasRegularizer!.getConfig(), { l2: 0.5 });
  assert.equal(k3.biasConstraint!.className, 'UnitNorm');
  assert.deepEqual(k3.activityRegularizer!.getConfig(), { l1: 0.1 });
  assert.throws(
    () => modelFromJSON(json({ unitz: 3 })),
    /Cannot load layer 'd' \(Dense\): unknown config key 'unitz' \(did you mean 'units'\?\)/,
  );
  assert.throws(() => modelFromJSON(json({ lora_rank: 4 })), /'lora_rank' is not supported/);
  // Keys Keras writes with no effect here load.
  assert.doesNotThrow(() =>
    modelFromJSON(json({ batch_input_shape: [null, 2], lora_rank: null, quantization_config: null })),
  );
});

test('every layer constructor refuses a misspelled option, naming the layer and the nearest key', () => {
  const rnn = new layers.LSTM(2);
  const cases: [string, () => unknown, RegExp][] = [
    [
      'Dense',
      () => new layers.Dense(2, { kernelRegulariser: 'l2' } as never),
      /Dense: unknown option `kernelRegulariser`; did you mean `kernelRegularizer`/,
    ],
    ['Conv2D', () => new layers.Conv2D(2, 3, { kernelSise: 3 } as never), /Conv2D: unknown option `kernelSise`/],
    [
      'Conv1D',
      () => new layers.Conv1D(2, 3, { stride: 1 } as never),
      /Conv1D: unknown option `stride`; did you mean `strides`/,
    ],
    [
      'MaxPooling2D',
      () => new layers.MaxPooling2D({ poolsize: 2 } as never),
      /MaxPooling2D: unknown option `poolsize`; did you mean `poolSize`/,
    ],
    [
      'AveragePooling1D',
      () => new layers.AveragePooling1D(2, { paddin: 'same' } as never),
      /AveragePooling1D: unknown option `paddin`/,
    ],
    [
      'GlobalAveragePooling2D',
      () => new layers.GlobalAveragePooling2D({ keepDims: true } as never),
      /GlobalAveragePooling2D: unknown option `keepDims`; did you mean `keepdims`/,
    ],
    ['Dropout', () => new layers.Dropout(0.5, { noise_shape: [1] } as never), /use `noiseShape`/],
    [
      'Flatten',
      () => new layers.Flatten({ dataformat: 'channels_last' } as never),
      /Flatten: unknown option `dataformat`/,
    ],
    [
      'Activation',
      () => new layers.Activation('relu', { nmae: 'a' } as never),
      /Activation: unknown option `nmae`; did you mean `name`/,
    ],
    [
      'ReLU',
      () => new layers.ReLU({ maxvalue: 6 } as never),
      /ReLU: unknown option `maxvalue`; did you mean `maxValue`/,
    ],
    [
      'Reshape',
      () => new layers.Reshape([2], { inputShap: [2] } as never),
      /Reshape: unknown option `inputShap`; did you mean `inputShape`/,
    ],
    [
      'BatchNormalization',
      () => new layers.BatchNormalization({ momentun: 0.9 } as never),
      /BatchNormalization: unknown option `momentun`; did you mean `momentum`/,
    ],
    [
      'Embedding',
      () => new layers.Embedding(3, 2, { maskzero: true } as never),
      /Embedding: unknown option `maskzero`; did you mean `maskZero`/,
    ],
    [
      'LSTM',
      () => new layers.LSTM(2, { returnSequence: true } as never),
      /LSTM: unknown option `returnSequence`; did you mean `returnSequences`/,
    ],
    [
      'GRU',
      () => new layers.GRU(2, { resetafter: true } as never),
      /GRU: unknown option `resetafter`; did you mean `resetAfter`/,
    ],
    [
      'SimpleRNN',
      () => new layers.SimpleRNN(2, { dropuot: 0.1 } as never),
      /SimpleRNN: unknown option `dropuot`; did you mean `dropout`/,
    ],
    [
      'Bidirectional',
      () => new layers.Bidirectional(rnn, { mergemode: 'sum' } as never),
      /Bidirectional: unknown option `mergemode`; did you mean `mergeMode`/,
    ],
    [
      'Add',
      () => new layers.Add({ trainabel: false } as never),
      /Add: unknown option `trainabel`; did you mean `trainable`/,
    ],
    [
      'Concatenate',
      () => new layers.Concatenate({ axes: 1 } as never),
      /Concatenate: unknown option `axes`; did you mean `axis`/,
    ],
    [
      'Dot',
      () => new layers.Dot(1, { normalise: true } as never),
      /Dot: unknown option `normalise`; did you mean `normalize`/,
    ],
    ['Input', () => layers.Input({ shape: [2], batch_size: 2 } as never), /use `batchSize`/],
    [
      'Model',
      () => new Model({ name: 'm', output: null } as never),
      /Model: unknown option `output`; did you mean `outputs`/,
    ],
    ['Dropout seed', () => new layers.Dropout(0.5, { seed: 1 }), /per-layer seed is not supported/],
  ];
  for (const [what, make, message] of cases) assert.throws(make, message, what);
});

test('compile and fit refuse misspelled options, naming the nearest', async () => {
  const model = new Sequential([new layers.Dense(1, { inputDim: 1 })]);
  assert.throws(
    () => model.compile({ loss: 'mse', metric: ['mae'] } as never),
    /compile: unknown option `metric`; did you mean `metrics`/,
  );
  model.compile({ loss: 'mse', optimizer: 'sgd' });
  const x = tensor([[1]]);
  await assert.rejects(
    model.fit(x, x, { epoch: 1, verbose: 0 } as never),
    /fit: unknown option `epoch`; did you mean `epochs`/,
  );
});

test('string identifiers in snake_case, camelCase and PascalCase; unknown names name the nearest', () => {
  for (const name of ['glorot_uniform', 'glorotUniform', 'GlorotUniform'])
    assert.equal(getInitializer(name).className, 'GlorotUniform', name);
  assert.equal(getInitializer('heNormal').className, 'HeNormal');
  assert.throws(
    () => getInitializer('glorot_unifrom'),
    /Unknown initializer 'glorot_unifrom'; did you mean 'glorot_uniform'/,
  );
  assert.equal(getActivation('Softplus').name, 'softplus');
  assert.throws(() => getActivation('relu6x'), /Unknown activation 'relu6x'; did you mean 'relu6'/);
  for (const name of ['categorical_crossentropy', 'categoricalCrossentropy', 'CategoricalCrossentropy'])
    assert.equal(getLoss(name).name, 'categorical_crossentropy', name);
  assert.equal(getLoss('meanSquaredError').name, 'mean_squared_error');
  assert.throws(
    () => getLoss('mean_sqared_error'),
    /Unknown loss 'mean_sqared_error'; did you mean 'mean_squared_error'/,
  );
  for (const name of ['l1_l2', 'l1L2', 'L1L2'])
    assert.deepEqual(regularizers.getRegularizer(name)!.getConfig(), { l1: 0.01, l2: 0.01 }, name);
  assert.equal(regularizers.getRegularizer('orthogonalRegularizer')!.className, 'OrthogonalRegularizer');
  assert.deepEqual(regularizers.getRegularizer('L2')!.getConfig(), { l2: 0.01 });
  assert.throws(() => regularizers.getRegularizer('l3'), /Unknown regularizer.*'l3'; did you mean 'l1'/);
  for (const name of ['max_norm', 'maxNorm', 'MaxNorm'])
    assert.equal(constraints.getConstraint(name)!.className, 'MaxNorm', name);
  assert.equal(constraints.getConstraint('nonNeg')!.className, 'NonNeg');
  assert.throws(() => constraints.getConstraint('max_nrom'), /Unknown constraint.*'max_nrom'; did you mean 'max_norm'/);
  assert.throws(() => getOptimizer('adamm'), /Unknown optimizer 'adamm'; did you mean 'adam'/);
  assert.equal(getOptimizer('RMSprop').constructor.name, 'RMSprop');
  for (const inherited of ['constructor', 'toString', '__proto__']) {
    assert.throws(() => regularizers.getRegularizer(inherited), /Unknown regularizer/, inherited);
    assert.throws(() => regularizers.getRegularizer({ class_name: inherited }), /Unknown regularizer class/, inherited);
    assert.throws(() => constraints.getConstraint(inherited), /Unknown constraint/, inherited);
  }
  // Through a layer: the initializer and the activation, camelCase.
  const d = new layers.Dense(2, { kernelInitializer: 'heUniform', activation: 'Relu' as never, inputDim: 2 });
  assert.equal(d.kernelInitializer.className, 'HeUniform');
  assert.equal(d.activation.name, 'relu');
});

test('a custom regularizer function joins the loss; saving it says why it cannot be', () => {
  const sumOfKernel = (w: Tensor): Tensor => w.sum();
  const d = new layers.Dense(1, { inputDim: 2, kernelInitializer: 'ones', kernelRegularizer: sumOfKernel });
  d.apply(tensor([[1, 1]]));
  close(d.losses[0]!.item(), 2);
  assert.throws(() => d.getConfig(), /custom regularizer function 'sumOfKernel' cannot be saved/);
});

test('a model with regularizers and constraints saves (.keras and .h5), reloads and resumes training with the same losses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-regul-'));
  setRandomSeed(4);
  const make = (): Sequential => {
    const m = new Sequential([
      new layers.Dense(4, {
        inputDim: 3,
        activation: 'relu',
        kernelRegularizer: new regularizers.L2(0.05),
        activityRegularizer: new regularizers.L1(0.01),
        kernelConstraint: new constraints.MaxNorm({ maxValue: 1 }),
      }),
      new layers.Dense(1, { biasRegularizer: 'l1', biasConstraint: 'non_neg' }),
    ]);
    m.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.1 }) });
    return m;
  };
  const x = randomNormal([16, 3]);
  const y = randomNormal([16, 1]);
  const model = make();
  await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
  for (const file of ['m.keras', 'm.h5']) {
    const path = join(dir, file);
    await model.save(path);
    const loaded = await loadModel(path);
    loaded.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.1 }) });
    const [before] = await model.evaluate(x, y, { verbose: 0 });
    const [after] = await loaded.evaluate(x, y, { verbose: 0 });
    close(after!, before!, 1e-6, file);
    // The same step on both: the same loss and the same (constrained) weights.
    const copy = make();
    copy.setWeights(model.getWeights());
    const a = copy.trainOnBatch(x, y)[0]!;
    const b = loaded.trainOnBatch(x, y)[0]!;
    close(b, a, 1e-6, `${file} step`);
    loaded
      .getWeights()
      .forEach((w, i) =>
        values(w).forEach((v, j) => close(v, values(copy.getWeights()[i]!)[j]!, 1e-5, `${file} weight ${i}`)),
      );
  }
});
