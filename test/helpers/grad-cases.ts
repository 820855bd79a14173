/**
 * The gradient-check table: one or more cases for every differentiable op exported from
 * src/ops/index.ts and for every loss in src/losses/losses.ts. `test/ops-grad.test.ts` checks
 * each case against finite differences in float64; `test/backend-coverage.test.ts` replays
 * them (forward + backward, float32 and float64) to record which kernels the ops use.
 */
import type { DType } from '../../src/core/dtype.js';
import { Random, setRandomSeed } from '../../src/core/random.js';
import { Tensor } from '../../src/core/tensor.js';
import * as ops from '../../src/ops/index.js';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossentropy,
} from '../../src/losses/losses.js';
import * as L from '../../src/losses/losses.js';
import * as A from '../../src/layers/activations.js';
import type { Operand } from '../../src/ops/operand.js';
import type { GradcheckOptions, InputSpec } from './gradcheck.js';
import { randomValues } from './gradcheck.js';

export interface GradCase {
  name: string;
  /** Exports of src/ops/index.ts (or `losses.<name>`) this case differentiates through. */
  ops: readonly string[];
  inputs: readonly InputSpec[];
  /** Builds the output from the inputs; constants are cast to `dtype` inside. */
  fn: (xs: Tensor[], dtype: DType) => Tensor;
  opts?: GradcheckOptions;
}

const constRng = new Random(99);

/** A float64 constant (not differentiated); cast with `c(t, dtype)` inside a case. */
function constant(shape: readonly number[], kind: InputSpec['kind'] = 'signed'): Tensor {
  return new Tensor(
    randomValues(
      constRng,
      shape.reduce((a, b) => a * b, 1),
      kind,
    ),
    shape,
    'float64',
  );
}

function c(t: Tensor, dtype: DType): Tensor {
  return ops.astype(t, dtype);
}

function oneHotRows(ids: number[], depth: number): Tensor {
  return ops.oneHot(ops.tensor(ids, [ids.length], 'int32'), depth, 'float64');
}

const S = (shape: readonly number[], kind?: InputSpec['kind']): InputSpec => ({ shape, kind });

const cases: GradCase[] = [];
const add = (k: GradCase): void => {
  cases.push(k);
};

// ---- unary ops --------------------------------------------------------------------------------
const UNARY: [string, InputSpec['kind']][] = [
  ['neg', 'signed'],
  ['abs', 'signed'],
  ['exp', 'signed'],
  ['log', 'positive'],
  ['sqrt', 'positive'],
  ['rsqrt', 'positive'],
  ['square', 'signed'],
  ['reciprocal', 'signed'],
  ['relu', 'signed'],
  ['sigmoid', 'signed'],
  ['tanh', 'signed'],
  ['softplus', 'signed'],
];
for (const [name, kind] of UNARY) {
  const f = (ops as unknown as Record<string, (x: Tensor) => Tensor>)[name]!;
  add({ name: `${name} [2,3]`, ops: [name], inputs: [S([2, 3], kind)], fn: ([x]) => f(x!) });
}
add({
  name: 'clip inside and outside [-0.7, 0.9]',
  ops: ['clip'],
  inputs: [S([3, 4])],
  fn: ([x]) => ops.clip(x!, -0.7, 0.9),
});

// ---- binary ops with broadcasting ---------------------------------------------------------------
type Bin = (a: Operand, b: Operand) => Tensor;
const BINARY: [string, Bin, InputSpec['kind'], InputSpec['kind']][] = [
  ['add', ops.add, 'signed', 'signed'],
  ['sub', ops.sub, 'signed', 'signed'],
  ['mul', ops.mul, 'signed', 'signed'],
  ['div', ops.div, 'signed', 'signed'],
  ['pow', ops.pow, 'positive', 'signed'],
  ['maximum', ops.maximum, 'signed', 'signed'],
  ['minimum', ops.minimum, 'signed', 'signed'],
];
const BROADCASTS: [readonly number[], readonly number[]][] = [
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 3], [3]],
  [[3], [2, 3]],
  [
    [2, 1, 4],
    [3, 1],
  ],
  [
    [3, 1],
    [2, 1, 4],
  ],
  [[2, 3], []],
  [[], [2, 3]],
  [
    [4, 1],
    [1, 3],
  ],
];
for (const [name, f, ka, kb] of BINARY) {
  for (const [sa, sb] of BROADCASTS) {
    add({
      name: `${name} [${sa}] with [${sb}]`,
      ops: [name],
      inputs: [S(sa, ka), S(sb, kb)],
      fn: ([a, b]) => f(a!, b!),
    });
  }
}
// Plain numbers on either side (weak scalars adopt the tensor's dtype).
add({ name: 'add tensor + 1.5', ops: ['add'], inputs: [S([2, 3])], fn: ([x]) => ops.add(x!, 1.5) });
add({ name: 'sub 2 - tensor', ops: ['sub'], inputs: [S([2, 3])], fn: ([x]) => ops.sub(2, x!) });
add({ name: 'mul 3 * tensor', ops: ['mul'], inputs: [S([2, 3])], fn: ([x]) => ops.mul(3, x!) });
add({ name: 'div 1 / tensor', ops: ['div'], inputs: [S([2, 3])], fn: ([x]) => ops.div(1, x!) });
add({ name: 'div tensor / 4', ops: ['div'], inputs: [S([2, 3])], fn: ([x]) => ops.div(x!, 4) });
add({ name: 'pow tensor ^ 3 (negative bases)', ops: ['pow'], inputs: [S([2, 3])], fn: ([x]) => ops.pow(x!, 3) });
add({ name: 'pow tensor ^ 2.5', ops: ['pow'], inputs: [S([2, 3], 'positive')], fn: ([x]) => ops.pow(x!, 2.5) });
add({ name: 'pow 2 ^ tensor', ops: ['pow'], inputs: [S([2, 3])], fn: ([x]) => ops.pow(2, x!) });
add({ name: 'maximum tensor, 0.1', ops: ['maximum'], inputs: [S([2, 3])], fn: ([x]) => ops.maximum(x!, 0.1) });
add({ name: 'minimum 0.1, tensor', ops: ['minimum'], inputs: [S([2, 3])], fn: ([x]) => ops.minimum(0.1, x!) });
add({ name: 'mul x * x (same tensor twice)', ops: ['mul'], inputs: [S([2, 3])], fn: ([x]) => ops.mul(x!, x!) });

// ---- reductions ---------------------------------------------------------------------------------
type Red = (x: Tensor, axes?: number | readonly number[], keepDims?: boolean) => Tensor;
const REDUCTIONS: [string, Red, InputSpec['kind']][] = [
  ['sum', ops.sum, 'signed'],
  ['mean', ops.mean, 'signed'],
  ['max', ops.max, 'distinct'],
  ['min', ops.min, 'distinct'],
];
const AXES: (number | number[] | undefined)[] = [undefined, 1, -1, [0, 2], [1, 2], [0, 1, 2]];
for (const [name, f, kind] of REDUCTIONS) {
  for (const axes of AXES) {
    for (const keepDims of [false, true]) {
      add({
        name: `${name} over ${JSON.stringify(axes) ?? 'all'} keepDims=${keepDims}`,
        ops: [name],
        inputs: [S([2, 3, 4], kind)],
        fn: ([x]) => f(x!, axes, keepDims),
      });
    }
  }
}

// ---- matmul and dense ---------------------------------------------------------------------------
const MATMULS: [readonly number[], readonly number[]][] = [
  [
    [2, 3],
    [3, 4],
  ],
  [
    [2, 2, 3],
    [2, 3, 4],
  ],
  [
    [2, 2, 3],
    [3, 4],
  ],
  [
    [2, 3],
    [2, 3, 4],
  ],
  [
    [2, 1, 2, 3],
    [3, 2],
  ],
  [[3], [3, 4]],
  [[2, 3], [3]],
  [[3], [3]],
  [[3], [2, 3, 4]],
  [[2, 2, 3], [3]],
  [
    [1, 3],
    [3, 1],
  ],
];
for (const [sa, sb] of MATMULS) {
  add({
    name: `matmul [${sa}] @ [${sb}]`,
    ops: ['matmul'],
    inputs: [S(sa), S(sb)],
    fn: ([a, b]) => ops.matmul(a!, b!),
  });
}
add({
  name: 'dense with bias, linear',
  ops: ['dense'],
  inputs: [S([3, 4]), S([4, 2]), S([2])],
  fn: ([x, w, b]) => ops.dense(x!, w!, b!),
});
add({
  name: 'dense with bias, relu',
  ops: ['dense'],
  inputs: [S([3, 4]), S([4, 3]), S([3])],
  fn: ([x, w, b]) => ops.dense(x!, w!, b!, 'relu'),
});
add({
  name: 'dense without bias, linear',
  ops: ['dense'],
  inputs: [S([3, 4]), S([4, 2])],
  fn: ([x, w]) => ops.dense(x!, w!, null),
});
add({
  name: 'dense without bias, relu',
  ops: ['dense'],
  inputs: [S([3, 4]), S([4, 3])],
  fn: ([x, w]) => ops.dense(x!, w!, null, 'relu'),
});
add({
  name: 'dense rank-3 input',
  ops: ['dense'],
  inputs: [S([2, 2, 3]), S([3, 2]), S([2])],
  fn: ([x, w, b]) => ops.dense(x!, w!, b!),
});

// ---- layout -------------------------------------------------------------------------------------
add({
  name: 'transpose rank 2 (default perm)',
  ops: ['transpose'],
  inputs: [S([2, 3])],
  fn: ([x]) => ops.transpose(x!),
});
add({
  name: 'transpose rank 3 [1,2,0]',
  ops: ['transpose'],
  inputs: [S([2, 3, 4])],
  fn: ([x]) => ops.transpose(x!, [1, 2, 0]),
});
add({ name: 'transpose rank 3 default', ops: ['transpose'], inputs: [S([2, 3, 2])], fn: ([x]) => ops.transpose(x!) });
add({
  name: 'transpose rank 4 [3,1,0,2]',
  ops: ['transpose'],
  inputs: [S([2, 3, 1, 2])],
  fn: ([x]) => ops.transpose(x!, [3, 1, 0, 2]),
});
add({
  name: 'transpose rank 4 negative axes',
  ops: ['transpose'],
  inputs: [S([2, 1, 3, 2])],
  fn: ([x]) => ops.transpose(x!, [-1, 0, -2, 1]),
});
const reshapeWeights = constant([3, 2]);
add({
  name: 'reshape with -1',
  ops: ['reshape'],
  inputs: [S([2, 3])],
  fn: ([x], d) => ops.mul(ops.reshape(x!, [3, -1]), c(reshapeWeights, d)),
});
add({ name: 'flatten [2,3,2]', ops: ['flatten'], inputs: [S([2, 3, 2])], fn: ([x]) => ops.flatten(x!) });
add({ name: 'expandDims axis 1', ops: ['expandDims'], inputs: [S([2, 3])], fn: ([x]) => ops.expandDims(x!, 1) });
add({ name: 'expandDims axis -1', ops: ['expandDims'], inputs: [S([2, 3])], fn: ([x]) => ops.expandDims(x!, -1) });
add({ name: 'squeeze all', ops: ['squeeze'], inputs: [S([2, 1, 3, 1])], fn: ([x]) => ops.squeeze(x!) });
add({ name: 'squeeze axis 1', ops: ['squeeze'], inputs: [S([2, 1, 3, 1])], fn: ([x]) => ops.squeeze(x!, [1]) });
add({
  name: 'broadcastTo [3] -> [2,3]',
  ops: ['broadcastTo'],
  inputs: [S([3])],
  fn: ([x]) => ops.broadcastTo(x!, [2, 3]),
});
add({
  name: 'broadcastTo [2,1] -> [3,2,4]',
  ops: ['broadcastTo'],
  inputs: [S([2, 1])],
  fn: ([x]) => ops.broadcastTo(x!, [3, 2, 4]),
});
add({
  name: 'broadcastTo [] -> [2,2]',
  ops: ['broadcastTo'],
  inputs: [S([])],
  fn: ([x]) => ops.broadcastTo(x!, [2, 2]),
});
add({
  name: 'slice rows (shared storage)',
  ops: ['slice'],
  inputs: [S([4, 5])],
  fn: ([x]) => ops.slice(x!, [1, 0], [2, -1]),
});
add({ name: 'slice inner box', ops: ['slice'], inputs: [S([4, 5])], fn: ([x]) => ops.slice(x!, [1, 2], [2, 2]) });
add({
  name: 'slice rank-3 inner box',
  ops: ['slice'],
  inputs: [S([2, 3, 4])],
  fn: ([x]) => ops.slice(x!, [0, 1, 1], [2, 2, 2]),
});
add({
  name: 'slice rank-3 last-axis cut',
  ops: ['slice'],
  inputs: [S([2, 3, 4])],
  fn: ([x]) => ops.slice(x!, [1, 0, 2]),
});
add({
  name: 'gather axis 0, repeated indices',
  ops: ['gather'],
  inputs: [S([3, 2])],
  fn: ([x]) => ops.gather(x!, [2, 0, 2, 2]),
});
add({
  name: 'gather axis 1, repeated indices',
  ops: ['gather'],
  inputs: [S([2, 4, 2])],
  fn: ([x]) => ops.gather(x!, [1, 1, 0, 3], 1),
});
add({
  name: 'gather axis -1 with [2,2] index tensor',
  ops: ['gather'],
  inputs: [S([2, 3, 4])],
  fn: ([x]) =>
    ops.gather(
      x!,
      ops.tensor(
        [
          [3, 0],
          [3, 1],
        ],
        undefined,
        'int32',
      ),
      -1,
    ),
});
add({ name: 'take with repeats', ops: ['take'], inputs: [S([4, 2])], fn: ([x]) => ops.take(x!, [3, 1, 3]) });
add({ name: 'concat axis 0', ops: ['concat'], inputs: [S([2, 3]), S([1, 3])], fn: (xs) => ops.concat(xs, 0) });
add({
  name: 'concat axis 1 of three',
  ops: ['concat'],
  inputs: [S([2, 3]), S([2, 2]), S([2, 1])],
  fn: (xs) => ops.concat(xs, 1),
});
add({
  name: 'concat axis -1 rank 3',
  ops: ['concat'],
  inputs: [S([2, 2, 1]), S([2, 2, 3])],
  fn: (xs) => ops.concat(xs, -1),
});
add({ name: 'concat same tensor twice', ops: ['concat'], inputs: [S([2, 2])], fn: ([x]) => ops.concat([x!, x!], 1) });
add({ name: 'stack axis 0', ops: ['stack'], inputs: [S([2, 3]), S([2, 3])], fn: (xs) => ops.stack(xs, 0) });
add({ name: 'stack axis 1', ops: ['stack'], inputs: [S([2, 3]), S([2, 3]), S([2, 3])], fn: (xs) => ops.stack(xs, 1) });
add({ name: 'stack axis -1', ops: ['stack'], inputs: [S([2, 3]), S([2, 3])], fn: (xs) => ops.stack(xs, -1) });

// ---- convolution, pooling, padding ---------------------------------------------------------------
add({
  name: 'pad rank 2',
  ops: ['pad'],
  inputs: [S([2, 3])],
  fn: ([x]) =>
    ops.pad(
      x!,
      [
        [1, 0],
        [2, 1],
      ],
      0.5,
    ),
});
add({
  name: 'pad rank 3, last axis only',
  ops: ['pad'],
  inputs: [S([2, 2, 2])],
  fn: ([x]) =>
    ops.pad(x!, [
      [0, 0],
      [0, 0],
      [1, 2],
    ]),
});
add({
  name: 'conv2d valid',
  ops: ['conv2d'],
  inputs: [S([1, 4, 4, 2]), S([2, 2, 2, 3])],
  fn: ([x, k]) => ops.conv2d(x!, k!),
});
add({
  name: 'conv2d same, strides 2, bias, relu',
  ops: ['conv2d'],
  inputs: [S([2, 5, 4, 1]), S([3, 3, 1, 2]), S([2])],
  fn: ([x, k, b]) => ops.conv2d(x!, k!, { padding: 'same', strides: 2, bias: b!, activation: 'relu' }),
});
add({
  // 3x3, stride 1, >= 8 channels in and out, >= 100 positions: the native backend computes this one by Winograd.
  name: 'conv2d 3x3 same, 8 channels in and out, bias',
  ops: ['conv2d'],
  inputs: [S([1, 10, 11, 8]), S([3, 3, 8, 8]), S([8])],
  fn: ([x, k, b]) => ops.conv2d(x!, k!, { padding: 'same', bias: b! }),
});
add({
  name: 'conv2d dilation 2',
  ops: ['conv2d'],
  inputs: [S([1, 5, 5, 1]), S([2, 2, 1, 2])],
  fn: ([x, k]) => ops.conv2d(x!, k!, { dilationRate: 2 }),
});
add({
  name: 'conv1d causal',
  ops: ['conv1d'],
  inputs: [S([2, 5, 2]), S([3, 2, 2])],
  fn: ([x, k]) => ops.conv1d(x!, k!, { padding: 'causal' }),
});
add({
  name: 'conv1d same, stride 2, bias',
  ops: ['conv1d'],
  inputs: [S([1, 6, 1]), S([3, 1, 2]), S([2])],
  fn: ([x, k, b]) => ops.conv1d(x!, k!, { padding: 'same', strides: 2, bias: b! }),
});
add({
  name: 'convTranspose2d valid, strides 2',
  ops: ['convTranspose2d'],
  inputs: [S([2, 2, 3, 2]), S([3, 2, 3, 2])],
  fn: ([x, k]) => ops.convTranspose2d(x!, k!, { strides: 2 }),
});
add({
  name: 'convTranspose2d same, strides [2, 3], outputPadding [1, 0]',
  ops: ['convTranspose2d'],
  inputs: [S([1, 3, 2, 2]), S([3, 2, 2, 2])],
  fn: ([x, k]) => ops.convTranspose2d(x!, k!, { strides: [2, 3], padding: 'same', outputPadding: [1, 0] }),
});
add({
  // Stride 1, 3x3, >= 8 channels in and out, >= 100 positions: native runs both passes by Winograd.
  name: 'convTranspose2d 3x3 same, 8 channels in and out',
  ops: ['convTranspose2d'],
  inputs: [S([1, 10, 10, 8]), S([3, 3, 8, 8])],
  fn: ([x, k]) => ops.convTranspose2d(x!, k!, { padding: 'same' }),
});
add({
  name: 'convTranspose2d dilation 2',
  ops: ['convTranspose2d'],
  inputs: [S([1, 3, 3, 1]), S([2, 2, 2, 1])],
  fn: ([x, k]) => ops.convTranspose2d(x!, k!, { dilationRate: 2 }),
});
add({
  name: 'convTranspose1d same, stride 2',
  ops: ['convTranspose1d'],
  inputs: [S([2, 4, 2]), S([3, 3, 2])],
  fn: ([x, k]) => ops.convTranspose1d(x!, k!, { strides: 2, padding: 'same' }),
});
add({
  name: 'depthwiseConv2d valid, multiplier 2',
  ops: ['depthwiseConv2d'],
  inputs: [S([2, 4, 3, 2]), S([2, 2, 2, 2])],
  fn: ([x, k]) => ops.depthwiseConv2d(x!, k!),
});
add({
  name: 'depthwiseConv2d same, strides 2, dilation 2',
  ops: ['depthwiseConv2d'],
  inputs: [S([1, 5, 6, 3]), S([2, 3, 3, 1])],
  fn: ([x, k]) => ops.depthwiseConv2d(x!, k!, { padding: 'same', strides: 2, dilationRate: 2 }),
});
add({
  name: 'depthwiseConv1d same, stride 2, multiplier 3',
  ops: ['depthwiseConv1d'],
  inputs: [S([2, 5, 2]), S([3, 2, 3])],
  fn: ([x, k]) => ops.depthwiseConv1d(x!, k!, { padding: 'same', strides: 2 }),
});
add({
  name: 'maxPool2d 2x2 valid',
  ops: ['maxPool2d'],
  inputs: [S([1, 4, 4, 2], 'distinct')],
  fn: ([x]) => ops.maxPool2d(x!, 2),
});
add({
  name: 'maxPool2d 3x3 same, strides 2',
  ops: ['maxPool2d'],
  inputs: [S([1, 5, 4, 1], 'distinct')],
  fn: ([x]) => ops.maxPool2d(x!, 3, { padding: 'same', strides: 2 }),
});
add({ name: 'avgPool2d 2x2 valid', ops: ['avgPool2d'], inputs: [S([2, 4, 4, 1])], fn: ([x]) => ops.avgPool2d(x!, 2) });
add({
  name: 'avgPool2d 3x3 same, strides 1',
  ops: ['avgPool2d'],
  inputs: [S([1, 3, 4, 2])],
  fn: ([x]) => ops.avgPool2d(x!, 3, { padding: 'same', strides: 1 }),
});
add({ name: 'maxPool1d 2', ops: ['maxPool1d'], inputs: [S([2, 5, 2], 'distinct')], fn: ([x]) => ops.maxPool1d(x!, 2) });
add({
  name: 'maxPool1d 3 same stride 1',
  ops: ['maxPool1d'],
  inputs: [S([1, 5, 2], 'distinct')],
  fn: ([x]) => ops.maxPool1d(x!, 3, { padding: 'same', strides: 1 }),
});
add({
  name: 'avgPool1d 2 same',
  ops: ['avgPool1d'],
  inputs: [S([2, 5, 1])],
  fn: ([x]) => ops.avgPool1d(x!, 2, { padding: 'same' }),
});

// ---- unstack and embedding lookup ---------------------------------------------------------------
add({
  name: 'unstack axis 0, pieces reused and one unused',
  ops: ['unstack'],
  inputs: [S([3, 2])],
  fn: ([x]) => {
    const [a, , c] = ops.unstack(x!);
    return ops.add(ops.mul(a!, c!), ops.mul(a!, 3));
  },
});
add({
  name: 'unstack axis 1 of rank 3',
  ops: ['unstack'],
  inputs: [S([2, 3, 2])],
  fn: ([x]) =>
    ops.concat(
      ops.unstack(x!, 1).map((p, i) => ops.mul(p, i + 1)),
      1,
    ),
});
add({
  name: 'unstack axis -1 then stack',
  ops: ['unstack'],
  inputs: [S([2, 3])],
  fn: ([x]) =>
    ops.stack(
      ops.unstack(x!, -1).map((p) => ops.tanh(p)),
      0,
    ),
});
add({
  name: 'embeddingLookup with repeated [2,3] indices',
  ops: ['embeddingLookup'],
  inputs: [S([4, 3])],
  fn: ([t]) =>
    ops.embeddingLookup(
      t!,
      ops.tensor(
        [
          [3, 0, 3],
          [1, 1, 2],
        ],
        undefined,
        'int32',
      ),
    ),
});

// ---- softmax family -----------------------------------------------------------------------------
add({ name: 'softmax last axis', ops: ['softmax'], inputs: [S([2, 4])], fn: ([x]) => ops.softmax(x!) });
add({ name: 'softmax axis 0', ops: ['softmax'], inputs: [S([3, 2])], fn: ([x]) => ops.softmax(x!, 0) });
add({
  name: 'softmax middle axis of rank 3',
  ops: ['softmax'],
  inputs: [S([2, 3, 2])],
  fn: ([x]) => ops.softmax(x!, 1),
});
add({ name: 'logSoftmax last axis', ops: ['logSoftmax'], inputs: [S([2, 4])], fn: ([x]) => ops.logSoftmax(x!) });
add({ name: 'logSoftmax axis 0', ops: ['logSoftmax'], inputs: [S([3, 2])], fn: ([x]) => ops.logSoftmax(x!, 0) });
add({
  name: 'logSoftmax middle axis of rank 3',
  ops: ['logSoftmax'],
  inputs: [S([2, 3, 2])],
  fn: ([x]) => ops.logSoftmax(x!, 1),
});
const softLabels = ops.softmax(constant([3, 4]));
add({
  name: 'softmaxCrossEntropy w.r.t. logits (soft labels)',
  ops: ['softmaxCrossEntropy'],
  inputs: [S([3, 4])],
  fn: ([x], d) => ops.softmaxCrossEntropy(c(softLabels, d), x!),
});
add({
  name: 'softmaxCrossEntropy w.r.t. logits and labels, rank 3',
  ops: ['softmaxCrossEntropy'],
  inputs: [S([2, 2, 3], 'prob'), S([2, 2, 3])],
  fn: ([y, x]) => ops.softmaxCrossEntropy(y!, x!),
});

// ---- batch normalisation ------------------------------------------------------------------------
add({
  name: 'batchNormTraining w.r.t. x, gamma and beta',
  ops: ['batchNormTraining'],
  inputs: [S([3, 2, 4]), S([4]), S([4])],
  fn: ([x, g, b]) => ops.batchNormTraining(x!, g!, b!, 1e-3).y,
});
add({
  name: 'batchNormInference w.r.t. every argument',
  ops: ['batchNormInference'],
  inputs: [S([5, 3]), S([3]), S([3], 'positive'), S([3]), S([3])],
  fn: ([x, m, v, g, b]) => ops.batchNormInference(x!, m!, v!, g!, b!, 1e-3),
});

// ---- dtype and randomness -----------------------------------------------------------------------
add({
  name: 'astype float64 -> float64 (identity)',
  ops: ['astype'],
  inputs: [S([2, 3])],
  fn: ([x]) => ops.mul(ops.astype(x!, 'float64'), 2),
});
add({
  name: 'astype float64 -> float32 -> float64',
  ops: ['astype'],
  inputs: [S([2, 3], 'grid')],
  // Grid inputs and a power-of-two step keep every evaluation exact in float32.
  fn: ([x], d) => ops.astype(ops.mul(ops.astype(x!, 'float32'), 3), d),
  opts: { eps: 1 / 256 },
});
add({
  name: 'dropout rate 0.4 (mask fixed by re-seeding)',
  ops: ['dropout'],
  inputs: [S([4, 5])],
  fn: ([x]) => {
    setRandomSeed(7);
    return ops.dropout(x!, 0.4);
  },
});
add({
  name: 'dropout with a broadcast noise shape',
  ops: ['dropout'],
  inputs: [S([4, 3])],
  fn: ([x]) => {
    setRandomSeed(8);
    return ops.dropout(x!, 0.5, [1, 3]);
  },
});

// ---- losses -------------------------------------------------------------------------------------
const oneHot34 = oneHotRows([2, 0, 3], 4);
add({
  name: 'categoricalCrossentropy via softmax logits',
  ops: ['losses.categoricalCrossentropy'],
  inputs: [S([3, 4])],
  fn: ([x], d) => categoricalCrossentropy(c(oneHot34, d), ops.softmax(x!)),
});
add({
  name: 'categoricalCrossentropy via softmax logits, soft labels',
  ops: ['losses.categoricalCrossentropy'],
  inputs: [S([3, 4])],
  fn: ([x], d) => categoricalCrossentropy(c(softLabels, d), ops.softmax(x!)),
});
add({
  name: 'categoricalCrossentropy on clipped probabilities',
  ops: ['losses.categoricalCrossentropy'],
  inputs: [S([3, 4], 'prob')],
  fn: ([p], d) => categoricalCrossentropy(c(oneHot34, d), p!),
});
add({
  name: 'sparseCategoricalCrossentropy via softmax logits',
  ops: ['losses.sparseCategoricalCrossentropy'],
  inputs: [S([3, 4])],
  fn: ([x]) => sparseCategoricalCrossentropy(ops.tensor([2, 0, 3], [3], 'int32'), ops.softmax(x!)),
});
add({
  name: 'sparseCategoricalCrossentropy on probabilities, [N,1] targets',
  ops: ['losses.sparseCategoricalCrossentropy'],
  inputs: [S([3, 4], 'prob')],
  fn: ([p]) => sparseCategoricalCrossentropy(ops.tensor([1, 1, 0], [3, 1], 'int32'), p!),
});
const binTargets = ops.tensor(
  [
    [1, 0],
    [0, 0],
    [1, 1],
  ],
  undefined,
  'float64',
);
add({
  name: 'binaryCrossentropy via sigmoid logits',
  ops: ['losses.binaryCrossentropy'],
  inputs: [S([3, 2])],
  fn: ([x], d) => binaryCrossentropy(c(binTargets, d), ops.sigmoid(x!)),
});
add({
  name: 'binaryCrossentropy on probabilities',
  ops: ['losses.binaryCrossentropy'],
  inputs: [S([3, 2], 'prob')],
  fn: ([p], d) => binaryCrossentropy(c(binTargets, d), p!),
});
const regTargets = constant([3, 2]);
add({
  name: 'meanSquaredError',
  ops: ['losses.meanSquaredError'],
  inputs: [S([3, 2])],
  fn: ([x], d) => meanSquaredError(c(regTargets, d), x!),
});
add({
  name: 'meanAbsoluteError',
  ops: ['losses.meanAbsoluteError'],
  inputs: [S([3, 2])],
  fn: ([x], d) => meanAbsoluteError(c(regTargets, d), x!),
});

// ---- compositions -------------------------------------------------------------------------------
add({
  name: 'two-layer MLP with softmax cross-entropy',
  ops: ['dense', 'softmax', 'losses.categoricalCrossentropy', 'mean'],
  inputs: [S([3, 4]), S([4, 5]), S([5]), S([5, 3]), S([3])],
  fn: ([x, w1, b1, w2, b2], d) =>
    ops.mean(
      categoricalCrossentropy(
        c(oneHotRows([0, 2, 1], 3), d),
        ops.softmax(ops.dense(ops.dense(x!, w1!, b1!, 'relu'), w2!, b2!)),
      ),
    ),
});
add({
  name: 'diamond: tanh(x) * sigmoid(x) + x',
  ops: ['tanh', 'sigmoid', 'mul', 'add'],
  inputs: [S([2, 3])],
  fn: ([x]) => ops.add(ops.mul(ops.tanh(x!), ops.sigmoid(x!)), x!),
});

// ---- whole-sequence recurrent ops (batch 2, time 3, units 3) ----------------------------------
// The output is joined with the final states, so every tape record the op makes is checked.
// The recurrent kernel is halved to keep the gates away from saturation.
{
  const B = 2;
  const T = 3;
  const u = 3;
  const mask = constant([B, u], 'positive');
  // Row 0 skips its first step, row 1 its middle and last steps.
  const steps = ops.tensor([0, 1, 1, 1, 0, 0], [B, T], 'float64');
  const joined = (r: ops.RecurrentSequenceResult): Tensor =>
    ops.concat([r.output.rank === 3 ? ops.reshape(r.output, [B, -1]) : r.output, ...r.states], 1);
  type Run = (x: Tensor, k: Tensor, o: ops.RecurrentSequenceOptions, more: Tensor[]) => ops.RecurrentSequenceResult;
  const cells: [string, string, number, Run, InputSpec[]][] = [
    ['simpleRnnSequence', 'tanh', 1, (x, k, o) => ops.simpleRnnSequence(x, k, o), []],
    ['simpleRnnSequence', 'linear', 1, (x, k, o) => ops.simpleRnnSequence(x, k, { ...o, activation: 'linear' }), []],
    ['lstmSequence', '', 4, (x, k, o) => ops.lstmSequence(x, k, o), []],
    ['lstmSequence', 'relu', 4, (x, k, o) => ops.lstmSequence(x, k, { ...o, activation: 'relu' }), []],
    [
      'gruSequence',
      'resetAfter + recurrent bias',
      3,
      (x, k, o, [rb]) => ops.gruSequence(x, k, { ...o, recurrentBias: rb! }),
      [S([3 * u])],
    ],
    ['gruSequence', 'resetAfter=false', 3, (x, k, o) => ops.gruSequence(x, k, { ...o, resetAfter: false }), []],
  ];
  for (const [name, what, g, run, more] of cells) {
    for (const variant of [
      'last step',
      'all steps',
      'all steps + recurrent mask',
      'last step + step mask',
      'all steps + step mask',
    ]) {
      add({
        name: `${name}${what ? ` (${what})` : ''}, ${variant}`,
        ops: [name],
        inputs: [S([B, T, g * u]), S([u, g * u]), ...more],
        fn: ([x, k, ...rest], d) =>
          joined(
            run(
              x!,
              ops.mul(k!, 0.5),
              {
                returnSequences: variant.startsWith('all'),
                recurrentMask: variant.includes('recurrent mask') ? c(mask, d) : null,
                stepMask: variant.includes('step mask') ? steps : null,
              },
              rest,
            ),
          ),
      });
    }
  }
}

// ---- selection, sorting, scans, shapes, norms, einsum (issue #13) ------------------------------
{
  const cond = ops.tensor(
    [
      [true, false, true],
      [false, false, true],
    ],
    undefined,
    'bool',
  );
  add({
    name: 'where [2,3] with [2,3] and [3]',
    ops: ['where'],
    inputs: [S([2, 3]), S([3])],
    fn: ([a, b]) => ops.where(cond, a!, b!),
  });
  add({
    name: 'where with a scalar branch',
    ops: ['where'],
    inputs: [S([2, 3])],
    fn: ([a]) => ops.where(cond, 0.5, a!),
  });
  add({ name: 'sort along the last axis', ops: ['sort'], inputs: [S([3, 4], 'distinct')], fn: ([x]) => ops.sort(x!) });
  add({ name: 'sort along axis 0', ops: ['sort'], inputs: [S([3, 4], 'distinct')], fn: ([x]) => ops.sort(x!, 0) });
  add({ name: 'topk values k=2', ops: ['topk'], inputs: [S([3, 4], 'distinct')], fn: ([x]) => ops.topk(x!, 2).values });
  add({ name: 'cumsum axis 1', ops: ['cumsum'], inputs: [S([2, 4])], fn: ([x]) => ops.cumsum(x!, 1) });
  add({ name: 'cumsum flattened', ops: ['cumsum'], inputs: [S([2, 3])], fn: ([x]) => ops.cumsum(x!) });
  add({ name: 'cumprod axis 0', ops: ['cumprod'], inputs: [S([4, 2])], fn: ([x]) => ops.cumprod(x!, 0) });
  add({
    name: 'cumprod with a zero in the row',
    ops: ['cumprod'],
    inputs: [S([2, 4])],
    fn: ([x], d) => ops.cumprod(ops.mul(x!, c(ops.tensor([1, 0, 1, 1, 1, 1, 1, 1], [2, 4], 'float64'), d)), 1),
  });
  add({ name: 'tile [2,3] by [2,1,2]', ops: ['tile'], inputs: [S([2, 3])], fn: ([x]) => ops.tile(x!, [2, 1, 2]) });
  add({ name: 'repeat 2 along axis 1', ops: ['repeat'], inputs: [S([2, 3])], fn: ([x]) => ops.repeat(x!, 2, 1) });
  add({
    name: 'repeat [1,0,3] along axis 1',
    ops: ['repeat'],
    inputs: [S([2, 3])],
    fn: ([x]) => ops.repeat(x!, [1, 0, 3], 1),
  });
  add({
    name: 'split into parts [1] [2,3] [4] joined',
    ops: ['split'],
    inputs: [S([2, 5])],
    fn: ([x]) => {
      const [a, b, e] = ops.split(x!, [1, 4], 1);
      return ops.concat([ops.mul(a!, 2), b!, ops.mul(e!, 3)], 1);
    },
  });
  for (const ord of [null, 1, 3, Infinity, -Infinity] as const)
    add({
      name: `norm vector ord ${ord} axis 1`,
      ops: ['norm'],
      inputs: [S([3, 4], 'distinct')],
      fn: ([x]) => ops.norm(x!, { ord, axis: 1 }),
    });
  for (const ord of ['fro', 1, -1, Infinity] as const)
    add({
      name: `norm matrix ord ${ord}`,
      ops: ['norm'],
      inputs: [S([2, 3, 4], 'distinct')],
      fn: ([x]) => ops.norm(x!, { ord, axis: [1, 2] }),
    });
  add({
    name: 'moments over [0, 2]',
    ops: ['moments'],
    inputs: [S([2, 3, 4])],
    fn: ([x]) => {
      const m = ops.moments(x!, [0, 2]);
      return ops.concat([m.mean, m.variance], 0);
    },
  });
  const EINSUMS: [string, readonly number[], readonly number[] | null][] = [
    ['ij,jk->ik', [2, 3], [3, 4]],
    ['bij,bjk->bik', [2, 2, 3], [2, 3, 4]],
    ['ij,kj->ik', [2, 3], [4, 3]],
    ['i,j->ij', [3], [4]],
    ['i,i->', [3], [3]],
    ['ijk,ik->ji', [2, 3, 4], [2, 4]],
    ['ij,jk', [2, 3], [3, 2]],
    ['ij->ji', [2, 3], null],
    ['ijk->k', [2, 3, 4], null],
  ];
  for (const [spec, sa, sb] of EINSUMS)
    add({
      name: `einsum '${spec}'`,
      ops: ['einsum'],
      inputs: sb ? [S(sa), S(sb)] : [S(sa)],
      fn: (xs) => ops.einsum(spec, ...xs),
    });
  add({ name: 'erf', ops: ['erf'], inputs: [S([2, 3])], fn: ([x]) => ops.erf(x!) });
}

// ---- the Keras losses and their options (issue #13) --------------------------------------------
{
  const yBin = ops.tensor([1, 0, 0, 1, 1, 0], [3, 2], 'float64');
  const yOne = oneHotRows([2, 0, 1], 3);
  const yReg = constant([3, 2], 'positive');
  const yPm = ops.tensor([1, -1, -1, 1, 1, -1], [3, 2], 'float64');
  const P = (name: string, f: (y: Tensor, p: Tensor) => Tensor, y: Tensor, kind: InputSpec['kind'], shape = [3, 2]) =>
    add({ name, ops: [`losses.${name.split(' ')[0]!}`], inputs: [S(shape, kind)], fn: ([p], d) => f(c(y, d), p!) });
  P(
    'binaryCrossentropy fromLogits + labelSmoothing 0.2',
    (y, p) => L.binaryCrossentropy(y, p, { fromLogits: true, labelSmoothing: 0.2 }),
    yBin,
    'signed',
  );
  P('binaryFocalCrossentropy on probabilities', (y, p) => L.binaryFocalCrossentropy(y, p), yBin, 'prob');
  P(
    'binaryFocalCrossentropy fromLogits, balanced, gamma 1.5',
    (y, p) => L.binaryFocalCrossentropy(y, p, { fromLogits: true, applyClassBalancing: true, gamma: 1.5 }),
    yBin,
    'signed',
  );
  P(
    'categoricalCrossentropy fromLogits + labelSmoothing 0.1',
    (y, p) => L.categoricalCrossentropy(y, p, { fromLogits: true, labelSmoothing: 0.1 }),
    yOne,
    'signed',
    [3, 3],
  );
  add({
    name: 'categoricalCrossentropy axis 0 on probabilities',
    ops: ['losses.categoricalCrossentropy'],
    inputs: [S([3, 3], 'prob')],
    fn: ([p], d) => L.categoricalCrossentropy(c(yOne, d), p!, { axis: 0 }),
  });
  P(
    'categoricalFocalCrossentropy on probabilities',
    (y, p) => L.categoricalFocalCrossentropy(y, p),
    yOne,
    'prob',
    [3, 3],
  );
  add({
    name: 'sparseCategoricalCrossentropy fromLogits, ignoreClass 1',
    ops: ['losses.sparseCategoricalCrossentropy'],
    inputs: [S([3, 3])],
    fn: ([x]) =>
      L.reduceWeightedValues(
        L.sparseCategoricalCrossentropy(ops.tensor([2, 1, 0], [3], 'int32'), x!, { fromLogits: true, ignoreClass: 1 }),
      ),
  });
  P('meanAbsolutePercentageError', L.meanAbsolutePercentageError, yReg, 'signed');
  P('meanSquaredLogarithmicError', L.meanSquaredLogarithmicError, yReg, 'positive');
  P('cosineSimilarity', (y, p) => L.cosineSimilarity(y, p), constant([3, 2]), 'signed');
  P('huber delta 0.5 (both branches)', (y, p) => L.huber(y, p, 0.5), constant([3, 2]), 'signed');
  P('logCosh', L.logCosh, constant([3, 2]), 'signed');
  P('klDivergence', L.klDivergence, constant([3, 2], 'prob'), 'prob');
  P('poisson', L.poisson, yReg, 'positive');
  P('hinge (0/1 labels)', L.hinge, yBin, 'signed');
  P('squaredHinge (-1/1 labels)', L.squaredHinge, yPm, 'signed');
  P('categoricalHinge', L.categoricalHinge, yOne, 'distinct', [3, 3]);
}

// ---- activations (src/layers/activations.ts), through the ops they are made of ------------------
{
  const ACTS: [string, (x: Tensor) => Tensor, string[]][] = [
    ['elu', (x) => A.elu(x), ['where', 'exp', 'minimum', 'mul', 'add']],
    ['elu alpha 0.5', (x) => A.elu(x, 0.5), ['where']],
    ['selu', A.selu, ['where', 'exp']],
    ['gelu exact', (x) => A.gelu(x), ['erf', 'mul', 'add']],
    ['gelu tanh approximation', (x) => A.gelu(x, true), ['tanh', 'mul', 'add']],
    ['silu', A.silu, ['sigmoid', 'mul']],
    ['leaky_relu', (x) => A.leakyRelu(x), ['where', 'mul']],
    ['relu6', (x) => A.relu6(ops.mul(x, 4)), ['relu', 'minimum']],
    ['softsign', A.softsign, ['abs', 'div']],
    ['hard_sigmoid', (x) => A.hardSigmoid(ops.mul(x, 3)), ['relu', 'minimum', 'div']],
    ['hard_silu', (x) => A.hardSilu(ops.mul(x, 3)), ['relu', 'minimum', 'mul']],
    ['mish', A.mish, ['softplus', 'tanh', 'mul']],
    ['log_softmax', (x) => A.getActivation('log_softmax').fn(x), ['logSoftmax']],
  ];
  for (const [name, f, used] of ACTS)
    add({ name: `activation ${name}`, ops: used, inputs: [S([3, 4], 'distinct')], fn: ([x]) => f(x!) });
}

export const GRAD_CASES: readonly GradCase[] = cases;

/**
 * Exports of src/ops/index.ts that are deliberately not in the gradient table, with why.
 * A new export must go either into GRAD_CASES or here (test/ops-grad.test.ts enforces it).
 */
export const NON_DIFFERENTIABLE: Readonly<Record<string, string>> = {
  // Creation: no tensor inputs to differentiate.
  tensor: 'creation',
  fromArray: 'creation',
  full: 'creation',
  zeros: 'creation',
  ones: 'creation',
  zerosLike: 'creation (depends only on the shape)',
  onesLike: 'creation (depends only on the shape)',
  arange: 'creation',
  scalar: 'creation',
  randomUniform: 'random creation',
  randomNormal: 'random creation',
  truncatedNormal: 'random creation',
  oneHot: 'integer class ids in',
  // Integer outputs.
  argmax: 'integer indices out',
  argmin: 'integer indices out',
  // Boolean outputs.
  equal: 'comparison (bool out)',
  notEqual: 'comparison (bool out)',
  greater: 'comparison (bool out)',
  greaterEqual: 'comparison (bool out)',
  less: 'comparison (bool out)',
  lessEqual: 'comparison (bool out)',
  // Piecewise constant: zero gradient almost everywhere (checked separately in ops-grad.test.ts).
  sign: 'piecewise constant',
  step: 'piecewise constant',
  floor: 'piecewise constant',
  round: 'piecewise constant',
  ceil: 'piecewise constant',
  floorDiv: 'piecewise constant',
  argsort: 'integer indices out',
  isNaN: 'bool out',
  isFinite: 'bool out',
  isInf: 'bool out',
  logicalAnd: 'bool out',
  logicalOr: 'bool out',
  logicalXor: 'bool out',
  logicalNot: 'bool out',
  linspace: 'creation',
  eye: 'creation',
  randomCategorical: 'random creation (integer ids out)',
};
