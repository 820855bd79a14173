import type { Layer } from '../layers/layer.js';
import type { GraphViewEdge, GraphViewNode, ModelGraphView } from '../viz/model-graph-view.js';
import type { Model } from './model.js';

export type { ModelGraphView };

function activationOf(layer: Layer): string | undefined {
  const a = (layer as { activation?: { name?: unknown } }).activation;
  return a && typeof a.name === 'string' ? a.name : undefined;
}

/**
 * A model's layer graph as plain data for drawing (`viz.plotModel`): one node per layer, with the
 * shapes of its calls, and an edge for each tensor a layer passes to another. A subclassed model,
 * which has no graph, shows its sublayers unconnected.
 */
export function modelGraphView(model: Model): ModelGraphView {
  const graph = model.isGraphNetwork ? model.requireGraph() : null;
  const layers = model.layers;
  const id = (l: Layer): string => `${model.name}/${l.name}`;
  const nodes: GraphViewNode[] = layers.map((layer) => {
    const calls = graph ? graph.nodesOf(layer) : [];
    const nested =
      (layer as Partial<Model>).graphView && (layer as Model).isGraphNetwork ? (layer as Model).graphView() : undefined;
    const activation = activationOf(layer);
    return {
      id: id(layer),
      name: layer.name,
      className: layer.className,
      inputShapes: calls.flatMap((n) => n.inputs.map((t) => t.shape)),
      outputShapes: calls.flatMap((n) => n.outputs.map((t) => t.shape)),
      dtype: layer.dtype,
      ...(activation ? { activation } : {}),
      trainable: layer.trainable,
      hasWeights: layer.weights.length > 0,
      ...(nested ? { nested } : {}),
    };
  });
  const edges: GraphViewEdge[] = [];
  const seen = new Set<string>();
  const shown = new Set(layers);
  if (graph) {
    for (const node of graph.nodes) {
      // A Sequential's implicit input layer is not drawn (nor listed in model.layers), as in Keras.
      if (!shown.has(node.layer)) continue;
      for (const t of node.inputs) {
        if (!shown.has(t.node.layer)) continue;
        const key = `${id(t.node.layer)}->${id(node.layer)}`;
        if (!seen.has(key)) {
          seen.add(key);
          edges.push({ from: id(t.node.layer), to: id(node.layer) });
        }
      }
    }
  }
  return { name: model.name, nodes, edges };
}
