import { Tensor } from '../../core/tensor.js';
import { checkOptionNames, optionNames, resolveName } from '../../utils/option-names.js';
import type { CallOptions, LayerArgs, SymbolicShape } from '../layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape } from '../layer.js';

export type CategoryOutputMode = 'one_hot' | 'multi_hot' | 'count';
const OUTPUT_MODES: readonly CategoryOutputMode[] = ['one_hot', 'multi_hot', 'count'];

export interface CategoryEncodingArgs extends LayerArgs {
  numTokens?: number;
  /** 'multi_hot' (the default; Keras's 'binary' is the same), 'one_hot' or 'count'. */
  outputMode?: CategoryOutputMode | 'binary';
  /** Only false: there are no sparse tensors. */
  sparse?: boolean;
}

const CATEGORY_ENCODING_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<CategoryEncodingArgs, keyof LayerArgs>>()(['numTokens', 'outputMode', 'sparse']),
];

/**
 * Keras's CategoryEncoding: integer ids in [0, numTokens) to dense vectors. 'one_hot' encodes
 * each id (a trailing axis of size 1 is dropped first); 'multi_hot' and 'count' encode each
 * sample (the last axis) as which ids occur / how often (weighted by `countWeights` in 'count').
 * An id outside [0, numTokens) is an error naming it (Keras's TensorFlow path drops it silently).
 */
export class CategoryEncoding extends Layer {
  readonly numTokens: number;
  readonly outputMode: CategoryOutputMode;

  constructor(args: CategoryEncodingArgs = {}) {
    checkOptionNames('CategoryEncoding', args, CATEGORY_ENCODING_ARG_NAMES);
    const { numTokens, outputMode = 'multi_hot', sparse = false, ...rest } = args;
    super(rest);
    if (numTokens === undefined || numTokens === null)
      throw new Error(
        `CategoryEncoding: numTokens must be set (use an integer lookup first if the ids are not 0..n-1).`,
      );
    if (!Number.isInteger(numTokens) || numTokens < 1)
      throw new Error(`CategoryEncoding: numTokens must be an integer >= 1, got ${JSON.stringify(numTokens)}.`);
    this.numTokens = numTokens;
    if (typeof outputMode !== 'string')
      throw new Error(
        `CategoryEncoding: outputMode must be one of ${OUTPUT_MODES.join(', ')}, got ${JSON.stringify(outputMode)}.`,
      );
    this.outputMode = (
      outputMode === 'binary' ? 'multi_hot' : resolveName('CategoryEncoding outputMode', outputMode, OUTPUT_MODES)
    ) as CategoryOutputMode;
    if (sparse !== false) throw new Error(`CategoryEncoding: sparse=true is not supported (outputs are dense).`);
    this.acceptsIntegerInput = true;
    this.callArguments = ['countWeights'];
  }

  override call(x: Tensor, options: CallOptions & { countWeights?: Tensor }): Tensor {
    const weights = options.countWeights;
    if (weights !== undefined && weights !== null) {
      if (this.outputMode !== 'count')
        throw new Error(`Layer '${this.name}' (CategoryEncoding): countWeights is only used with outputMode 'count'.`);
      if (!(weights instanceof Tensor) || weights.shape.join() !== x.shape.join())
        throw new Error(
          `Layer '${this.name}' (CategoryEncoding): countWeights must be a tensor of the inputs' shape ${formatShape(x.shape)}.`,
        );
    }
    const ids = x.rank === 0 ? [Number(x.data[0])] : Array.from(x.data, Number);
    for (const id of ids)
      if (!Number.isInteger(id) || id < 0 || id >= this.numTokens)
        throw new Error(
          `Layer '${this.name}' (CategoryEncoding): every input must be an integer id in [0, ${this.numTokens}), got ${id}.`,
        );
    const outShape = this.outShape(x.rank === 0 ? [1] : x.shape);
    const n = this.numTokens;
    const out =
      this.dtype === 'float64'
        ? new Float64Array(outShape.reduce((a, b) => a * b, 1))
        : new Float32Array(outShape.reduce((a, b) => a * b, 1));
    if (this.outputMode === 'one_hot') ids.forEach((id, i) => (out[i * n + id] = 1));
    else {
      // One row per sample: ids of the last axis (a rank-1 input is one sample).
      const perRow = x.rank <= 1 ? ids.length : x.shape[x.rank - 1]!;
      const w = weights ? Array.from(weights.data, Number) : null;
      ids.forEach((id, i) => {
        const at = Math.floor(i / perRow) * n + id;
        out[at] = this.outputMode === 'multi_hot' ? 1 : out[at]! + (w ? w[i]! : 1);
      });
    }
    return new Tensor(out, outShape, this.dtype === 'float64' ? 'float64' : 'float32');
  }

  /** Keras's compute_output_shape. */
  private outShape<D extends number | null>(s: readonly D[]): (D | number)[] {
    if (s.length === 0) return [this.numTokens];
    if (this.outputMode === 'one_hot')
      return s[s.length - 1] !== 1 || s.length === 1 ? [...s, this.numTokens] : [...s.slice(0, -1), this.numTokens];
    // A rank-1 input is one sample (Keras upranks nothing here: the last axis is the sample's ids).
    return [...s.slice(0, -1), this.numTokens];
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return this.outShape(inputShape);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), num_tokens: this.numTokens, output_mode: this.outputMode, sparse: false };
  }
}
