/**
 * Conv1DTranspose / Conv2DTranspose and the convTranspose ops: output shapes and values against
 * Keras's equations worked by hand (out[i * stride + t * dilation - padBefore] += x[i] * k[t],
 * with Keras's output lengths and 'same' placement), the kernel layout [kh, kw, filters, channels],
 * outputPadding, float64 finite-difference gradients on the native backend, parity of the op on
 * native and wasm with the reference, and the errors for options Keras refuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
// Registers every layer's config loader, as loadModel sees them.
import '../src/layers/index.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { gradients } from '../src/core/autograd.js';
import { convTranspose1d, convTranspose2d } from '../src/ops/conv-transpose.js';
import { Conv1DTranspose, Conv2DTranspose } from '../src/layers/conv-transpose.js';
import { Input } from '../src/layers/input-layer.js';
import { Sequential } from '../src/models/sequential.js';
import { deserializeLayer } from '../src/layers/serialization.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';
import { nativeBackend, wasmBackend } from './helpers/native.js';

const t = (values: number[], shape: number[]): Tensor => new Tensor(Float64Array.from(values), shape, 'float64');
const seq = (x: Tensor): number[] => Array.from(x.data);
const copy = (x: Tensor): Tensor => new Tensor(x.data.slice(), x.shape, x.dtype);

function onBackend<T>(name: string, fn: () => T): T {
  const before = getBackend();
  setBackend(name);
  try {
    return fn();
  } finally {
    setBackend(before);
  }
}

test('convTranspose2d valid, strides 2: each input pixel stamps x * kernel at (2i, 2j)', () => {
  const x = t([1, 2, 3, 4], [1, 2, 2, 1]);
  const k = t([1, 2, 3, 4], [2, 2, 1, 1]);
  const y = convTranspose2d(x, k, { strides: 2 });
  assert.deepEqual(y.shape, [1, 4, 4, 1]);
  assert.deepEqual(seq(y), [1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16]);
});

test("convTranspose1d 'same', stride 2, kernel 3: output input * stride, the last tap cropped", () => {
  const x = t([1, 2, 3], [1, 3, 1]);
  const k = t([1, 10, 100], [3, 1, 1]);
  // k_eff 3: padding 3 in all, 2 before the dilated input, so out[2i + t] += x[i] * k[t].
  assert.deepEqual(seq(convTranspose1d(x, k, { strides: 2, padding: 'same' })), [1, 10, 102, 20, 203, 30]);
  // outputPadding 1 gives the same length 6 (2 * 2 + 1 + 1); outputPadding 0 gives 5, shifted by one.
  assert.deepEqual(
    seq(convTranspose1d(x, k, { strides: 2, padding: 'same', outputPadding: 1 })),
    [1, 10, 102, 20, 203, 30],
  );
  assert.deepEqual(
    seq(convTranspose1d(x, k, { strides: 2, padding: 'same', outputPadding: 0 })),
    [10, 102, 20, 203, 30],
  );
});

test("convTranspose1d 'valid': Keras's default length (i - 1) * s + max(k, s), outputPadding, dilation", () => {
  const x = t([1, 2], [1, 2, 1]);
  const k = t([1, 10], [2, 1, 1]);
  assert.deepEqual(seq(convTranspose1d(x, k, { strides: 3 })), [1, 10, 0, 2, 20, 0]);
  assert.deepEqual(seq(convTranspose1d(x, k, { strides: 3, outputPadding: 2 })), [1, 10, 0, 2, 20, 0, 0]);
  assert.deepEqual(seq(convTranspose1d(x, k, { strides: 3, outputPadding: 0 })), [1, 10, 0, 2, 20]);
  // Dilation 2: out[i + 2t] += x[i] * k[t], length 1 + 3.
  assert.deepEqual(seq(convTranspose1d(x, k, { dilationRate: 2 })), [1, 2, 10, 20]);
});

test('Conv2DTranspose: kernel [kh, kw, filters, channels], bias and activation, as Keras', () => {
  const layer = new Conv2DTranspose(3, 1, { activation: 'relu', dtype: 'float64' });
  layer.build([null, 1, 1, 2]);
  assert.deepEqual(layer.kernel!.shape, [1, 1, 3, 2]);
  assert.deepEqual(
    layer.weights.map((w) => w.name.split('/').pop()!.replace(/:0$/, '')),
    ['kernel', 'bias'],
  );
  // K[0, 0, f, c] = 10 f + c + 1; bias [-100, 0, 1].
  layer.setWeights([t([1, 2, 11, 12, 21, 22], [1, 1, 3, 2]), t([-100, 0, 1], [3])]);
  const y = layer.apply(t([1, 2], [1, 1, 1, 2])) as Tensor;
  // x . K[f]: 5, 35, 65; plus bias; relu.
  assert.deepEqual(seq(y), [0, 35, 66]);
});

test('Conv2DTranspose output shapes follow Keras (decoder 7 -> 14 -> 28, valid, outputPadding)', () => {
  const shape = (l: Conv2DTranspose | Conv1DTranspose, s: (number | null)[]): (number | null)[] => [
    ...l.computeOutputShape(s),
  ];
  assert.deepEqual(shape(new Conv2DTranspose(8, 3, { strides: 2, padding: 'same' }), [null, 7, 7, 4]), [
    null,
    14,
    14,
    8,
  ]);
  assert.deepEqual(shape(new Conv2DTranspose(8, 3, { strides: 2 }), [null, 7, 7, 4]), [null, 15, 15, 8]);
  assert.deepEqual(shape(new Conv2DTranspose(8, 2, { strides: 3 }), [null, 4, 5, 4]), [null, 12, 15, 8]);
  assert.deepEqual(
    shape(new Conv2DTranspose(2, [3, 4], { strides: 2, padding: 'same', outputPadding: [0, 1] }), [2, 5, 5, 1]),
    [2, 9, 9, 2],
  );
  assert.deepEqual(shape(new Conv1DTranspose(2, 5, { dilationRate: 2 }), [null, null, 3]), [null, null, 2]);
  assert.deepEqual(shape(new Conv1DTranspose(2, 5, { dilationRate: 2 }), [null, 6, 3]), [null, 14, 2]);
  // A Sequential decoder builds and runs.
  const m = new Sequential([
    Input({ shape: [7, 7, 4] }),
    new Conv2DTranspose(4, 3, { strides: 2, padding: 'same', activation: 'relu' }),
    new Conv2DTranspose(1, 3, { strides: 2, padding: 'same', activation: 'sigmoid' }),
  ]);
  assert.deepEqual(
    m.predict(new Tensor(new Float32Array(2 * 7 * 7 * 4).fill(0.5), [2, 7, 7, 4])).shape,
    [2, 28, 28, 1],
  );
});

test('Conv1DTranspose / Conv2DTranspose refuse what Keras refuses, naming the option', () => {
  assert.throws(
    () => new Conv2DTranspose(2, 3, { strides: 2, outputPadding: 2 }),
    /outputPadding.*strictly less than strides.*axis 0/,
  );
  assert.throws(
    () => new Conv2DTranspose(2, 3, { strides: 2, dilationRate: 2 }),
    /strides > 1 is not supported together with dilationRate/,
  );
  assert.throws(() => new Conv2DTranspose(2, 3, { padding: 'causal' as never }), /padding must be 'valid' or 'same'/);
  assert.throws(
    () => new Conv2DTranspose(2, 3, { dataFormat: 'channels_first' as never }),
    /Conv2DTranspose 'conv2d_transpose(_\d+)?': only data_format 'channels_last' is supported/,
  );
  assert.throws(() => new Conv2DTranspose(2, 3, { outputPading: 1 } as never), /outputPading.*outputPadding/);
  assert.throws(() => new Conv1DTranspose(0, 3), /filters must be a positive integer/);
  const l = new Conv2DTranspose(2, 3);
  assert.throws(
    () => l.apply(t([1, 2, 3], [1, 3, 1])),
    /Conv2DTranspose\) expects inputs of rank 4 \(batch, rows, cols, channels\), got shape \((1|None), 3, 1\)/,
  );
  const built = new Conv1DTranspose(2, 3, { dtype: 'float64' });
  built.apply(t([1, 2, 3], [1, 3, 1]));
  assert.throws(
    () => built.apply(t([1, 2, 3, 4, 5, 6], [1, 3, 2])),
    /Conv1DTranspose\) expected input shape \(None, 3, 1\), got \(1, 3, 2\)/,
  );
  assert.throws(
    () => convTranspose2d(t([1, 2], [1, 1, 1, 2]), t([1, 2, 3], [1, 1, 1, 3])),
    /expects 3 input channels \(its last axis\) but the input \[1, 1, 1, 2\] has 2/,
  );
  // A config that asks for channels_first is refused by name when the file loads.
  assert.throws(
    () =>
      deserializeLayer({
        class_name: 'Conv2DTranspose',
        config: { filters: 2, kernel_size: [3, 3], data_format: 'channels_first' },
      }),
    /channels_first/,
  );
});

test('convTranspose2d / convTranspose1d: float64 gradients against finite differences on the native backend', () => {
  nativeBackend();
  onBackend('native', () => {
    const r = new Random(5);
    const cases: [number[], number[], Parameters<typeof convTranspose2d>[2]][] = [
      [[2, 3, 2, 2], [2, 3, 3, 2], { strides: 2 }],
      [[1, 3, 3, 2], [3, 3, 2, 2], { strides: 2, padding: 'same', outputPadding: 0 }],
      [[1, 2, 3, 1], [2, 2, 2, 1], { dilationRate: [2, 1], padding: 'same' }],
      [[1, 10, 10, 8], [3, 3, 8, 8], { padding: 'same' }],
    ];
    for (const [xs, ks, o] of cases) {
      const x = makeInput(r, { shape: xs });
      const k = makeInput(r, { shape: ks });
      gradcheck(([a, b]) => convTranspose2d(a!, b!, o), [x, k], {
        name: `native convTranspose2d ${JSON.stringify(o)}`,
      });
    }
    const x = makeInput(r, { shape: [2, 4, 3] });
    const k = makeInput(r, { shape: [3, 2, 3] });
    gradcheck(([a, b]) => convTranspose1d(a!, b!, { strides: 3, outputPadding: 1 }), [x, k], {
      name: 'native convTranspose1d',
    });
  });
});

test('convTranspose2d forward and backward on native and wasm match the reference on random inputs', () => {
  nativeBackend();
  wasmBackend();
  const r = new Random(11);
  const configs: [number[], number[], Parameters<typeof convTranspose2d>[2]][] = [
    [[3, 5, 4, 3], [3, 3, 4, 3], { strides: 2, padding: 'same' }],
    [[2, 6, 7, 5], [4, 3, 6, 5], { strides: [2, 3], outputPadding: [1, 2] }],
    [[1, 12, 12, 16], [3, 3, 8, 16], { padding: 'same' }],
    [[2, 4, 4, 2], [2, 3, 3, 2], { dilationRate: 2, padding: 'same' }],
  ];
  for (const dtype of ['float32', 'float64'] as const)
    for (const [xs, ks, o] of configs) {
      const x = makeInput(r, { shape: xs }, dtype);
      const k = makeInput(r, { shape: ks }, dtype);
      const run = (): number[][] => {
        const [a, b] = [copy(x), copy(k)];
        a.requiresGrad = b.requiresGrad = true;
        const y = convTranspose2d(a, b, o);
        const seed = new Tensor(
          y.data.map((_, i) => Math.sin(i)),
          y.shape,
          dtype,
        );
        const [gx, gk] = gradients(y, [a, b], seed);
        return [seq(y), seq(gx!), seq(gk!)];
      };
      const want = onBackend('js', run);
      for (const be of ['native', 'wasm']) {
        const got = onBackend(be, run);
        const tol = dtype === 'float32' ? 1e-4 : 1e-11;
        got.forEach((arr, j) =>
          arr.forEach((v, i) =>
            assert.ok(
              Math.abs(v - want[j]![i]!) <= tol * (1 + Math.abs(want[j]![i]!)),
              `${be} ${dtype} ${JSON.stringify(o)} result ${j}[${i}]: ${v} vs ${want[j]![i]}`,
            ),
          ),
        );
      }
    }
});
