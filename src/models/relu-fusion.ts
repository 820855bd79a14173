import { Activation } from '../layers/activation.js';
import type { Node } from '../layers/graph/node.js';
import type { SymbolicTensor } from '../layers/graph/symbolic-tensor.js';
import { ReLU } from '../layers/relu.js';
import type { Layer } from '../layers/layer.js';

/**
 * Which relu calls a graph can fold into the call before them: a node whose layer `fusesRelu`
 * (BatchNormalization) and whose one output is read only by a plain relu (Activation('relu'), or
 * ReLU with its defaults) gets the relu applied in its own kernel pass, and the relu node is not
 * run. The values are the same bits either way; what is saved is a pass over the activation each
 * way (and, for BatchNormalization, keeping the relu's output for its backward pass).
 *
 * Not fused, so each layer's own effects stay as they are: a producer or relu with an activity
 * regularizer, a producer output the model returns, a relu under another dtype policy than
 * its producer, a relu call given a mask or training flag of its own.
 *
 * Returns relu node by producer node.
 */
export function findReluFusions(
  nodes: readonly Node[],
  readers: ReadonlyMap<SymbolicTensor, number>,
  outputs: ReadonlySet<SymbolicTensor>,
): Map<Node, Node> {
  const readerOf = new Map<SymbolicTensor, Node>();
  for (const node of nodes) for (const t of node.inputs) readerOf.set(t, node);
  const fusions = new Map<Node, Node>();
  for (const node of nodes) {
    if (node.isInput || !node.layer.fusesRelu || node.layer.activityRegularizer || node.outputs.length !== 1) continue;
    const out = node.outputs[0]!;
    if (readers.get(out) !== 1 || outputs.has(out)) continue;
    const reader = readerOf.get(out)!;
    if (
      reader.inputs.length === 1 &&
      reader.args.length === 1 &&
      reader.args[0] === out &&
      Object.keys(reader.kwargs).length === 0 &&
      reader.outputs.length === 1 &&
      isPlainRelu(reader.layer) &&
      reader.layer.dtypePolicy.name === node.layer.dtypePolicy.name
    )
      fusions.set(node, reader);
  }
  return fusions;
}

function isPlainRelu(layer: Layer): boolean {
  if (layer.activityRegularizer) return false;
  if (layer instanceof Activation) return layer.activation.name === 'relu';
  if (layer instanceof ReLU) return layer.maxValue === null && layer.negativeSlope === 0 && layer.threshold === 0;
  return false;
}
