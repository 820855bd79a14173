export interface GraphViewNode {
  id: string;
  name: string;
  className: string;
  inputShapes: (readonly (number | null)[])[];
  outputShapes: (readonly (number | null)[])[];
  dtype: string;
  activation?: string;
  trainable: boolean;
  nested?: ModelGraphView;
}
export interface GraphViewEdge {
  from: string;
  to: string;
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
