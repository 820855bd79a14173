import type { DType } from '../../core/dtype.js';
import type { Node } from './node.js';

/** A shape whose unknown dimensions (the batch, a free sequence length) are null: `(None, 512)`. */
export type SymbolicShape = readonly (number | null)[];

export function formatShape(shape: SymbolicShape): string {
  const items = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
}

/**
 * A placeholder for a tensor that a model will compute (Keras's KerasTensor): its shape, dtype
 * and the layer call that makes it (`node`, output number `outputIndex`). Calling a layer on
 * symbolic tensors records the call instead of computing; a Functional model is the graph of
 * those calls between its inputs and outputs.
 */
export class SymbolicTensor {
  readonly symbolic = true;
  readonly shape: SymbolicShape;
  readonly dtype: DType;
  readonly node: Node;
  readonly outputIndex: number;

  constructor(shape: SymbolicShape, dtype: DType, node: Node, outputIndex: number) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.node = node;
    this.outputIndex = outputIndex;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Name of the layer that makes it (and, for a layer called several times or with several outputs, which). */
  get name(): string {
    const layer = this.node.layer;
    const call = layer.inboundNodes.indexOf(this.node);
    return `${layer.name}${call > 0 ? `_call${call}` : ''}${this.outputIndex > 0 ? `:${this.outputIndex}` : ''}`;
  }

  toString(): string {
    return `<SymbolicTensor shape=${formatShape(this.shape)}, dtype=${this.dtype}, from '${this.name}'>`;
  }
}

export function isSymbolicTensor(v: unknown): v is SymbolicTensor {
  return v instanceof SymbolicTensor;
}
