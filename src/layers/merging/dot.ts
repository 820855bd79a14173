import type { Tensor } from '../../core/tensor.js';
import { maximum, mul } from '../../ops/binary.js';
import { matmul } from '../../ops/matmul.js';
import { sum } from '../../ops/reduce.js';
import { reshape } from '../../ops/reshape.js';
import { transpose } from '../../ops/transpose.js';
import { rsqrt, square } from '../../ops/unary.js';
import type { CallOptions, LayerArgs, ShapeValue, SymbolicShape } from '../layer.js';
import { LAYER_ARG_NAMES, formatShape } from '../layer.js';
import { checkOptionNames, optionNames } from '../../utils/option-names.js';
import { Merge } from './merge-base.js';

export interface DotArgs extends LayerArgs {
  /** Normalise each input to unit L2 norm along its dot axis first (cosine similarity). */
  normalize?: boolean;
}

const DOT_ARG_NAMES = [...LAYER_ARG_NAMES, ...optionNames<Omit<DotArgs, keyof LayerArgs>>()(['normalize'])];

/**
 * Keras's Dot: the dot product of two inputs along `axes` (one axis for both, or one each),
 * batch by batch; the output joins the remaining axes of the first input and of the second, and
 * two vectors give shape (batch, 1).
 */
export class Dot extends Merge {
  readonly axes: number | readonly [number, number];
  readonly normalize: boolean;

  constructor(axes: number | readonly [number, number], args: DotArgs = {}) {
    checkOptionNames('Dot', args, DOT_ARG_NAMES);
    const { normalize, ...rest } = args;
    super(rest);
    this.minInputs = 2;
    this.maxInputs = 2;
    const valid = (a: unknown): boolean => Number.isInteger(a);
    if (!(valid(axes) || (Array.isArray(axes) && axes.length === 2 && axes.every(valid))))
      throw new Error(`Dot: axes must be an integer or a pair of integers, got ${JSON.stringify(axes)}.`);
    this.axes = Array.isArray(axes) ? ([axes[0], axes[1]] as const) : (axes as number);
    this.normalize = normalize ?? false;
  }

  /** The two axes, non-negative, for inputs of these ranks (Keras: a negative one counts from the end). */
  private axesFor(rank1: number, rank2: number): [number, number] {
    const [a, b] = typeof this.axes === 'number' ? [this.axes, this.axes] : this.axes;
    const fix = (x: number, r: number): number => (x < 0 ? ((x % r) + r) % r : x);
    const out: [number, number] = [fix(a, rank1), fix(b, rank2)];
    if (out[0] === 0 || out[1] === 0 || out[0] >= rank1 || out[1] >= rank2)
      throw new Error(
        `Layer '${this.name}' (Dot): axes ${JSON.stringify(this.axes)} do not fit inputs of rank ${rank1} and ${rank2} (the batch axis cannot be one).`,
      );
    return out;
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    const [s1, s2] = this.shapesOf(inputShape) as [SymbolicShape, SymbolicShape];
    const [a1, a2] = this.axesFor(s1.length, s2.length);
    if (s1[a1] !== null && s2[a2] !== null && s1[a1] !== s2[a2])
      throw new Error(
        `Layer '${this.name}' (Dot): incompatible input shapes: axis values ${s1[a1]} (at axis ${a1}) != ${s2[a2]} (at axis ${a2}); full shapes ${formatShape(s1)}, ${formatShape(s2)}.`,
      );
    const out = [...s1.filter((_, i) => i !== a1), ...s2.filter((_, i) => i !== a2 && i !== 0)];
    return out.length === 1 ? [...out, 1] : out;
  }

  protected merge([x, y]: Tensor[]): Tensor {
    return this.dot(x!, y!);
  }

  override call(inputs: Tensor[], _options: CallOptions<unknown>): Tensor {
    return this.dot(inputs[0]!, inputs[1]!);
  }

  private dot(x: Tensor, y: Tensor): Tensor {
    const [a1, a2] = this.axesFor(x.rank, y.rank);
    if (this.normalize) {
      x = l2Normalize(x, a1);
      y = l2Normalize(y, a2);
    }
    const batch = x.shape[0]!;
    // x -> [batch, rest of x, k], y -> [batch, k, rest of y], then one batched matmul.
    const restX = x.shape.filter((_, i) => i !== 0 && i !== a1);
    const restY = y.shape.filter((_, i) => i !== 0 && i !== a2);
    const xt = transpose(x, [0, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a1), a1]);
    const yt = transpose(y, [0, a2, ...y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a2)]);
    const k = x.shape[a1]!;
    const m = restX.reduce((p, d) => p * d, 1);
    const n = restY.reduce((p, d) => p * d, 1);
    const out = matmul(reshape(xt, [batch, m, k]), reshape(yt, [batch, k, n]));
    const shape = [batch, ...restX, ...restY];
    return reshape(out, shape.length === 1 ? [batch, 1] : shape);
  }

  /** Keras's Dot gives no mask. */
  override computeMask(_inputs: unknown, _mask: unknown): null {
    return null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

/** x / sqrt(max(sum(x^2, axis), 1e-12)), as keras.ops.normalize / l2_normalize. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return mul(x, rsqrt(maximum(sum(square(x), [axis], true), 1e-12)));
}
