// Figures and terminal pictures of training (issue #7). Node-only: uses node:fs and node:zlib.
export { plotHistory, type PlotHistoryOptions, type HistoryLike } from './plot-history.js';
export { imshow, type ImshowOptions } from './imshow.js';
export { imageGrid, type ImageGridOptions } from './image-grid.js';
export { confusionMatrix, type ConfusionMatrixOptions } from './confusion-matrix.js';
export { confusionCounts } from './confusion-counts.js';
export { pixelDump, asciiDigit, type AsciiDigitOptions } from './terminal.js';
export { toClassIndices, type ClassesLike } from './class-indices.js';
export { svgToPng, vegaLiteToSvg, type PngOptions } from './render.js';
export type { FigureFileOptions, FigureFormat } from './output.js';
export type { ImageLike, ImageBatch, IntensityRange } from './image-data.js';
export type { Colormap } from './colormap.js';
export { plotModel, type PlotModelOptions } from './plot-model.js';
export {
  modelGraphSvg,
  layoutModelGraph,
  type ModelGraphOptions,
  type ModelGraphLayout,
  type Rankdir,
  type Splines,
} from './model-graph-svg.js';
export type { ModelGraphView, GraphViewNode, GraphViewEdge, HasGraphView } from './model-graph-view.js';
