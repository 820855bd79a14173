/**
 * The bench's augmentation: every image of a [b, h, w, 1] batch shifted by -2..2 pixels each way
 * (zeros fill in), plain JavaScript on the typed arrays. Its own module so `data.workerMap` can
 * run it in a worker thread (bench/data-pipeline.ts runs it on both threads).
 */
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';

const rng = new Random(1);

export function randomShift([images, labels]: [Tensor, Tensor]): [Tensor, Tensor] {
  const [b, h, w] = images.shape as [number, number, number];
  const src = images.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let k = 0; k < b; k++) {
    const dy = rng.int(5) - 2;
    const dx = rng.int(5) - 2;
    const base = k * h * w;
    for (let r = 0; r < h; r++) {
      const sr = r - dy;
      if (sr < 0 || sr >= h) continue;
      const c0 = Math.max(0, dx);
      const c1 = Math.min(w, w + dx);
      out.set(src.subarray(base + sr * w + c0 - dx, base + sr * w + c1 - dx), base + r * w + c0);
    }
  }
  return [new Tensor(out, images.shape, 'float32'), labels];
}

export default randomShift;
