/**
 * The model of Keras's example "Text classification with Transformer" (keras.io, Apoorv Nandan),
 * used by examples/imdb-transformer.ts and the `transformer` bench workload:
 *
 *   Input(maxlen) -> TokenAndPositionEmbedding(maxlen, vocab, embed)
 *   -> TransformerBlock(embed, heads, ff)  (MultiHeadAttention self-attention, Dropout(0.1),
 *      residual + LayerNormalization(1e-6); Dense(ff, relu) -> Dense(embed), Dropout(0.1),
 *      residual + LayerNormalization(1e-6))
 *   -> GlobalAveragePooling1D -> Dropout(0.1) -> Dense(20, relu) -> Dropout(0.1) -> Dense(2, softmax)
 *
 * TokenAndPositionEmbedding and TransformerBlock are custom Layer subclasses, as in the Keras
 * example. bench/pytorch/transformer.py builds the same network with nn.MultiheadAttention.
 */
import { Input, Model, Sequential, Tensor, layers } from '../src/index.js';
type CallOptions = layers.CallOptions;

/** Token embedding plus a learned embedding of each position 0 .. maxlen-1. */
export class TokenAndPositionEmbedding extends layers.Layer {
  readonly tokenEmb: layers.Embedding;
  readonly posEmb: layers.Embedding;
  private positions: Tensor | null = null;

  constructor(maxlen: number, vocabSize: number, embedDim: number, args: layers.LayerArgs = {}) {
    super(args);
    this.acceptsIntegerInput = true;
    this.tokenEmb = new layers.Embedding(vocabSize, embedDim);
    this.posEmb = new layers.Embedding(maxlen, embedDim);
  }

  override call(x: Tensor): Tensor {
    const steps = x.shape[1]!;
    if (!this.positions || this.positions.shape[0] !== steps)
      this.positions = new Tensor(
        Int32Array.from({ length: steps }, (_, i) => i),
        [1, steps],
        'int32',
      );
    return this.tokenEmb.apply(x).add(this.posEmb.apply(this.positions));
  }
}

/** One post-norm Transformer encoder block: self-attention and a feed-forward net, each residual. */
export class TransformerBlock extends layers.Layer {
  readonly att: layers.MultiHeadAttention;
  readonly ffn: Sequential;
  readonly layernorm1 = new layers.LayerNormalization({ epsilon: 1e-6 });
  readonly layernorm2 = new layers.LayerNormalization({ epsilon: 1e-6 });
  readonly dropout1: layers.Dropout;
  readonly dropout2: layers.Dropout;

  constructor(embedDim: number, numHeads: number, ffDim: number, rate = 0.1, args: layers.LayerArgs = {}) {
    super(args);
    this.att = new layers.MultiHeadAttention({ numHeads, keyDim: embedDim });
    this.ffn = new Sequential([new layers.Dense(ffDim, { activation: 'relu' }), new layers.Dense(embedDim)]);
    this.dropout1 = new layers.Dropout(rate);
    this.dropout2 = new layers.Dropout(rate);
  }

  override call(inputs: Tensor, { training }: CallOptions): Tensor {
    let attn = this.att.apply(inputs, { value: inputs, training });
    attn = this.dropout1.apply(attn, { training });
    const out1 = this.layernorm1.apply(inputs.add(attn));
    let ffn = this.ffn.apply(out1, { training });
    ffn = this.dropout2.apply(ffn, { training });
    return this.layernorm2.apply(out1.add(ffn));
  }
}

export interface TransformerSizes {
  vocabSize: number;
  maxlen: number;
  embedDim: number;
  numHeads: number;
  ffDim: number;
}

/** The Keras example's sizes: 20,000 words, 200 steps, embedding 32, 2 heads, feed-forward 32. */
export const KERAS_EXAMPLE_SIZES: TransformerSizes = {
  vocabSize: 20000,
  maxlen: 200,
  embedDim: 32,
  numHeads: 2,
  ffDim: 32,
};

export function buildTransformerClassifier(s: TransformerSizes = KERAS_EXAMPLE_SIZES): Model {
  const inputs = Input({ shape: [s.maxlen] });
  let x = new TokenAndPositionEmbedding(s.maxlen, s.vocabSize, s.embedDim).apply(inputs);
  x = new TransformerBlock(s.embedDim, s.numHeads, s.ffDim).apply(x);
  x = new layers.GlobalAveragePooling1D().apply(x);
  x = new layers.Dropout(0.1).apply(x);
  x = new layers.Dense(20, { activation: 'relu' }).apply(x);
  x = new layers.Dropout(0.1).apply(x);
  const outputs = new layers.Dense(2, { activation: 'softmax' }).apply(x);
  return new Model({ inputs, outputs });
}
