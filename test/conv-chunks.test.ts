// The conv kernels build patches a slice of an image at a time and sum d(kernel) and d(bias) over
// groups of images; a batch spanning several slices and groups must give the same output and
// gradients as each image convolved on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { gradients } from '../src/core/autograd.js';
import { Random } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';
import { conv2d } from '../src/ops/conv.js';
import type { ConvOptions } from '../src/ops/conv.js';
import { concat } from '../src/ops/concat.js';
import { slice } from '../src/ops/slice.js';
import { makeInput } from './helpers/gradcheck.js';

function close(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  for (let i = 0; i < a.size; i++) {
    const x = a.data[i]!;
    const y = b.data[i]!;
    assert.ok(Math.abs(x - y) <= 1e-9 * (1 + Math.abs(y)), `${what}[${i}]: ${x} vs ${y}`);
  }
}

const CASES: { kernel: number[]; options: ConvOptions }[] = [
  { kernel: [3, 3, 16, 5], options: { padding: 'same', activation: 'relu' } },
  { kernel: [1, 1, 16, 4], options: {} }, // 1x1 window: the input is its own patch matrix
  { kernel: [2, 3, 16, 3], options: { strides: [2, 1], dilationRate: [1, 1], padding: 'valid' } },
];

test('conv2d over a multi-chunk batch equals per-image convolutions (output and gradients)', () => {
  CASES.forEach(({ kernel, options }, ci) => {
    const rng = new Random(900 + ci);
    // 12 images (more than the 8 groups) of 30x30x16: several patch slices per image for a 3x3 window.
    const x = makeInput(rng, { shape: [12, 30, 30, 16] }, 'float64');
    const k = makeInput(rng, { shape: kernel }, 'float64');
    const b = makeInput(rng, { shape: [kernel[3]!] }, 'float64');
    for (const t of [x, k, b]) t.requiresGrad = true;
    const y = conv2d(x, k, { ...options, bias: b });
    const seed = makeInput(rng, { shape: y.shape }, 'float64');
    const [gx, gk, gb] = gradients(y, [x, k, b], seed);

    const ys: Tensor[] = [];
    const gxs: Tensor[] = [];
    let gkSum: Tensor | null = null;
    let gbSum: Tensor | null = null;
    for (let i = 0; i < 12; i++) {
      const xi = slice(x.detach(), [i], [1]);
      xi.requiresGrad = true;
      const yi = conv2d(xi, k, { ...options, bias: b });
      ys.push(yi);
      const [gxi, gki, gbi] = gradients(yi, [xi, k, b], slice(seed, [i], [1]));
      gxs.push(gxi!);
      gkSum = gkSum ? gkSum.add(gki!) : gki!;
      gbSum = gbSum ? gbSum.add(gbi!) : gbi!;
    }
    close(y, concat(ys, 0), `case ${ci} output`);
    close(gx!, concat(gxs, 0), `case ${ci} d(x)`);
    close(gk!, gkSum!, `case ${ci} d(kernel)`);
    close(gb!, gbSum!, `case ${ci} d(bias)`);
  });
});
