import type { Tensor } from '../core/tensor.js';
import type { TypedArray } from '../core/dtype.js';

/** Anything with pixels and a shape: a Tensor, or a plain typed array / number array with its shape. */
export type ImageLike =
  Tensor | { data: TypedArray | ArrayLike<number>; shape: readonly number[]; dtype?: string } | number[][];

/** Several images: one Tensor/array with a leading batch axis, or a list of images. */
export type ImageBatch = Exclude<ImageLike, number[][]> | readonly ImageLike[];

/** A grayscale image with intensities normalised to 0..1 (0 = no ink in MNIST terms). */
export interface GrayImage {
  height: number;
  width: number;
  /** Row-major intensities in 0..1. */
  values: Float64Array;
}

export interface IntensityRange {
  /** Value shown as intensity 0. Default: 0. */
  vmin?: number;
  /** Value shown as intensity 1. Default: 255 for integer data or floats above 1, else 1. */
  vmax?: number;
}

interface RawImage {
  data: ArrayLike<number>;
  shape: readonly number[];
  integer: boolean;
}

function raw(image: ImageLike): RawImage {
  if (Array.isArray(image)) {
    const h = image.length;
    const w = h > 0 ? image[0]!.length : 0;
    const data = new Float64Array(h * w);
    image.forEach((row, y) => {
      if (row.length !== w) throw new Error(`viz: ragged image rows (${row.length} vs ${w}).`);
      for (let x = 0; x < w; x++) data[y * w + x] = row[x]!;
    });
    return { data, shape: [h, w], integer: data.every(Number.isInteger) };
  }
  const { data, shape } = image;
  const dtype = 'dtype' in image && typeof image.dtype === 'string' ? image.dtype : undefined;
  const integer =
    dtype !== undefined
      ? dtype === 'uint8' || dtype === 'int32' || dtype === 'bool'
      : data instanceof Uint8Array || data instanceof Uint8ClampedArray || data instanceof Int32Array;
  return { data, shape, integer };
}

/** [h,w], [h,w,1], [1,h,w], [1,h,w,1], or a flat square [n*n] (a flattened MNIST row). */
export function imageSize(shape: readonly number[]): [number, number] {
  const dims = shape.filter((d, i) => !(d === 1 && (i === 0 || i === shape.length - 1) && shape.length > 2));
  if (dims.length === 2) return [dims[0]!, dims[1]!];
  if (dims.length === 1) {
    const side = Math.round(Math.sqrt(dims[0]!));
    if (side * side === dims[0]) return [side, side];
  }
  throw new Error(`viz: expected a grayscale image of shape [h, w] or [h, w, 1], got [${shape.join(', ')}].`);
}

function defaultVmax(r: RawImage): number {
  if (r.integer) return 255;
  let max = 0;
  for (let i = 0; i < r.data.length; i++) if (r.data[i]! > max) max = r.data[i]!;
  return max > 1 ? 255 : 1;
}

function normalise(r: RawImage, offset: number, count: number, range: IntensityRange): Float64Array {
  const vmin = range.vmin ?? 0;
  const vmax = range.vmax ?? defaultVmax(r);
  const span = vmax - vmin || 1;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v = (r.data[offset + i]! - vmin) / span;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/** One grayscale image from any accepted form. */
export function toGrayImage(image: ImageLike, range: IntensityRange = {}): GrayImage {
  const r = raw(image);
  const [height, width] = imageSize(r.shape);
  if (height * width !== r.data.length) {
    throw new Error(`viz: shape [${r.shape.join(', ')}] does not match ${r.data.length} values.`);
  }
  return { height, width, values: normalise(r, 0, r.data.length, range) };
}

/**
 * A batch of images: a Tensor [n,h,w], [n,h,w,1] or [n,h*w] (square images), or an array of images
 * (each scaled on its own). `indices` picks some without converting the rest (a whole test set as
 * float64 would be tens of megabytes).
 */
export function toGrayImages(images: ImageBatch, range: IntensityRange = {}, indices?: readonly number[]): GrayImage[] {
  if (Array.isArray(images)) {
    const list = images as readonly ImageLike[];
    return (indices ?? list.map((_, i) => i)).map((i) => toGrayImage(list[i]!, range));
  }
  const r = raw(images as Exclude<ImageLike, number[][]>);
  const n = r.shape[0] ?? 0;
  const [height, width] = imageSize(r.shape.slice(1));
  const size = height * width;
  if (n * size !== r.data.length) {
    throw new Error(`viz: batch shape [${r.shape.join(', ')}] does not match ${r.data.length} values.`);
  }
  const vmax = range.vmax ?? defaultVmax(r);
  return (indices ?? Array.from({ length: n }, (_, i) => i)).map((i) => {
    if (i < 0 || i >= n) throw new Error(`viz: image ${i} out of range 0..${n - 1}.`);
    return { height, width, values: normalise(r, i * size, size, { vmin: range.vmin, vmax }) };
  });
}

/** How many images a batch holds. */
export function batchLength(images: ImageBatch): number {
  return Array.isArray(images) ? images.length : ((images as { shape: readonly number[] }).shape[0] ?? 0);
}

/** Intensities as 0..255 integers, as the lecture prints them. */
export function toBytes(image: GrayImage): Uint8Array {
  const out = new Uint8Array(image.values.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(image.values[i]! * 255);
  return out;
}
