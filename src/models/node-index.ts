import type { Node } from '../layers/graph/node.js';
import type { Layer } from '../layers/layer.js';
import type { LayerGraph } from './layer-graph.js';

/** Where a node index is written: Keras 2's summaries and configs, Keras 3's `inbound_nodes`, or Keras 3's `input_layers` / `output_layers`. */
export type NodeIndexUse = 'summary' | 'keras2' | 'keras3-node' | 'keras3-io';

function isGraphModel(layer: Layer): boolean {
  return (layer as { isGraphNetwork?: boolean }).isGraphNetwork === true;
}

/**
 * How many nodes Keras counts before a layer's first call. tf.keras gives every graph model (a
 * Functional, or a Sequential with an input) a node of its own at construction, so its calls in
 * an enclosing model are numbered from 1; Keras 3 does the same for Functional models in
 * `input_layers` / `output_layers` only.
 */
export function nodeIndexOffset(layer: Layer, use: NodeIndexUse): number {
  if (!isGraphModel(layer)) return 0;
  if (use === 'summary' || use === 'keras2') return 1;
  if (use === 'keras3-io') return layer.className === 'Functional' ? 1 : 0;
  return 0;
}

/** The index Keras writes for a node: its position among its layer's calls (those in `graph`, when given), plus the offset. */
export function kerasNodeIndex(node: Node, use: NodeIndexUse, graph?: LayerGraph): number {
  const nodes = graph ? graph.nodesOf(node.layer) : node.layer.inboundNodes;
  return nodes.indexOf(node) + nodeIndexOffset(node.layer, use);
}
