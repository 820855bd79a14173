import type { Tensor } from '../../core/tensor.js';
import { astype } from '../../ops/cast.js';
import { concat } from '../../ops/concat.js';
import { min } from '../../ops/reduce.js';
import { expandDims } from '../../ops/reshape.js';
import { greater } from '../../ops/binary.js';
import type { CallOptions, LayerArgs, ShapeValue, SymbolicShape } from '../layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, isShape } from '../layer.js';
import { checkOptionNames } from '../../utils/option-names.js';

/**
 * Base of the element-wise merge layers (Keras's `Merge`): a list of inputs of the same batch
 * size whose other dimensions broadcast against each other, aligned from the right; an input of
 * lower rank gets new axes after its batch axis. The output mask is the AND of the input masks.
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

  override call(inputs: Tensor[], _options: CallOptions<unknown>): Tensor {
    const rank = Math.max(...inputs.map((t) => t.rank));
    const aligned = inputs.map((t) => {
      let x = t;
      while (x.rank < rank) x = expandDims(x, 1);
      return x;
    });
    return this.merge(aligned);
  }

  override computeMask(_inputs: unknown, mask: unknown): unknown {
    const masks = (Array.isArray(mask) ? mask : [mask]).filter((m): m is Tensor => !!m && typeof m === 'object');
    if (masks.length === 0) return null;
    // AND of the masks: the minimum of 0/1 values.
    const stacked = concat(
      masks.map((m) => expandDims(astype(m, 'float32'), 0)),
      0,
    );
    return greater(min(stacked, 0), 0);
  }
}
