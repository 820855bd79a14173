import type { TopLevelSpec } from 'vega-lite';
import { saveFigure, type FigureFileOptions } from './output.js';
import { BASE_CONFIG, vegaLiteToSvg } from './render.js';

/** A History callback, `{ history: {...} }`, or the per-epoch record itself. */
export type HistoryLike = { history: Record<string, number[]> } | Record<string, number[]>;

export interface PlotHistoryOptions extends FigureFileOptions {
  /** Metrics to plot, one panel each. Default ['loss']. */
  metrics?: string[];
  /** Size of each panel in SVG pixels. */
  width?: number;
  height?: number;
}

function records(history: HistoryLike): Record<string, number[]> {
  const h = (history as { history?: unknown }).history;
  if (h !== null && typeof h === 'object' && !Array.isArray(h)) return h as Record<string, number[]>;
  return history as Record<string, number[]>;
}

/** Older Keras logs say `acc`; accept either spelling. */
function series(rec: Record<string, number[]>, key: string): number[] | undefined {
  const alias: Record<string, string> = {
    accuracy: 'acc',
    acc: 'accuracy',
    val_accuracy: 'val_acc',
    val_acc: 'val_accuracy',
  };
  return rec[key] ?? (alias[key] !== undefined ? rec[alias[key]] : undefined);
}

// The lecture's names: validation data there is the test set.
const valName = (metric: string): string => `Testset_${metric}`;
const trainName = (metric: string): string => `Trainset_${metric}`;

function panel(rec: Record<string, number[]>, metric: string, width: number, height: number): object {
  const train = series(rec, metric);
  const val = series(rec, `val_${metric}`);
  if (!train && !val) {
    throw new Error(`plotHistory: no "${metric}" in history (has: ${Object.keys(rec).join(', ') || 'nothing'}).`);
  }
  const values: { epoch: number; value: number; series: string }[] = [];
  // Drawn in the lecture's order: test/val (red) first, then train (blue).
  val?.forEach((v, epoch) => values.push({ epoch, value: v, series: valName(metric) }));
  train?.forEach((v, epoch) => values.push({ epoch, value: v, series: trainName(metric) }));
  const domain = [valName(metric), trainName(metric)];
  return {
    width,
    height,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5, point: { filled: true, size: 22 } },
    encoding: {
      // Padded, un-niced scales as matplotlib's margins: no point or grid line sits on the frame.
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: 'epoch',
        scale: { nice: false, padding: 12 },
        axis: { tickMinStep: 1, format: 'd' },
      },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false, nice: false, padding: 12 } },
      color: {
        field: 'series',
        type: 'nominal',
        scale: { domain, range: ['red', 'blue'] },
        legend: {
          title: null,
          orient: 'top-right',
          fillColor: 'rgba(255,255,255,0.85)',
          labelLimit: 400,
          strokeColor: '#bbb',
          padding: 6,
          cornerRadius: 3,
          symbolType: 'stroke',
          symbolStrokeWidth: 2,
        },
      },
      order: { field: 'epoch', type: 'quantitative' },
    },
  };
}

/**
 * The lecture's training figure: Testset (validation) curve red, Trainset curve blue, point markers,
 * grid, legend upper right, x label `epoch`, y label the metric. Returns the SVG; saves it if `file`.
 */
export async function plotHistory(history: HistoryLike, options: PlotHistoryOptions = {}): Promise<string> {
  const rec = records(history);
  const metrics = options.metrics?.length ? options.metrics : ['loss'];
  const width = options.width ?? 480;
  const height = options.height ?? 320;
  const panels = metrics.map((m) => panel(rec, m, width, height));
  const spec = (
    panels.length === 1
      ? { ...panels[0], config: BASE_CONFIG }
      : { hconcat: panels, resolve: { scale: { color: 'independent' } }, config: BASE_CONFIG }
  ) as TopLevelSpec;
  const svg = await vegaLiteToSvg(spec);
  await saveFigure(svg, options);
  return svg;
}
