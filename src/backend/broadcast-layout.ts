import { broadcastStrides } from './js/elementwise.js';

type Shape = readonly number[];

/**
 * A broadcast binary op's layout for the C++ kernels (native and wasm alike), written into
 * `meta` from `at`: rank r, then r sizes, r strides of a and r strides of b. Size-1 axes are
 * dropped and axes both inputs walk contiguously are merged, so the kernel's inner loop runs long.
 * Returns the rank written.
 */
export function writeBroadcastLayout(
  meta: Float64Array,
  at: number,
  aShape: Shape,
  bShape: Shape,
  outShape: Shape,
): number {
  const aStr = broadcastStrides(aShape, outShape);
  const bStr = broadcastStrides(bShape, outShape);
  const dims: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let d = 0; d < outShape.length; d++) {
    const size = outShape[d]!;
    if (size === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && as[last] === aStr[d]! * size && bs[last] === bStr[d]! * size) {
      dims[last]! *= size;
      as[last] = aStr[d]!;
      bs[last] = bStr[d]!;
    } else {
      dims.push(size);
      as.push(aStr[d]!);
      bs.push(bStr[d]!);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    as.push(0);
    bs.push(0);
  }
  const r = dims.length;
  if (at + 1 + 3 * r > meta.length) throw new Error(`broadcast layout: rank ${r} does not fit the kernel's metadata.`);
  meta[at] = r;
  for (let d = 0; d < r; d++) {
    meta[at + 1 + d] = dims[d]!;
    meta[at + 1 + r + d] = as[d]!;
    meta[at + 1 + 2 * r + d] = bs[d]!;
  }
  return r;
}
