import { Tensor } from '../../core/tensor.js';
import { add, maximum, mul, notEqual, sub } from '../../ops/binary.js';
import { broadcastTo } from '../../ops/broadcast-to.js';
import { astype } from '../../ops/cast.js';
import { expandDims } from '../../ops/reshape.js';
import type { CallOptions, LayerArgs, ShapeValue, SymbolicShape } from '../layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, isShape } from '../layer.js';
import { checkOptionNames } from '../../utils/option-names.js';

/**
 * Base of the element-wise merge layers (Keras's `Merge`): a list of inputs of the same batch
 * size whose other dimensions broadcast against each other, aligned from the right; an input of
 * lower rank gets new axes after its batch axis.
 *
 * Masks, as Keras 3: the output mask is the OR of the input masks, or none unless every input has
 * one. Add, Subtract and Average ignore the masks in their values; Maximum, Minimum and Multiply
 * leave masked entries out (see `mergeMasked`). As in Keras, inputs of different ranks are
 * reshaped first, which drops their masks from the values (not from the output mask).
 */
export abstract class Merge extends Layer {
  /** Fewest inputs the layer takes (Subtract takes exactly two). */
  protected minInputs = 1;
  protected maxInputs = Infinity;

  constructor(args: LayerArgs = {}) {
    checkOptionNames(new.target.name, args, LAYER_ARG_NAMES);
    super(args);
    this.supportsMasking = true;
  }

  /** Combines the inputs, already brought to one rank. */
  protected abstract merge(inputs: Tensor[]): Tensor;

  protected shapesOf(inputShape: ShapeValue): SymbolicShape[] {
    if (isShape(inputShape) || !Array.isArray(inputShape) || !inputShape.every(isShape))
      throw new Error(
        `Layer '${this.name}' (${this.className}) should be called on a list of inputs, got one input of shape ${
          isShape(inputShape) ? formatShape(inputShape) : JSON.stringify(inputShape)
        }.`,
      );
    const shapes = inputShape as SymbolicShape[];
    if (shapes.length < this.minInputs || shapes.length > this.maxInputs)
      throw new Error(
        `Layer '${this.name}' (${this.className}) should be called on ${
          this.minInputs === this.maxInputs ? `exactly ${this.minInputs}` : `at least ${this.minInputs}`
        } inputs, got ${shapes.length}.`,
      );
    return shapes;
  }

  override build(inputShape: ShapeValue): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    const shapes = this.shapesOf(inputShape);
    const batches = new Set(shapes.map((s) => s[0]).filter((d) => d !== null && d !== undefined));
    if (batches.size > 1)
      throw new Error(
        `Layer '${this.name}' (${this.className}) cannot merge tensors with different batch sizes: ${shapes.map(formatShape).join(', ')}.`,
      );
    let out: (number | null)[] = shapes[0]!.slice(1);
    for (const s of shapes.slice(1)) out = this.broadcast(out, s.slice(1), shapes);
    return [shapes[0]![0] ?? null, ...out];
  }

  /** Keras's `_compute_elemwise_op_output_shape`, without the batch axis. */
  private broadcast(a: (number | null)[], b: (number | null)[], all: SymbolicShape[]): (number | null)[] {
    const [long, short] = a.length >= b.length ? [a, b] : [b, a];
    const out = long.slice(0, long.length - short.length);
    long.slice(long.length - short.length).forEach((i, k) => {
      const j = short[k]!;
      if (i === null || j === null) out.push(null);
      else if (i === 1) out.push(j);
      else if (j === 1) out.push(i);
      else if (i !== j)
        throw new Error(
          `Layer '${this.name}' (${this.className}): inputs have incompatible shapes ${all.map(formatShape).join(' and ')}.`,
        );
      else out.push(i);
    });
    return out;
  }

  override call(inputs: Tensor[], options: CallOptions<unknown>): Tensor {
    const rank = Math.max(...inputs.map((t) => t.rank));
    if (inputs.every((t) => t.rank === rank)) {
      const given = Array.isArray(options.mask) ? (options.mask as unknown[]) : [];
      if (given.some((m) => m instanceof Tensor)) {
        const masks = inputs.map((x, i) => {
          const m = given[i];
          return m instanceof Tensor ? this.maskLike(m, x) : null;
        });
        return this.mergeMasked(inputs, masks);
      }
      return this.merge(inputs);
    }
    const aligned = inputs.map((t) => {
      let x = t;
      while (x.rank < rank) x = expandDims(x, 1);
      return x;
    });
    return this.merge(aligned);
  }

  /** A [batch, ...] mask as 0/1 values of x's dtype and shape (Keras: broadcast_to(expand_dims(mask, -1))). */
  private maskLike(mask: Tensor, x: Tensor): Tensor {
    const m = astype(mask.dtype === 'bool' ? mask : notEqual(mask, 0), x.dtype);
    const fits =
      m.rank === x.rank - 1 && m.shape.every((d, i) => d === x.shape[i] || d === 1)
        ? expandDims(m, -1)
        : m.rank === x.rank && m.shape.every((d, i) => d === x.shape[i] || d === 1)
          ? m
          : null;
    if (!fits)
      throw new Error(
        `Layer '${this.name}' (${this.className}): an input mask of shape ${formatShape(mask.shape)} does not fit its input ${formatShape(x.shape)}.`,
      );
    return broadcastTo(fits, x.shape);
  }

  /** The merge when some inputs carry masks (0/1, the inputs' shape); by default the masks change nothing. */
  protected mergeMasked(inputs: Tensor[], _masks: (Tensor | null)[]): Tensor {
    return this.merge(inputs);
  }

  override computeMask(_inputs: unknown, mask: unknown): unknown {
    if (mask === null || mask === undefined) return null;
    const masks = Array.isArray(mask) ? mask : [mask];
    if (masks.length === 0 || !masks.every((m) => m instanceof Tensor)) return null;
    // OR of the masks.
    const flags = (masks as Tensor[]).map((m) => astype(m.dtype === 'bool' ? m : notEqual(m, 0), 'float32'));
    return notEqual(
      flags.slice(1).reduce((acc, m) => maximum(acc, m), flags[0]!),
      0,
    );
  }
}

/** `m ? a : b` for a 0/1 mask m (Keras's ops.where on a mask). */
export function select(m: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return add(mul(a, m), mul(b, sub(1, m)));
}

/**
 * Keras 3's `_apply_merge_op_and_or_mask` (Maximum, Minimum): entries masked in one input take
 * the other's value before the op, so padding never wins; the running mask is the OR, and is
 * dropped once an input without a mask is met.
 */
export function mergeOrMasked(
  inputs: Tensor[],
  masks: (Tensor | null)[],
  op: (a: Tensor, b: Tensor) => Tensor,
): Tensor {
  let output = inputs[0]!;
  let outMask = masks[0] ?? null;
  for (let i = 1; i < inputs.length; i++) {
    let x = inputs[i]!;
    const m = masks[i] ?? null;
    if (m) x = select(m, x, output);
    if (outMask) output = select(outMask, output, x);
    outMask = m && outMask ? maximum(outMask, m) : null;
    output = op(output, x);
  }
  return output;
}
