import type { Layer, SymbolicShape } from '../layers/layer.js';
import { formatShape } from '../layers/layer.js';

export interface SummaryRow {
  layer: Layer;
  outputShape: SymbolicShape;
}

const LINE_LENGTH = 65;
/** Column ends for sequential models, as Keras's print_summary computes them from [.45, .85, 1]. */
const POSITIONS = [29, 55, 65];

/**
 * One table row, laid out as Keras 2 does: each field is cut to its column (leaving two spaces),
 * and what does not fit continues on the next line.
 */
function rowLines(fields: string[]): string[] {
  const left = [...fields];
  const lines: string[] = [];
  while (left.some((f) => f.length > 0)) {
    let line = '';
    for (let col = 0; col < left.length; col++) {
      const start = col > 0 ? POSITIONS[col - 1]! : 0;
      const end = POSITIONS[col]!;
      const last = col === POSITIONS.length - 1;
      const space = last ? 0 : 2;
      const cutoff = end - start - space - (last ? 0 : 1);
      const text = left[col]!.slice(0, cutoff);
      if (col === 0) line += ' ';
      line += text + ' '.repeat(space);
      left[col] = left[col]!.slice(cutoff);
      line += ' '.repeat(Math.max(0, POSITIONS[col]! - line.length));
    }
    lines.push(line);
  }
  return lines;
}

/** The summary table of a sequential model, line by line, in Keras 2's layout. */
export function summaryLines(modelName: string, rows: SummaryRow[], trainable: number, nonTrainable: number): string[] {
  const out: string[] = [`Model: "${modelName}"`, '_'.repeat(LINE_LENGTH)];
  out.push(...rowLines(['Layer (type)', 'Output Shape', 'Param #']));
  out.push('='.repeat(LINE_LENGTH));
  for (const { layer, outputShape } of rows) {
    out.push(
      ...rowLines([`${layer.name} (${layer.className})`, formatShape(outputShape), String(layer.countParams())]),
    );
    out.push(' '.repeat(LINE_LENGTH));
  }
  out.push('='.repeat(LINE_LENGTH));
  const fmt = (n: number): string => n.toLocaleString('en-US');
  out.push(`Total params: ${fmt(trainable + nonTrainable)}`);
  out.push(`Trainable params: ${fmt(trainable)}`);
  out.push(`Non-trainable params: ${fmt(nonTrainable)}`);
  out.push('_'.repeat(LINE_LENGTH));
  return out;
}
