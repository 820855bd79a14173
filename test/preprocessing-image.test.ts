/**
 * The image preprocessing layers against Keras's equations worked by hand on small inputs:
 * Rescaling, Normalization (given and adapted statistics), Resizing (TensorFlow's half-pixel
 * bilinear and nearest, crop/pad to aspect ratio), CenterCrop, and the random layers (each
 * made deterministic by a zero-width factor range, so the transform is known), with fill modes,
 * seeds, inference identity and finite-difference gradients.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Random, setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import * as layers from '../src/layers/index.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';

const T = { training: true };

function img(values: number[], shape: number[], dtype: 'float32' | 'float64' = 'float32'): Tensor {
  return new Tensor(dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values), shape, dtype);
}

function close(actual: Tensor, expected: number[], tol = 1e-5, what = ''): void {
  const a = Array.from(actual.data, Number);
  assert.equal(a.length, expected.length, `${what}: ${a.length} values, expected ${expected.length}`);
  a.forEach((v, i) =>
    assert.ok(
      Math.abs(v - expected[i]!) <= tol,
      `${what} [${i}]: got ${v}, expected ${expected[i]} (all: ${a.join(', ')})`,
    ),
  );
}

describe('Rescaling', () => {
  test('x * scale + offset (1/127.5, -1 maps [0, 255] to [-1, 1]); uint8 images are cast', () => {
    close(new layers.Rescaling(1 / 127.5, -1).apply(img([0, 127.5, 255], [1, 3])), [-1, 0, 1]);
    const u8 = new Tensor(Uint8Array.from([0, 255]), [1, 2], 'uint8');
    close(new layers.Rescaling(1 / 127.5, -1).apply(u8), [-1, 1]);
  });
  test('per-channel scale broadcasts over the last axis; a mismatch names the layer', () => {
    close(new layers.Rescaling([1, 2], [0, 10]).apply(img([1, 1, 3, 3], [2, 2])), [1, 12, 3, 16]);
    const r = new layers.Rescaling([1, 2], [0, 10], { name: 'rs' });
    assert.throws(() => r.apply(img([1, 2, 3], [1, 3])), /'rs' \(Rescaling\).*cannot broadcast/);
    assert.throws(() => new layers.Rescaling('2' as never), /Rescaling: scale must be a finite number/);
  });
  test('gradient', () => {
    const x = makeInput(new Random(1), { shape: [2, 3] });
    gradcheck(([a]) => new layers.Rescaling(0.5, 1, { dtype: 'float64' }).apply(a!), [x]);
  });
});

describe('Normalization', () => {
  test('adapt on one array: population mean and variance per kept axis; (x - mean) / sqrt(var)', () => {
    const n = new layers.Normalization();
    n.adapt(img([1, 10, 3, 30], [2, 2]));
    // mean [2, 20], variance [1, 100].
    close(n.adaptMean!.value(), [2, 20]);
    close(n.adaptVariance!.value(), [1, 100]);
    close(n.apply(img([3, 40], [1, 2])), [1, 2]);
    assert.deepEqual(
      n.weights.map((w) => w.name),
      [`${n.name}/mean:0`, `${n.name}/variance:0`, `${n.name}/count:0`],
    );
    assert.ok(n.weights.every((w) => !w.trainable));
  });
  test('adapt on batches merges them as Keras (lack-of-fit sum of squares) = the whole data', () => {
    const n = new layers.Normalization();
    n.adapt([img([1, 2, 3], [3, 1]), img([10], [1, 1])]);
    // All data 1, 2, 3, 10: mean 4, variance (9 + 4 + 1 + 36) / 4 = 12.5.
    close(n.adaptMean!.value(), [4]);
    close(n.adaptVariance!.value(), [12.5], 1e-5);
  });
  test('axis null: one scalar mean; axis [1, 2] keeps both', () => {
    const a = new layers.Normalization({ axis: null });
    a.adapt(img([1, 2, 3, 4], [2, 2]));
    close(a.adaptMean!.value(), [2.5]);
    close(a.adaptVariance!.value(), [1.25]);
    const b = new layers.Normalization({ axis: [1, 2] });
    b.adapt(img([0, 0, 0, 0, 2, 4, 6, 8], [2, 2, 2]));
    close(b.adaptMean!.value(), [1, 2, 3, 4]);
    close(b.adaptVariance!.value(), [1, 4, 9, 16]);
  });
  test('given mean and variance, invert, and the epsilon floor on sqrt(variance)', () => {
    close(new layers.Normalization({ mean: 5, variance: 4 }).apply(img([9, 1], [2, 1])), [2, -2]);
    close(new layers.Normalization({ mean: [1, 2], variance: [4, 9] }).apply(img([3, 8], [1, 2])), [1, 2]);
    close(new layers.Normalization({ mean: 2, variance: 4, invert: true }).apply(img([1], [1, 1])), [4]);
    close(new layers.Normalization({ mean: 0, variance: 0 }).apply(img([1e-7], [1, 1])), [1], 1e-5);
  });
  test('errors name the option: mean without variance, rank too high, a typo', () => {
    assert.throws(() => new layers.Normalization({ mean: 1 }), /both mean and variance must be set/);
    assert.throws(() => new layers.Normalization({ mean: [[1]], variance: [[1]] }), /rank of mean \(2\)/);
    assert.throws(() => new layers.Normalization({ axes: 1 } as never), /unknown option `axes`; did you mean `axis`/);
    const n = new layers.Normalization({ name: 'nz' });
    n.adapt(img([1, 2], [1, 2]));
    assert.throws(() => n.adapt(img([1, 2, 3], [1, 3])), /'nz' \(Normalization\) was built for inputs of shape/);
  });
  test('gradient (given statistics)', () => {
    const x = makeInput(new Random(2), { shape: [2, 3] });
    gradcheck(
      ([a]) => new layers.Normalization({ mean: [1, 2, 3], variance: [1, 4, 9], dtype: 'float64' }).apply(a!),
      [x],
    );
  });
});

describe('Resizing', () => {
  const square = img([0, 1, 2, 3], [1, 2, 2, 1]);
  test('bilinear 2x2 -> 4x4 with half-pixel centres, by hand (as tf.image.resize)', () => {
    // Along each axis, outputs sample at -0.25, 0.25, 0.75, 1.25 (clamped): weights 0, .25, .75, 1.
    close(
      new layers.Resizing(4, 4).apply(square),
      [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3],
    );
  });
  test('bilinear 1x4 -> 1x2 averages neighbours (samples at 0.5 and 2.5); nearest picks floor((o + 0.5) * scale)', () => {
    const row = img([0, 1, 2, 3], [1, 1, 4, 1]);
    close(new layers.Resizing(1, 2).apply(row), [0.5, 2.5]);
    close(new layers.Resizing(1, 8, { interpolation: 'nearest' }).apply(row), [0, 0, 1, 1, 2, 2, 3, 3]);
    const three = img([5, 6, 7], [1, 1, 3, 1]);
    close(new layers.Resizing(1, 2, { interpolation: 'nearest' }).apply(three), [5, 7]);
  });
  test('cropToAspectRatio takes the central box; padToAspectRatio pads both sides with fillValue', () => {
    const wide = img([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4, 1]);
    close(new layers.Resizing(2, 2, { cropToAspectRatio: true }).apply(wide), [2, 3, 6, 7]);
    const row = img([1, 2, 3, 4], [1, 1, 4, 1]);
    close(
      new layers.Resizing(3, 4, { padToAspectRatio: true, fillValue: 9 }).apply(row),
      [9, 9, 9, 9, 1, 2, 3, 4, 9, 9, 9, 9],
    );
  });
  test('an unbatched image stays unbatched; shapes, errors by name', () => {
    const out = new layers.Resizing(3, 5).apply(img([0, 1, 2, 3], [2, 2, 1]));
    assert.deepEqual(out.shape, [3, 5, 1]);
    assert.throws(
      () => new layers.Resizing(2, 2, { interpolation: 'bicubic' as never }),
      /interpolation 'bicubic' is not supported/,
    );
    assert.throws(() => new layers.Resizing(2, 2, { interpolation: 'bilinaer' as never }), /did you mean 'bilinear'/);
    assert.throws(() => new layers.Resizing(2, 2, { antialias: true }), /antialias=true is not supported/);
    assert.throws(() => new layers.Resizing(2, 2, { dataFormat: 'channels_first' as never }), /channels_last/);
    assert.throws(
      () => new layers.Resizing(2, 2, { name: 'rz' }).apply(img([1, 2], [1, 2])),
      /'rz' \(Resizing\) expects images of rank 4/,
    );
  });
  test('gradient (bilinear up and down)', () => {
    const x = makeInput(new Random(3), { shape: [1, 3, 2, 2] });
    gradcheck(([a]) => new layers.Resizing(4, 3, { dtype: 'float64' }).apply(a!), [x]);
    gradcheck(([a]) => new layers.Resizing(2, 1, { dtype: 'float64' }).apply(a!), [x]);
  });
});

describe('CenterCrop', () => {
  test('the central box (start floor((size - target) / 2)); smaller images are aspect-cropped and resized', () => {
    const x = img(
      Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    close(new layers.CenterCrop(2, 2).apply(x), [5, 6, 9, 10]);
    const five = img(
      Array.from({ length: 25 }, (_, i) => i),
      [1, 5, 5, 1],
    );
    close(new layers.CenterCrop(2, 3).apply(five), [6, 7, 8, 11, 12, 13]);
    close(
      new layers.CenterCrop(4, 4).apply(img([0, 1, 2, 3], [1, 2, 2, 1])),
      [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3],
    );
  });
});

describe('RandomFlip', () => {
  const x = img([1, 2, 3, 4], [1, 2, 2, 1]);
  test('inference is the identity; training gives the input or its flip, per mode', () => {
    for (const [mode, flipped] of [
      ['horizontal', [2, 1, 4, 3]],
      ['vertical', [3, 4, 1, 2]],
      ['horizontal_and_vertical', [4, 3, 2, 1]],
    ] as const) {
      const f = new layers.RandomFlip(mode, { seed: 1 });
      close(f.apply(x), [1, 2, 3, 4], 0, `${mode} inference`);
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const out = Array.from(f.apply(x, T).data).join();
        assert.ok(out === '1,2,3,4' || out === flipped.join(), `${mode}: got ${out}`);
        seen.add(out);
      }
      assert.equal(seen.size, 2, `${mode}: both outcomes occur in 20 draws`);
    }
  });
  test('one draw per image; the same seed reproduces; the global generator follows setRandomSeed', () => {
    const batch = img(
      Array.from({ length: 32 * 2 }, (_, i) => i),
      [32, 1, 2, 1],
    );
    const a = new layers.RandomFlip('horizontal', { seed: 7 }).apply(batch, T);
    const b = new layers.RandomFlip('horizontal', { seed: 7 }).apply(batch, T);
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    const flipped = Array.from({ length: 32 }, (_, i) => a.data[2 * i]! > a.data[2 * i + 1]!).filter(Boolean).length;
    assert.ok(flipped > 4 && flipped < 28, `${flipped} of 32 images flipped`);
    setRandomSeed(5);
    const c = new layers.RandomFlip('horizontal').apply(batch, T);
    setRandomSeed(5);
    const d = new layers.RandomFlip('horizontal').apply(batch, T);
    assert.deepEqual(Array.from(c.data), Array.from(d.data));
    assert.throws(() => new layers.RandomFlip('horizontally' as never), /did you mean 'horizontal'/);
  });
  test('gradient flows (a permutation of the pixels)', () => {
    const xs = makeInput(new Random(4), { shape: [3, 2, 3, 2] });
    gradcheck(
      ([a]) => new layers.RandomFlip('horizontal_and_vertical', { seed: 3, dtype: 'float64' }).apply(a!, T),
      [xs],
    );
  });
});

describe('RandomTranslation, RandomRotation, RandomZoom: affine_transform and its fill modes', () => {
  const row = img([1, 2, 3, 4], [1, 1, 4, 1]);
  const shift = (dx: number, fillMode: layers.FillMode, fillValue = 0): layers.RandomTranslation =>
    new layers.RandomTranslation([0, 0], [dx / 4, dx / 4], { fillMode, fillValue, seed: 1 });
  test('a 1-pixel shift right under each fill mode (reflect = d c b a | a b c d, wrap, nearest, constant)', () => {
    close(shift(1, 'reflect').apply(row, T), [1, 1, 2, 3], 1e-6, 'reflect');
    close(shift(1, 'wrap').apply(row, T), [4, 1, 2, 3], 1e-6, 'wrap');
    close(shift(1, 'nearest').apply(row, T), [1, 1, 2, 3], 1e-6, 'nearest');
    close(shift(1, 'constant', 7).apply(row, T), [7, 1, 2, 3], 1e-6, 'constant');
    close(shift(2, 'reflect').apply(row, T), [2, 1, 1, 2], 1e-6, 'reflect 2');
    close(shift(2, 'wrap').apply(row, T), [3, 4, 1, 2], 1e-6, 'wrap 2');
    close(shift(-1, 'constant').apply(row, T), [2, 3, 4, 0], 1e-6, 'left, constant');
  });
  test('a half-pixel shift interpolates bilinearly (the fill value joins at the edge); nearest rounds', () => {
    close(shift(0.5, 'constant').apply(row, T), [0.5, 1.5, 2.5, 3.5], 1e-6);
    const t = new layers.RandomTranslation([0, 0], [0.4 / 4, 0.4 / 4], {
      fillMode: 'nearest',
      interpolation: 'nearest',
      seed: 1,
    });
    close(t.apply(row, T), [1, 2, 3, 4], 1e-6, 'shift 0.4 rounds back');
  });
  test('RandomRotation by a quarter turn (factor [0.25, 0.25]) turns a 3x3 image counter-clockwise', () => {
    const x = img([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const r = new layers.RandomRotation([0.25, 0.25], { fillMode: 'constant' });
    close(r.apply(x, T), [3, 6, 9, 2, 5, 8, 1, 4, 7], 1e-5);
    close(r.apply(x), [1, 2, 3, 4, 5, 6, 7, 8, 9], 0, 'inference');
  });
  test('RandomZoom by +100% (zoom out 2x about the centre): output x reads 2x - (w - 1) / 2', () => {
    const x = img([1, 2, 3, 4, 5], [1, 1, 5, 1]);
    close(new layers.RandomZoom([1, 1], [1, 1], { fillMode: 'constant' }).apply(x, T), [0, 1, 3, 5, 0], 1e-6);
    // A -50% zoom (in, 2x): x reads 0.5 x + 1, between pixels: bilinear.
    close(new layers.RandomZoom([-0.5, -0.5], [-0.5, -0.5]).apply(x, T), [2, 2.5, 3, 3.5, 4], 1e-6);
  });
  test('factors: a number f is [-f, f]; out-of-range and unknown options are refused by name', () => {
    assert.deepEqual(new layers.RandomRotation(0.2).factor, [-0.2, 0.2]);
    assert.deepEqual(new layers.RandomRotation([0.3, -0.1]).factor, [-0.1, 0.3]);
    assert.throws(() => new layers.RandomRotation(1.5), /RandomRotation: factor must be a number/);
    assert.throws(() => new layers.RandomZoom(-1), /heightFactor must be .* in \(-1, 1\]/);
    assert.throws(() => new layers.RandomTranslation(0.1, 2), /widthFactor/);
    assert.throws(
      () => new layers.RandomZoom(0.1, null, { fillMode: 'mirror' as never }),
      /RandomZoom fillMode 'mirror'; did you mean/,
    );
    assert.throws(() => new layers.RandomRotation(0.1, { fill_mode: 'wrap' } as never), /use `fillMode`/);
  });
  test('random draws: values stay in range, seeds reproduce, each image gets its own transform', () => {
    const x = img(
      Array.from({ length: 8 * 16 }, (_, i) => i % 16),
      [8, 4, 4, 1],
    );
    const a = new layers.RandomRotation(0.5, { seed: 9 }).apply(x, T);
    const b = new layers.RandomRotation(0.5, { seed: 9 }).apply(x, T);
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    const images = Array.from({ length: 8 }, (_, i) => Array.from(a.data.slice(i * 16, (i + 1) * 16)).join());
    assert.ok(new Set(images).size > 4, 'images rotate differently');
    assert.ok(
      Array.from(a.data).every((v) => v >= -1e-4 && v <= 15 + 1e-4),
      'reflect keeps values in the input range',
    );
  });
  test('gradients flow to the pixels (bilinear, reflect and constant)', () => {
    const xs = makeInput(new Random(5), { shape: [2, 3, 4, 2] });
    const F = { dtype: 'float64' } as const;
    gradcheck(([a]) => new layers.RandomRotation(0.3, { seed: 2, ...F }).apply(a!, T), [xs]);
    gradcheck(
      ([a]) =>
        new layers.RandomTranslation(0.3, 0.3, { seed: 2, fillMode: 'constant', fillValue: 0.5, ...F }).apply(a!, T),
      [xs],
    );
    gradcheck(([a]) => new layers.RandomZoom(0.4, null, { seed: 2, fillMode: 'wrap', ...F }).apply(a!, T), [xs]);
  });
});

describe('RandomContrast', () => {
  test('(x - mean) * k + mean per image and channel, clipped to valueRange', () => {
    // factor [-0.5, 0.5] draws k from [1 - (-0.5), 1 + 0.5] = exactly 1.5.
    const x = img([10, 100, 20, 200], [1, 1, 2, 2]);
    const c = new layers.RandomContrast([-0.5, 0.5], { valueRange: [0, 160] });
    // channel 0: mean 15 -> 7.5, 22.5; channel 1: mean 150 -> 75, 225 clipped to 160.
    close(c.apply(x, T), [7.5, 75, 22.5, 160], 1e-4);
    close(c.apply(x), [10, 100, 20, 200], 0, 'inference');
  });
  test("a number f reads as Keras's [0, f] (bounds [0, 1]): k in [1, 1 + f]", () => {
    const c = new layers.RandomContrast(0.5, { seed: 4 });
    assert.deepEqual(c.factor, [0, 0.5]);
    const x = img([0, 10], [1, 1, 2, 1]);
    for (let i = 0; i < 10; i++) {
      const out = c.apply(x, T);
      const k = (out.data[1]! - out.data[0]!) / 10;
      assert.ok(k >= 1 - 1e-6 && k <= 1.5 + 1e-6, `k = ${k}`);
    }
    assert.throws(() => new layers.RandomContrast(1.5), /factor must be a number .* in \[0, 1\]/);
  });
  test('gradient', () => {
    const xs = makeInput(new Random(6), { shape: [2, 2, 3, 2] });
    gradcheck(
      ([a]) => new layers.RandomContrast(0.4, { seed: 1, valueRange: [-10, 10], dtype: 'float64' }).apply(a!, T),
      [xs],
    );
  });
});
