import type { TopLevelSpec } from 'vega-lite';
import { toClassIndices, type ClassesLike } from './class-indices.js';
import { confusionCounts } from './confusion-counts.js';
import { saveFigure, type FigureFileOptions } from './output.js';
import { BASE_CONFIG, vegaLiteToSvg } from './render.js';

export interface ConfusionMatrixOptions extends FigureFileOptions {
  /** Class names, in class-id order. Default: the ids. */
  labels?: string[];
  /** Number of classes, when some never occur. Default: from the data (or `labels`). */
  numClasses?: number;
  /** Cell size in SVG pixels. Default 36. */
  cellSize?: number;
  title?: string;
}

/** A heatmap of true (rows) against predicted (columns) classes with the count in each cell. */
export async function confusionMatrix(
  yTrue: ClassesLike,
  yPred: ClassesLike,
  options: ConfusionMatrixOptions = {},
): Promise<string> {
  const t = toClassIndices(yTrue);
  const p = toClassIndices(yPred);
  const counts = confusionCounts(t, p, options.numClasses ?? options.labels?.length);
  const k = counts.length;
  const names = Array.from({ length: k }, (_, i) => options.labels?.[i] ?? String(i));
  const max = Math.max(1, ...counts.flat());
  const values = counts.flatMap((row, ti) =>
    row.map((count, pi) => ({ true: names[ti], predicted: names[pi], count, dark: count > max / 2 })),
  );
  const cell = options.cellSize ?? 36;
  const axisOf = (title: string) => ({
    field: title === 'True' ? 'true' : 'predicted',
    type: 'ordinal',
    sort: names,
    title,
  });
  const spec = {
    width: cell * k,
    height: cell * k,
    title: options.title ?? 'Confusion matrix',
    data: { values },
    encoding: {
      x: { ...axisOf('Predicted'), axis: { orient: 'bottom', labelAngle: 0 } },
      y: axisOf('True'),
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues', domain: [0, max] }, title: 'count' },
        },
      },
      {
        mark: { type: 'text', fontSize: Math.max(8, Math.min(13, cell / 3)) },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.dark', value: 'white' }, value: '#222' },
        },
      },
    ],
    config: { ...BASE_CONFIG, axis: { ...BASE_CONFIG.axis, grid: false, ticks: false, domain: false } },
  } as TopLevelSpec;
  const svg = await vegaLiteToSvg(spec);
  await saveFigure(svg, options);
  return svg;
}
