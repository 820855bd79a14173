import type { TopLevelSpec } from 'vega-lite';
import { toClassIndices, type ClassesLike } from './class-indices.js';
import { saveFigure, type FigureFileOptions } from './output.js';
import { BASE_CONFIG, vegaLiteToSvg } from './render.js';

/** counts[t][p]: how many samples of true class t were predicted as p. */
export function confusionCounts(yTrue: readonly number[], yPred: readonly number[], numClasses?: number): number[][] {
  if (yTrue.length !== yPred.length) {
    throw new Error(`confusionMatrix: ${yTrue.length} labels but ${yPred.length} predictions.`);
  }
  // A loop, not Math.max(...ids): spreading tens of thousands of arguments overflows the stack.
  let k = numClasses ?? 0;
  if (numClasses === undefined) for (const c of [...yTrue, ...yPred]) k = Math.max(k, c + 1);
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (t < 0 || t >= k || p < 0 || p >= k) throw new Error(`confusionMatrix: class ${t < 0 || t >= k ? t : p} out of range 0..${k - 1}.`);
    counts[t]![p]!++;
  }
  return counts;
}

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
  const axisOf = (title: string) => ({ field: title === 'True' ? 'true' : 'predicted', type: 'ordinal', sort: names, title });
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
