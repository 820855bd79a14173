/**
 * Image resampling shared by the preprocessing layers (and UpSampling2D): resizing with
 * TensorFlow's half-pixel centres, and Keras's `affine_transform` with its fill modes. Everything
 * is built from differentiable gathers, so gradients reach the pixels as they do in Keras's
 * TensorFlow backend. Images are channels_last, [batch, height, width, channels].
 */
import type { DType } from '../../core/dtype.js';
import { Tensor } from '../../core/tensor.js';
import { add, mul, sub } from '../../ops/binary.js';
import { reshape } from '../../ops/reshape.js';
import { gather } from '../../ops/slice.js';

export type ResizeInterpolation = 'nearest' | 'bilinear';
export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';
export const FILL_MODES: readonly FillMode[] = ['reflect', 'wrap', 'constant', 'nearest'];
export const INTERPOLATIONS: readonly ResizeInterpolation[] = ['nearest', 'bilinear'];

function weightData(w: Float64Array, dtype: DType): Float64Array | Float32Array {
  return dtype === 'float64' ? w : Float32Array.from(w);
}

/**
 * Linear interpolation along one axis from n to `out` entries, as tf.image.resize's bilinear
 * kernel (half-pixel centres, no antialiasing): output o samples the input at
 * (o + 0.5) * n / out - 0.5, between floor and ceil of it clamped to the input.
 */
export function lerpAxis(x: Tensor, axis: number, out: number): Tensor {
  const n = x.shape[axis]!;
  const lower = new Int32Array(out);
  const upper = new Int32Array(out);
  const w = new Float64Array(out);
  const scale = n / out;
  for (let o = 0; o < out; o++) {
    const at = (o + 0.5) * scale - 0.5;
    const f = Math.floor(at);
    lower[o] = Math.min(Math.max(f, 0), n - 1);
    upper[o] = Math.min(Math.max(Math.ceil(at), 0), n - 1);
    w[o] = at - f;
  }
  const shape = x.shape.map((_, i) => (i === axis ? out : 1));
  const weights = new Tensor(weightData(w, x.dtype), shape, x.dtype);
  const lo = gather(x, lower, axis);
  return add(lo, mul(sub(gather(x, upper, axis), lo), weights));
}

/** Nearest-neighbour resampling along one axis (tf.image.resize, half-pixel centres): floor((o + 0.5) * n / out). */
export function nearestAxis(x: Tensor, axis: number, out: number): Tensor {
  const n = x.shape[axis]!;
  const scale = n / out;
  const idx = Int32Array.from({ length: out }, (_, o) => Math.min(Math.floor((o + 0.5) * scale), n - 1));
  return gather(x, idx, axis);
}

/** Images [b, h, w, c] resized to [b, height, width, c] (columns first, then rows, as TensorFlow). */
export function resizeImages(x: Tensor, height: number, width: number, interpolation: ResizeInterpolation): Tensor {
  const along = interpolation === 'bilinear' ? lerpAxis : nearestAxis;
  const cols = x.shape[2] === width ? x : along(x, 2, width);
  return cols.shape[1] === height ? cols : along(cols, 1, height);
}

/** The central box of [h, w] with the aspect ratio of [height, width] (Keras's crop_to_aspect_ratio). */
export function aspectCropBox(
  h: number,
  w: number,
  height: number,
  width: number,
): { top: number; left: number; h: number; w: number } {
  const cropH = Math.max(Math.min(h, Math.trunc((w * height) / width)), 1);
  const cropW = Math.max(Math.min(w, Math.trunc((h * width) / height)), 1);
  return { top: Math.trunc((h - cropH) / 2), left: Math.trunc((w - cropW) / 2), h: cropH, w: cropW };
}

/**
 * Where integer coordinate i of an axis of size n reads under a fill mode (Keras's numpy
 * backend pads with np.pad: reflect = 'symmetric' (d c b a | a b c d | d c b a), wrap =
 * periodic, nearest = edge), or -1 for constant outside the image.
 */
export function fillIndex(i: number, n: number, mode: FillMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'reflect': {
      const period = 2 * n;
      const m = ((i % period) + period) % period;
      return m < n ? m : period - 1 - m;
    }
  }
}

/**
 * Keras's `ops.image.affine_transform` on channels_last images: per image, the 8 numbers
 * [a0, a1, a2, b0, b1, b2, c0, c1] map output pixel (x, y) to the input point
 * ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, which is sampled
 * (bilinear or nearest) with pixels outside the image given by the fill mode. `transforms`
 * holds one row per image.
 */
export function affineTransform(
  images: Tensor,
  transforms: readonly (readonly number[])[],
  interpolation: ResizeInterpolation,
  fillMode: FillMode,
  fillValue: number,
): Tensor {
  const [b, h, w, c] = images.shape as [number, number, number, number];
  const pixels = h * w;
  const corners = interpolation === 'bilinear' ? 4 : 1;
  const index = Array.from({ length: corners }, () => new Int32Array(b * pixels));
  const weight = Array.from({ length: corners }, () => new Float64Array(b * pixels));
  const fill = new Float64Array(b * pixels);
  let anyFill = false;
  for (let n = 0; n < b; n++) {
    const [a0, a1, a2, b0, b1, b2, c0, c1] = transforms[n]!;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const k = c0! * x + c1! * y + 1;
        const sx = (a0! * x + a1! * y + a2!) / k;
        const sy = (b0! * x + b1! * y + b2!) / k;
        const o = n * pixels + y * w + x;
        const put = (corner: number, iy: number, ix: number, wt: number): void => {
          const fy = fillIndex(iy, h, fillMode);
          const fx = fillIndex(ix, w, fillMode);
          if (fy < 0 || fx < 0) {
            // Outside under 'constant': the corner's weight goes to the fill value.
            index[corner]![o] = n * pixels;
            weight[corner]![o] = 0;
            fill[o] += wt;
            if (wt !== 0) anyFill = true;
          } else {
            index[corner]![o] = n * pixels + fy * w + fx;
            weight[corner]![o] = wt;
          }
        };
        if (corners === 1) {
          put(0, Math.round(sy), Math.round(sx), 1);
        } else {
          const y0 = Math.floor(sy);
          const x0 = Math.floor(sx);
          const dy = sy - y0;
          const dx = sx - x0;
          put(0, y0, x0, (1 - dy) * (1 - dx));
          put(1, y0, x0 + 1, (1 - dy) * dx);
          put(2, y0 + 1, x0, dy * (1 - dx));
          put(3, y0 + 1, x0 + 1, dy * dx);
        }
      }
  }
  const flat = reshape(images, [b * pixels, c]);
  const dtype = images.dtype;
  let out: Tensor | null = null;
  for (let k = 0; k < corners; k++) {
    const term = mul(gather(flat, index[k]!, 0), new Tensor(weightData(weight[k]!, dtype), [b * pixels, 1], dtype));
    out = out ? add(out, term) : term;
  }
  if (anyFill && fillValue !== 0) {
    const f = fill.map((v) => v * fillValue);
    out = add(out!, new Tensor(weightData(f, dtype), [b * pixels, 1], dtype));
  }
  return reshape(out!, [b, h, w, c]);
}
