import type { ConvParams, WindowGeometry } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { normalizeTuple } from './conv-windows.js';
import { assertFloat, uninitializedOutput } from './operand.js';
import { reshape } from './reshape.js';

export interface ConvTransposeOptions {
  /** Step of the convolution this one transposes: one int, or one per spatial axis (default 1). */
  strides?: number | readonly number[];
  /** 'valid' or 'same', as Keras's conv_transpose. */
  padding?: 'valid' | 'same';
  /**
   * Extra rows / columns after the output, each < its stride (Keras's output_padding); null or
   * omitted picks Keras's default, (input - 1) * stride + max(kernel, stride) for 'valid' and
   * input * stride for 'same'.
   */
  outputPadding?: number | readonly (number | null)[] | null;
  dilationRate?: number | readonly number[];
}

export interface TransposeAxis {
  /** Output length. */
  out: number;
  /** Padding before the input of the convolution whose input gradient this is. */
  padBefore: number;
}

/**
 * Output length of one axis of a transposed convolution and where it sits, from Keras's padding
 * rules (backend_utils: the JAX conversion, which TensorFlow's output shape agrees with).
 * `out` may be <= 0 for inputs too small; callers turn that into an error.
 */
export function transposeAxis(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: 'valid' | 'same',
  outputPadding: number | null,
): TransposeAxis {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid') {
    const extra = outputPadding ?? Math.max(span, stride) - span;
    return { out: (size - 1) * stride + span + extra, padBefore: 0 };
  }
  // Total padding of the dilated input; its larger half goes before, capped at span - 1.
  const padLen = outputPadding === null ? stride + span - 2 : span + (span % 2) - 2 + outputPadding;
  const left = Math.min(Math.floor(padLen / 2) + (padLen % 2), span - 1);
  const out = outputPadding === null ? size * stride : (size - 1) * stride + (span % 2) + outputPadding;
  return { out, padBefore: span - 1 - left };
}

function normalizeOutputPadding(
  v: ConvTransposeOptions['outputPadding'],
  strides: readonly number[],
  what: string,
): (number | null)[] {
  const n = strides.length;
  if (v === undefined || v === null) return new Array<number | null>(n).fill(null);
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (list.length !== n || list.some((p) => p !== null && (!Number.isInteger(p) || p < 0)))
    throw new Error(`${what}: outputPadding must be a non-negative integer or ${n} of them, got ${JSON.stringify(v)}.`);
  list.forEach((p, i) => {
    if (p !== null && p >= strides[i]!)
      throw new Error(
        `${what}: outputPadding must be less than strides on every axis; axis ${i} has outputPadding ${p} and stride ${strides[i]}.`,
      );
  });
  return list;
}

/**
 * Transposed 2-D convolution, channels-last, as Keras's ops.conv_transpose: x [N, H, W, C] and
 * kernel [KH, KW, F, C] (Keras's layout: output channels before input channels) give
 * [N, OH, OW, F]. It is the input gradient of the convolution of an [N, OH, OW, F] image with the
 * same kernel, so it runs on the backend's convolution kernels: forward = convBackward's d(x),
 * and its own gradients are convForward (d(x)) and convBackward's d(kernel).
 */
export function convTranspose2d(x: Tensor, kernel: Tensor, options: ConvTransposeOptions = {}): Tensor {
  return transposed(x, kernel, options, 'convTranspose2d', 2);
}

/** Transposed 1-D convolution: x [N, L, C] and kernel [K, F, C] give [N, OL, F] (an image of height 1). */
export function convTranspose1d(x: Tensor, kernel: Tensor, options: ConvTransposeOptions = {}): Tensor {
  const what = 'convTranspose1d';
  if (x.rank !== 3 || kernel.rank !== 3) {
    throw new Error(
      `${what}: expected input [N, L, C] and kernel [K, F, C], got ${shapeToString(x.shape)} and ${shapeToString(kernel.shape)}.`,
    );
  }
  const [n, len, c] = x.shape as [number, number, number];
  const stride = normalizeTuple(options.strides ?? 1, 1, `${what}: strides`)[0]!;
  const dilation = normalizeTuple(options.dilationRate ?? 1, 1, `${what}: dilationRate`)[0]!;
  const op = normalizeOutputPadding(options.outputPadding, [stride], what)[0]!;
  const y = transposed(
    reshape(x, [n, 1, len, c]),
    reshape(kernel, [1, ...kernel.shape]),
    { ...options, strides: [1, stride], dilationRate: [1, dilation], outputPadding: [null, op] },
    what,
    1,
  );
  return reshape(y, [n, y.shape[2]!, y.shape[3]!]);
}

function transposed(x: Tensor, kernel: Tensor, options: ConvTransposeOptions, what: string, rank: 1 | 2): Tensor {
  if (x.rank !== 4 || kernel.rank !== 4) {
    throw new Error(
      `${what}: expected input [N, H, W, C] and kernel [KH, KW, F, C], got ${shapeToString(x.shape)} and ${shapeToString(kernel.shape)}.`,
    );
  }
  assertFloat(x, what);
  assertFloat(kernel, what);
  if (kernel.dtype !== x.dtype) throw new Error(`${what}: dtypes differ (${x.dtype} and ${kernel.dtype}).`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, f, kc] = kernel.shape as [number, number, number, number];
  if (kc !== c) {
    throw new Error(
      `${what}: the kernel ${shapeToString(kernel.shape)} expects ${kc} input channels (its last axis) but the input ${shapeToString(x.shape)} has ${c}.`,
    );
  }
  if (kh === 0 || kw === 0 || f === 0) throw new Error(`${what}: empty kernel ${shapeToString(kernel.shape)}.`);
  const padding = (options.padding ?? 'valid').toLowerCase();
  if (padding !== 'valid' && padding !== 'same')
    throw new Error(`${what}: padding must be 'valid' or 'same', got '${String(options.padding)}'.`);
  const strides = normalizeTuple(options.strides ?? 1, 2, `${what}: strides`);
  const dilation = normalizeTuple(options.dilationRate ?? 1, 2, `${what}: dilationRate`);
  const outPad = normalizeOutputPadding(options.outputPadding, strides, what);
  const ax = [h, w].map((size, i) =>
    transposeAxis(size, [kh, kw][i]!, strides[i]!, dilation[i]!, padding, outPad[i]!),
  ) as [TransposeAxis, TransposeAxis];
  if (ax[0].out <= 0 || ax[1].out <= 0) {
    const shown = rank === 1 ? `length ${ax[1].out}` : `${ax[0].out}x${ax[1].out}`;
    throw new Error(
      `${what}: input ${shapeToString(x.shape)} with kernel ${shapeToString(kernel.shape)} gives an empty output (${shown}).`,
    );
  }
  // The convolution from [N, OH, OW, F] to x's shape that this op is the input gradient of.
  const g: WindowGeometry = {
    n,
    h: ax[0].out,
    w: ax[1].out,
    c: f,
    kh,
    kw,
    strideH: strides[0]!,
    strideW: strides[1]!,
    dilationH: dilation[0]!,
    dilationW: dilation[1]!,
    padTop: ax[0].padBefore,
    padLeft: ax[1].padBefore,
    outH: h,
    outW: w,
  };
  const dtype = x.dtype as 'float32' | 'float64';
  const params: ConvParams = { filters: c, bias: null, activation: 'linear' };
  const xd = x.data as FloatArray;
  const kd = kernel.data as FloatArray;
  const out = uninitializedOutput([n, g.h, g.w, f], dtype);
  const od = out.data as FloatArray;
  // convBackward reads its image only for d(kernel), and y only for relu: out stands in for both.
  backend().convBackward(od, g, kd, params, xd, xd, { x: od, kernel: null, bias: null });
  return record(out, 'convTranspose', [x, kernel], (grad) => {
    const gd = grad.data as FloatArray;
    let gx: Tensor | null = null;
    let gk: Tensor | null = null;
    if (x.requiresGrad) {
      gx = uninitializedOutput(x.shape, dtype);
      backend().convForward(gd, g, kd, params, gx.data as FloatArray);
    }
    if (kernel.requiresGrad) {
      gk = uninitializedOutput(kernel.shape, dtype);
      backend().convBackward(gd, g, kd, params, xd, xd, { x: null, kernel: gk.data as FloatArray, bias: null });
    }
    return [gx, gk];
  });
}
