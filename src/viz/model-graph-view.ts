// What a picture of a model needs to know about it (issue #12). Browser-safe: plain data only.

/** One box of the picture: a layer, or a nested model drawn as one box or (expandNested) a cluster. */
export interface GraphViewNode {
  /** Unique within its view; edges refer to it. */
  id: string;
  name: string;
  className: string;
  /** Input shapes with null for unknown (batch) sizes; one per input tensor, empty for an InputLayer. */
  inputShapes: (readonly (number | null)[])[];
  /** Output shapes, one per output tensor. */
  outputShapes: (readonly (number | null)[])[];
  dtype: string;
  /**
   * Name of the layer's activation as Keras names it, for layers that have one (`layer.activation`;
   * 'linear' for a Dense without one).
   */
  activation?: string;
  trainable: boolean;
  /**
   * Whether the layer has weights. Keras shows "Trainable" / "Non-trainable" only for layers with
   * weights; when this is left out the trainable cell is drawn.
   */
  hasWeights?: boolean;
  /**
   * Set when this node is itself a model. With expandNested, an edge into it goes to one of the nested
   * model's inputs (its nodes without incoming edges, in view order): the edge's `toInput`, else the
   * only one, else the edge's place among the node's incoming edges. Edges out of it likewise come
   * from its outputs (nodes without outgoing edges) by `fromOutput`.
   */
  nested?: ModelGraphView;
}

/** Data flows from the layer `from` to the layer `to` (ids of the same view). */
export interface GraphViewEdge {
  from: string;
  to: string;
  /** Which output of `from` the edge carries; only read when `from` is a nested model. */
  fromOutput?: number;
  /** Which input of `to` the edge feeds; only read when `to` is a nested model. */
  toInput?: number;
}

export interface ModelGraphView {
  name: string;
  nodes: GraphViewNode[];
  edges: GraphViewEdge[];
}

/** What plotModel needs from a model: the lead's Model will implement it. */
export interface HasGraphView {
  graphView(): ModelGraphView;
}
