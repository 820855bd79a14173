import type { Layer } from '../layers/layer.js';
import { formatShape } from '../layers/layer.js';
import { InputLayer } from '../layers/input-layer.js';
import type { Model } from './model.js';
import type { LayerGraph } from './layer-graph.js';
import { kerasNodeIndex } from './node-index.js';

export interface SummaryOptions {
  /** Total width (Keras: 65 for sequential-like models, 98 with the "Connected to" column). */
  lineLength?: number;
  /** Column ends, as fractions of the width or as character positions (Keras's `positions`). */
  positions?: readonly number[];
  /** Adds a "Trainable" column (Y/N), as Keras's show_trainable. */
  showTrainable?: boolean;
}

const SUMMARY_KEYS = ['lineLength', 'positions', 'showTrainable'];

/**
 * One table row, laid out as Keras 2's print_row: each field is cut to its column (leaving two
 * spaces), preferring to break after "),", "]," and "'," so lists wrap one item a line, and what
 * does not fit continues on the next line.
 */
function rowLines(fields: readonly string[], positions: readonly number[]): string[] {
  const left = [...fields];
  const lines: string[] = [];
  while (left.some((f) => f.length > 0)) {
    let line = '';
    for (let col = 0; col < left.length; col++) {
      const start = col > 0 ? positions[col - 1]! : 0;
      const end = positions[col]!;
      const last = col === positions.length - 1;
      const space = last ? 0 : 2;
      let cutoff = end - start - space - (last ? 0 : 1);
      let text = left[col]!.slice(0, cutoff);
      const breaks = ['),', '},', '],', "',"]
        .map((b) => (text.indexOf(b) >= 0 ? text.indexOf(b) + b.length : -1))
        .filter((i) => i >= 0);
      if (breaks.length > 0) {
        cutoff = Math.min(...breaks);
        text = text.slice(0, cutoff);
      }
      if (col === 0) line += ' ';
      line += text + ' '.repeat(space);
      left[col] = left[col]!.slice(cutoff);
      line += ' '.repeat(Math.max(0, end - line.length));
    }
    lines.push(line);
  }
  return lines;
}

/**
 * Keras 2 prints a Functional model like a Sequential one when it is a chain: one node at each
 * depth, one input a node, no layer called twice.
 */
function isSequentialLike(model: Model, graph: LayerGraph | null): boolean {
  if (model.className === 'Sequential' || !graph) return true;
  const perDepth = new Map<number, number>();
  for (const node of graph.nodes) {
    if (node.inputs.length > 1) return false;
    const d = graph.depthOf(node);
    perDepth.set(d, (perDepth.get(d) ?? 0) + 1);
  }
  if ([...perDepth.values()].some((n) => n > 1)) return false;
  return graph.layers.every((l) => graph.nodesOf(l).length <= 1);
}

/** What Keras 2 prints as a layer's output shape in a graph. */
function outputShapeText(layer: Layer, graph: LayerGraph | null): string {
  if (!graph) return 'multiple';
  const nodes = graph.nodesOf(layer);
  if (nodes.length === 0) return 'multiple';
  const texts = nodes.map((n) => {
    const shapes = n.outputs.map((t) => formatShape(t.shape));
    // tf.keras reports an InputLayer's output shape as a one-element list.
    return shapes.length === 1 && !(layer instanceof InputLayer) ? shapes[0]! : `[${shapes.join(', ')}]`;
  });
  return texts.every((t) => t === texts[0]) ? texts[0]! : 'multiple';
}

function connections(layer: Layer, graph: LayerGraph): string {
  const items: string[] = [];
  for (const node of graph.nodesOf(layer))
    for (const t of node.inputs)
      items.push(`'${t.node.layer.name}[${kerasNodeIndex(t.node, 'summary')}][${t.outputIndex}]'`);
  return `[${items.join(', ')}]`;
}

/** The summary table of a model, line by line, in Keras 2's layout. */
export function modelSummaryLines(model: Model, options: SummaryOptions = {}): string[] {
  for (const key of Object.keys(options))
    if (!SUMMARY_KEYS.includes(key))
      throw new Error(`summary: unknown option '${key}'; expected one of ${SUMMARY_KEYS.join(', ')}.`);
  const graph = model.isGraphNetwork ? model.requireGraph() : null;
  const sequential = isSequentialLike(model, graph);
  let lineLength = options.lineLength ?? (sequential ? 65 : 98);
  let positions = [...(options.positions ?? (sequential ? [0.45, 0.85, 1.0] : [0.33, 0.55, 0.67, 1.0]))];
  if (positions[positions.length - 1]! <= 1) positions = positions.map((p) => Math.floor(lineLength * p));
  const headers = ['Layer (type)', 'Output Shape', 'Param #'];
  if (!sequential) headers.push('Connected to');
  if (options.showTrainable) {
    lineLength += 11;
    positions.push(lineLength);
    headers.push('Trainable');
  }
  const out: string[] = [`Model: "${model.name}"`, '_'.repeat(lineLength)];
  out.push(...rowLines(headers, positions));
  out.push('='.repeat(lineLength));
  for (const layer of model.layers) {
    const fields = [`${layer.name} (${layer.className})`, outputShapeText(layer, graph), String(layer.countParams())];
    if (!sequential) fields.push(connections(layer, graph!));
    if (options.showTrainable) fields.push(layer.trainable ? 'Y' : 'N');
    out.push(...rowLines(fields, positions));
    out.push(' '.repeat(lineLength));
  }
  out.push('='.repeat(lineLength));
  const count = (ws: readonly { size: number }[]): number => ws.reduce((n, w) => n + w.size, 0);
  const trainable = count(model.trainableWeights);
  const nonTrainable = count(model.nonTrainableWeights);
  const fmt = (n: number): string => n.toLocaleString('en-US');
  out.push(`Total params: ${fmt(trainable + nonTrainable)}`);
  out.push(`Trainable params: ${fmt(trainable)}`);
  out.push(`Non-trainable params: ${fmt(nonTrainable)}`);
  out.push('_'.repeat(lineLength));
  return out;
}
