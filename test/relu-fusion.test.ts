// A relu that is the only reader of a BatchNormalization call runs inside BatchNormalization's
// kernels (models/relu-fusion.ts): the same bits as running the layers one by one, and not fused
// where that would change what a layer sees or returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../src/backend/backend.js';
import { backend } from '../src/backend/registry.js';
import { valueAndGrad } from '../src/core/autograd.js';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { Input, Model, layers } from '../src/index.js';
import { mul } from '../src/ops/binary.js';
import { sum } from '../src/ops/reduce.js';

function randomTensor(shape: number[], seed: number): Tensor {
  const r = new Random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => r.uniform() * 2 - 1),
    shape,
    'float32',
  );
}

/** Runs fn and returns the `relu` flag of every channelAffine call it made. */
function affineReluFlags(fn: () => void): boolean[] {
  const be = backend() as Backend & Record<string, unknown>;
  const original = be.channelAffine;
  const flags: boolean[] = [];
  be.channelAffine = (...args: Parameters<Backend['channelAffine']>) => {
    flags.push(args[5]);
    original.apply(be, args);
  };
  try {
    fn();
  } finally {
    be.channelAffine = original;
  }
  return flags;
}

function assertSameBits(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  for (let i = 0; i < a.size; i++)
    assert.ok(Object.is(a.data[i], b.data[i]), `${what}[${i}]: ${a.data[i]} vs ${b.data[i]}`);
}

test('BatchNormalization -> relu in a graph: fused, with the bits of the layers run one by one', () => {
  const input = Input({ shape: [6, 6, 3] });
  const conv1 = new layers.Conv2D(4, 3, { padding: 'same' });
  const bn1 = new layers.BatchNormalization();
  const act1 = new layers.Activation('relu');
  const conv2 = new layers.Conv2D(4, 3, { padding: 'same' });
  const bn2 = new layers.BatchNormalization();
  const act2 = new layers.ReLU();
  const gap = new layers.GlobalAveragePooling2D();
  const dense = new layers.Dense(2);
  const out = dense.apply(gap.apply(act2.apply(bn2.apply(conv2.apply(act1.apply(bn1.apply(conv1.apply(input))))))));
  const model = new Model({ inputs: input, outputs: out });
  const x = randomTensor([5, 6, 6, 3], 1);
  const w = randomTensor([5, 2], 2);
  const vars = model.trainableWeights;
  const chain = [conv1, bn1, act1, conv2, bn2, act2, gap, dense];
  const eager = (t: Tensor): Tensor => chain.reduce((h, l) => l.apply(h, { training: true }), t);
  const viaGraph = valueAndGrad(() => sum(mul(model.apply(x, { training: true }), w)), vars);
  const oneByOne = valueAndGrad(() => sum(mul(eager(x), w)), vars);

  let fused!: ReturnType<typeof viaGraph>;
  assert.deepEqual(
    affineReluFlags(() => (fused = viaGraph())),
    [true, true],
    'both BatchNormalization calls take the relu',
  );
  let plain!: ReturnType<typeof oneByOne>;
  assert.deepEqual(
    affineReluFlags(() => (plain = oneByOne())),
    [false, false],
  );
  assertSameBits(fused.value, plain.value, 'loss');
  fused.grads.forEach((g, i) => assertSameBits(g!, plain.grads[i]!, `grad of ${vars[i]!.name}`));
  // Inference: the moving statistics, relu after them; same bits again.
  const inferEager = chain.reduce((h, l) => l.apply(h, { training: false }), x);
  assertSameBits(model.apply(x, { training: false }), inferEager, 'inference');
});

test('no fusion where the relu is not the only reader, the output is returned, or a layer has its own effects', () => {
  const x = randomTensor([3, 4, 5], 3);
  const build = (make: (h: layers.SymbolicTensor) => layers.SymbolicTensor | layers.SymbolicTensor[]) => {
    const input = Input({ shape: [4, 5] });
    return new Model({ inputs: input, outputs: make(new layers.BatchNormalization().apply(input)) });
  };
  const cases: [string, Model][] = [
    ['two readers', build((h) => layers.add([new layers.Activation('relu').apply(h), h]))],
    ['returned too', build((h) => [new layers.Activation('relu').apply(h), h])],
    [
      'relu with an activity regularizer',
      build((h) => new layers.Activation('relu', { activityRegularizer: 'l2' }).apply(h)),
    ],
    ['ReLU with a max value', build((h) => new layers.ReLU({ maxValue: 6 }).apply(h))],
    ['another activation', build((h) => new layers.Activation('tanh').apply(h))],
  ];
  for (const [what, model] of cases)
    assert.deepEqual(
      affineReluFlags(() => model.apply(x, { training: true })),
      [false],
      what,
    );
  const fusedOne = build((h) => new layers.Activation('relu').apply(h));
  assert.deepEqual(
    affineReluFlags(() => fusedOne.apply(x, { training: true })),
    [true],
    'the plain case fuses',
  );
});
