import type { Layer } from '../layer.js';
import type { Nested } from './nest.js';
import { flattenNested } from './nest.js';
import type { SymbolicTensor } from './symbolic-tensor.js';
import { isSymbolicTensor } from './symbolic-tensor.js';

/**
 * One call of a layer on symbolic tensors (Keras's Node): the arguments it was called with, as
 * given (structures holding symbolic tensors), and the symbolic tensors it returned. A layer
 * called at several places (a shared layer) has several nodes and one set of weights.
 */
export class Node {
  readonly layer: Layer;
  /** Positional arguments; the first is the layer's input (a tensor, an array or a record). */
  readonly args: readonly unknown[];
  /** Keyword arguments (`training`, `mask`, `initialState`, ...); may hold symbolic tensors too. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** Every symbolic tensor in args, then in kwargs. */
  readonly inputs: readonly SymbolicTensor[];
  private outputList: readonly SymbolicTensor[] = [];
  private outputNest: Nested<SymbolicTensor> = [];

  constructor(layer: Layer, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>> = {}) {
    this.layer = layer;
    this.args = args;
    this.kwargs = kwargs;
    this.inputs = [
      ...flattenNested(args as Nested<SymbolicTensor>, isSymbolicTensor),
      ...flattenNested(kwargs as Nested<SymbolicTensor>, isSymbolicTensor),
    ];
  }

  setOutputs(outputs: Nested<SymbolicTensor>): void {
    this.outputNest = outputs;
    this.outputList = flattenNested(outputs, isSymbolicTensor);
  }

  get outputs(): readonly SymbolicTensor[] {
    return this.outputList;
  }

  /** The outputs as the layer returned them (one tensor, an array or a record). */
  get outputStructure(): Nested<SymbolicTensor> {
    return this.outputNest;
  }

  /** An Input's node: it makes a tensor from nothing. */
  get isInput(): boolean {
    return this.inputs.length === 0;
  }

  /** The nodes that made this node's inputs. */
  get parents(): Node[] {
    return [...new Set(this.inputs.map((t) => t.node))];
  }
}
