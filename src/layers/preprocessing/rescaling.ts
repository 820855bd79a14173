import { Tensor } from '../../core/tensor.js';
import { add, mul } from '../../ops/binary.js';
import { checkOptionNames } from '../../utils/option-names.js';
import type { CallOptions, LayerArgs, ShapeValue } from '../layer.js';
import { LAYER_ARG_NAMES, Layer } from '../layer.js';

/** A number, or one number per channel (broadcast against the last axis, as NumPy). */
export type ScaleValue = number | readonly number[];

function checkScale(what: string, v: unknown): ScaleValue {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'number' && Number.isFinite(e))) return [...v];
  throw new Error(`Rescaling: ${what} must be a finite number or a list of them, got ${JSON.stringify(v)}.`);
}

/** Keras's Rescaling: `x * scale + offset`, in training and inference alike. */
export class Rescaling extends Layer {
  readonly scale: ScaleValue;
  readonly offset: ScaleValue;

  constructor(scale: ScaleValue, offset: ScaleValue = 0, args: LayerArgs = {}) {
    checkOptionNames('Rescaling', args, LAYER_ARG_NAMES);
    super(args);
    this.scale = checkScale('scale', scale);
    this.offset = checkScale('offset', offset);
    this.supportsMasking = true;
  }

  private constant(v: ScaleValue, x: Tensor): Tensor | number {
    if (typeof v === 'number') return v;
    const last = x.shape[x.rank - 1];
    if (x.rank === 0 || (last !== v.length && v.length !== 1))
      throw new Error(
        `Layer '${this.name}' (Rescaling): ${v.length} per-channel values cannot broadcast against inputs of shape [${x.shape.join(', ')}].`,
      );
    const data = x.dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v);
    return new Tensor(data, [v.length], x.dtype === 'float64' ? 'float64' : 'float32');
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return add(mul(x, this.constant(this.scale, x)), this.constant(this.offset, x));
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    const v = (s: ScaleValue): unknown => (typeof s === 'number' ? s : [...s]);
    return { ...super.getConfig(), scale: v(this.scale), offset: v(this.offset) };
  }
}
