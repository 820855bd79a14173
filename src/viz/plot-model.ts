import { extname } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { HasGraphView } from './model-graph-view.js';
import { checkOptionNames } from '../utils/option-names.js';
import { KERAS_ONLY, MODEL_GRAPH_OPTION_NAMES, modelGraphSvg, type ModelGraphOptions } from './model-graph-svg.js';
import { svgToPng } from './render.js';

export interface PlotModelOptions extends ModelGraphOptions {
  /** Where to save: a .png (at `dpi`) or .svg file. Default 'model.png', as Keras's `to_file`. */
  file?: string;
  /** Extra .ttf/.otf files to draw PNG text with, for machines without system fonts. */
  fontFiles?: string[];
}

const PLOT_MODEL_OPTION_NAMES: readonly string[] = [...MODEL_GRAPH_OPTION_NAMES, 'file', 'fontFiles'];

/**
 * Keras's `plot_model`: draws the model's layer graph and writes it to `file` (.png or .svg by the
 * name), atomically (a reader never sees half a file). Returns the SVG.
 */
export async function plotModel(model: HasGraphView, options: PlotModelOptions = {}): Promise<string> {
  if (options === null || typeof options !== 'object') throw new Error('plotModel: options must be an object.');
  checkOptionNames('plotModel', options, PLOT_MODEL_OPTION_NAMES, KERAS_ONLY);
  if (!model || typeof (model as Partial<HasGraphView>).graphView !== 'function') {
    throw new Error('plotModel: expected a model with graphView() (a Sequential or Functional model).');
  }
  const { file = 'model.png', fontFiles, ...graphOptions } = options;
  if (typeof file !== 'string' || file === '') throw new Error('plotModel: `file` must be a file name.');
  const ext = extname(file).toLowerCase();
  if (ext !== '.png' && ext !== '.svg') {
    throw new Error(`plotModel: cannot tell the format of "${file}"; use a .png or .svg file name.`);
  }
  let svg: string;
  try {
    svg = modelGraphSvg(model.graphView(), graphOptions);
  } catch (e) {
    // The renderer names itself; from here the user called plotModel.
    if (e instanceof Error) e.message = e.message.replace(/^modelGraphSvg:/, 'plotModel:');
    throw e;
  }
  // The SVG's width and height are already its size at `dpi`, so the PNG is drawn at 1:1.
  const data = ext === '.svg' ? svg : await svgToPng(svg, { scale: 1, fontFiles });
  await writeFileAtomic(file, data);
  return svg;
}
