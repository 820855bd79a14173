/**
 * The sliding window every convolution layer shares (Conv, ConvTranspose, DepthwiseConv,
 * SeparableConv): Keras's kernel_size, strides, padding, dilation_rate and data_format, checked
 * once, and the shape errors that name the layer.
 */
import type { Padding } from '../ops/conv-windows.js';
import { checkPadding, normalizeTuple, outputLength } from '../ops/conv-windows.js';
import type { Layer, SymbolicShape } from './layer.js';
import { formatShape } from './layer.js';

/** The window's options, in camelCase, as every convolution layer takes them. */
export interface ConvWindowArgs {
  strides?: number | readonly number[];
  /** 'valid' or 'same'; Conv1D also takes 'causal'. */
  padding?: Padding;
  /** Only 'channels_last' is supported. */
  dataFormat?: 'channels_last';
  dilationRate?: number | readonly number[];
}

export const CONV_WINDOW_ARG_NAMES = ['strides', 'padding', 'dataFormat', 'dilationRate'] as const;

export interface ConvWindow<P extends Padding = Padding> {
  readonly kernelSize: readonly number[];
  readonly strides: readonly number[];
  readonly dilationRate: readonly number[];
  readonly padding: P;
}

/** Python's tuple repr for error messages: (3, 3) and (5,). */
export function tupleString(t: readonly number[]): string {
  return `(${t.join(', ')}${t.length === 1 ? ',' : ''})`;
}

/**
 * The window from a layer's arguments, refused as Keras refuses it: channels_first, 'causal'
 * where the layer has no causal form, and (where Keras's layer checks it) strides > 1 together
 * with dilation > 1.
 */
export function parseConvWindow(
  who: string,
  rank: 1 | 2,
  kernelSize: number | readonly number[],
  args: ConvWindowArgs,
  rules: { causal: false; stridesWithDilation: boolean },
): ConvWindow<'valid' | 'same'>;
export function parseConvWindow(
  who: string,
  rank: 1 | 2,
  kernelSize: number | readonly number[],
  args: ConvWindowArgs,
  rules: { causal: boolean; stridesWithDilation: boolean },
): ConvWindow;
export function parseConvWindow(
  who: string,
  rank: 1 | 2,
  kernelSize: number | readonly number[],
  args: ConvWindowArgs,
  rules: { causal: boolean; stridesWithDilation: boolean },
): ConvWindow {
  if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last')
    throw new Error(`${who}: only data_format 'channels_last' is supported, got '${String(args.dataFormat)}'.`);
  const w: ConvWindow = {
    kernelSize: normalizeTuple(kernelSize, rank, `${who}: kernelSize`),
    strides: normalizeTuple(args.strides ?? 1, rank, `${who}: strides`),
    dilationRate: normalizeTuple(args.dilationRate ?? 1, rank, `${who}: dilationRate`),
    padding: checkPadding(args.padding ?? 'valid', rules.causal, who),
  };
  // TensorFlow's convolutions do not combine the two; Keras's Conv and ConvTranspose refuse it.
  if (!rules.stridesWithDilation && Math.max(...w.strides) > 1 && Math.max(...w.dilationRate) > 1)
    throw new Error(
      `${who}: strides > 1 is not supported together with dilationRate > 1 (got strides ${tupleString(w.strides)}, dilationRate ${tupleString(w.dilationRate)}).`,
    );
  return w;
}

/** Throws unless inputShape is [batch, ...spatial(rank), channels]. */
export function checkConvRank(layer: Layer, rank: 1 | 2, inputShape: SymbolicShape): void {
  if (inputShape.length === rank + 2) return;
  const layout = rank === 1 ? '(batch, steps, channels)' : '(batch, rows, cols, channels)';
  throw new Error(
    `Layer '${layer.name}' (${layer.className}) expects inputs of rank ${rank + 2} ${layout}, got shape ${formatShape(inputShape)}.`,
  );
}

/**
 * Spatial output sizes of a (forward) window over inputShape, with an error naming the layer for
 * a wrong rank or an input the window does not fit (outChannels completes the shape it reports).
 */
export function convOutputSpatial(
  layer: Layer,
  rank: 1 | 2,
  inputShape: SymbolicShape,
  w: ConvWindow,
  outChannels: number | null,
): (number | null)[] {
  checkConvRank(layer, rank, inputShape);
  const spatial = inputShape
    .slice(1, -1)
    .map((d, i) => outputLength(d, w.kernelSize[i]!, w.strides[i]!, w.dilationRate[i]!, w.padding));
  if (spatial.some((d) => d !== null && d <= 0))
    throw new Error(
      `Layer '${layer.name}' (${layer.className}): input shape ${formatShape(inputShape)} is too small for kernel_size ${tupleString(w.kernelSize)} ` +
        `with strides ${tupleString(w.strides)}, dilation_rate ${tupleString(w.dilationRate)} and padding '${w.padding}' ` +
        `(the output would be ${formatShape([inputShape[0] ?? null, ...spatial, outChannels])}).`,
    );
  return spatial;
}

/** The input's channel count: known, and (once built) what the layer was built for. */
export function inputChannels(layer: Layer, inputShape: SymbolicShape, built: number | null): number {
  const channels = inputShape[inputShape.length - 1];
  if (channels === null || channels === undefined)
    throw new Error(
      `Layer '${layer.name}' (${layer.className}) needs a known channel dimension, got input shape ${formatShape(inputShape)}.`,
    );
  if (built !== null && channels !== built)
    throw new Error(
      `Layer '${layer.name}' (${layer.className}) was built for ${built} input channels, got input shape ${formatShape(inputShape)}.`,
    );
  return channels;
}

/** Keras's config keys for the window, in its order. */
export function convWindowConfig(w: ConvWindow): Record<string, unknown> {
  return {
    kernel_size: [...w.kernelSize],
    strides: [...w.strides],
    padding: w.padding,
    data_format: 'channels_last',
    dilation_rate: [...w.dilationRate],
  };
}
