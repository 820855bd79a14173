import type { Tensor } from '../../core/tensor.js';
import { astype } from '../../ops/cast.js';
import { greater } from '../../ops/binary.js';
import { concat } from '../../ops/concat.js';
import { ones } from '../../ops/creation.js';
import { broadcastTo } from '../../ops/broadcast-to.js';
import { max } from '../../ops/reduce.js';
import { expandDims } from '../../ops/reshape.js';
import type { CallOptions, LayerArgs, ShapeValue } from '../layer.js';
import { LAYER_ARG_NAMES, formatShape } from '../layer.js';
import { checkOptionNames, optionNames } from '../../utils/option-names.js';
import { Merge } from './merge-base.js';

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along (Keras's default, -1: the last). */
  axis?: number;
}

const CONCATENATE_ARG_NAMES = [...LAYER_ARG_NAMES, ...optionNames<Omit<ConcatenateArgs, keyof LayerArgs>>()(['axis'])];

/** Joins its inputs along one axis; every other dimension must match (Keras's Concatenate). */
export class Concatenate extends Merge {
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    checkOptionNames('Concatenate', args, CONCATENATE_ARG_NAMES);
    const { axis, ...rest } = args;
    super(rest);
    this.axis = axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new Error(`Concatenate: axis must be an integer, got ${String(axis)}.`);
  }

  protected merge(inputs: Tensor[]): Tensor {
    return concat(inputs, this.axisFor(inputs[0]!.rank));
  }

  private axisFor(rank: number): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 0 || a >= rank)
      throw new Error(
        `Layer '${this.name}' (Concatenate): axis ${this.axis} is out of range for inputs of rank ${rank}.`,
      );
    return a;
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    const shapes = this.shapesOf(inputShape);
    const rank = shapes[0]!.length;
    const bad = (): Error =>
      new Error(
        `Layer '${this.name}' (Concatenate) needs inputs with matching shapes except along the concatenation axis ` +
          `(${this.axis}), got ${shapes.map(formatShape).join(', ')}.`,
      );
    if (shapes.some((s) => s.length !== rank)) throw bad();
    const axis = this.axisFor(rank);
    const out: (number | null)[] = [...shapes[0]!];
    for (const s of shapes.slice(1)) {
      s.forEach((d, i) => {
        if (i === axis) out[i] = out[i] === null || d === null ? null : out[i]! + d;
        else if (out[i] === null) out[i] = d;
        else if (d !== null && d !== out[i]) throw bad();
      });
    }
    return out;
  }

  override call(inputs: Tensor[], _options: CallOptions<unknown>): Tensor {
    return this.merge(inputs);
  }

  /** Keras: unmasked inputs count as all-true; masks are joined along the axis, then any over the last. */
  override computeMask(inputs: unknown, mask: unknown): unknown {
    const list = Array.isArray(mask) ? mask : [];
    if (!list.some((m) => m)) return null;
    const xs = inputs as Tensor[];
    const masks = xs.map((x, i) => {
      const m = list[i] as Tensor | null | undefined;
      if (!m) return ones(x.shape as number[], 'float32');
      const f = astype(m, 'float32');
      return f.rank < x.rank ? broadcastTo(expandDims(f, -1), x.shape as number[]) : f;
    });
    return greater(max(concat(masks, this.axisFor(xs[0]!.rank)), -1), 0);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}
