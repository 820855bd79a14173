// The parts of viz that need no Node (the browser bundle's `viz`): model graphs as SVG text,
// confusion counts, class indices and terminal pictures. Figures rendered to PNG files are Node's.
export { confusionCounts } from './confusion-counts.js';
export { pixelDump, asciiDigit, type AsciiDigitOptions } from './terminal.js';
export { toClassIndices, type ClassesLike } from './class-indices.js';
export type { ImageLike, ImageBatch, IntensityRange } from './image-data.js';
export {
  modelGraphSvg,
  layoutModelGraph,
  type ModelGraphOptions,
  type ModelGraphLayout,
  type Rankdir,
  type Splines,
} from './model-graph-svg.js';
export type { ModelGraphView, GraphViewNode, GraphViewEdge, HasGraphView } from './model-graph-view.js';
