import type { Tensor } from '../core/tensor.js';
import { add, mul } from '../ops/binary.js';
import { concat } from '../ops/concat.js';
import { gather } from '../ops/slice.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer } from './layer.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { RNN } from './rnn-base.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export interface BidirectionalArgs extends LayerArgs {
  /** How the two directions combine; Keras's `None` (a list of both) is not supported. */
  mergeMode?: MergeMode;
}

const BIDIRECTIONAL_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<BidirectionalArgs, keyof LayerArgs>>()(['mergeMode']),
];

/**
 * Runs a recurrent layer forwards and a mirrored copy (goBackwards flipped) over the same input,
 * as Keras: the copies are named forward_<name> / backward_<name>, weights forward first, and
 * with returnSequences the backward output is flipped back into input order before merging.
 */
export class Bidirectional extends Layer {
  readonly forwardLayer: RNN;
  readonly backwardLayer: RNN;
  readonly mergeMode: MergeMode;
  /** The wrapped layer's own name, for the config. */
  private readonly layerName: string;

  constructor(layer: RNN, args: BidirectionalArgs = {}) {
    checkOptionNames('Bidirectional', args, BIDIRECTIONAL_ARG_NAMES);
    super({ ...args, batchInputShape: args.batchInputShape ?? layer.batchInputShape ?? undefined });
    if (layer.returnState) throw new Error(`Bidirectional: returnState is not supported yet.`);
    const mode = args.mergeMode ?? 'concat';
    if (!['concat', 'sum', 'mul', 'ave'].includes(mode)) {
      throw new Error(`Bidirectional: mergeMode must be 'concat', 'sum', 'mul' or 'ave', got ${String(mode)}.`);
    }
    this.mergeMode = mode;
    this.layerName = layer.name;
    this.forwardLayer = layer.renamed(`forward_${layer.name}`);
    this.backwardLayer = layer.mirrored(`backward_${layer.name}`);
    this.supportsMasking = true;
  }

  /** Each direction consumes the mask; it stays on the output only with returnSequences. */
  override computeMask(x: Tensor, mask: Tensor | null): Tensor | null {
    return this.forwardLayer.computeMask(x, mask) as Tensor | null;
  }

  override build(inputShape: SymbolicShape): void {
    this.forwardLayer.build(inputShape);
    this.backwardLayer.build(inputShape);
    super.build(inputShape);
  }

  override call(x: Tensor, options: CallOptions): Tensor {
    return this.merge(this.forwardLayer.apply(x, options), this.backwardLayer.apply(x, options));
  }

  /** The computation with explicit weights (forward layer's, then backward layer's). */
  forwardWith(x: Tensor, weights: readonly Tensor[], training = false, mask: Tensor | null = null): Tensor {
    const n = this.forwardLayer.useBias ? 3 : 2;
    const yf = this.forwardLayer.forwardWith(x, weights.slice(0, n), training, 'fused', mask).output;
    const yb = this.backwardLayer.forwardWith(x, weights.slice(n), training, 'fused', mask).output;
    return this.merge(yf, yb);
  }

  private merge(yf: Tensor, yb: Tensor): Tensor {
    let back = yb;
    if (this.forwardLayer.returnSequences) {
      const time = back.shape[1]!;
      back = gather(
        back,
        Int32Array.from({ length: time }, (_, t) => time - 1 - t),
        1,
      );
    }
    switch (this.mergeMode) {
      case 'concat':
        return concat([yf, back], -1);
      case 'sum':
        return add(yf, back);
      case 'mul':
        return mul(yf, back);
      case 'ave':
        return mul(add(yf, back), 0.5);
    }
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const out = this.forwardLayer.computeOutputShape(inputShape) as SymbolicShape;
    if (this.mergeMode !== 'concat') return out;
    const last = out[out.length - 1];
    return [...out.slice(0, -1), last === null || last === undefined ? null : 2 * last];
  }

  override getConfig(): Record<string, unknown> {
    const inner = { ...this.forwardLayer.getConfig() };
    delete inner['batch_input_shape'];
    inner['name'] = this.layerName;
    return {
      ...super.getConfig(),
      layer: { class_name: this.forwardLayer.className, config: inner },
      merge_mode: this.mergeMode,
    };
  }
}
