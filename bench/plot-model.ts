/**
 * plotModel's layout time on synthetic residual networks: an input, then N blocks of four
 * Conv2D layers and an Add with a shortcut around them (5N + 1 layers; N = 35 is about the size of
 * ResNet-50's graph). For each size: one warm-up, then `--runs` timed layoutModelGraph calls with
 * showShapes and showLayerNames, and the median; and how much of it dagre.layout took. One JSON
 * line per size, with the machine's load average.
 *
 *   npm run bench:plot-model -- [--blocks 4,16,35] [--runs 5]
 */
import dagre from '@dagrejs/dagre';
import { cpus, loadavg } from 'node:os';
import { intArg, parseArgs } from '../examples/args.js';
import { layoutModelGraph } from '../src/viz/model-graph-svg.js';
import type { GraphViewNode, ModelGraphView } from '../src/viz/model-graph-view.js';

function residualNet(blocks: number): ModelGraphView {
  const s = [null, 28, 28, 16];
  const node = (id: string, className: string, inputs: number): GraphViewNode => ({
    id,
    name: id,
    className,
    inputShapes: Array.from({ length: inputs }, () => s),
    outputShapes: [s],
    dtype: 'float32',
    trainable: true,
  });
  const nodes = [node('input_layer', 'InputLayer', 0)];
  const edges: { from: string; to: string }[] = [];
  let prev = 'input_layer';
  for (let b = 0; b < blocks; b++) {
    const ids = [0, 1, 2, 3].map((i) => `conv2d_${4 * b + i}`);
    ids.forEach((id) => nodes.push(node(id, 'Conv2D', 1)));
    const add = `add_${b}`;
    nodes.push(node(add, 'Add', 2));
    edges.push({ from: prev, to: ids[0]! });
    for (let i = 0; i < 3; i++) edges.push({ from: ids[i]!, to: ids[i + 1]! });
    edges.push({ from: ids[3]!, to: add }, { from: prev, to: add });
    prev = add;
  }
  return { name: 'resnet', nodes, edges };
}

const args = parseArgs(process.argv.slice(2));
for (const k of args.keys()) {
  if (k !== 'blocks' && k !== 'runs')
    throw new Error(`bench:plot-model: unknown option --${k} (valid: --blocks, --runs).`);
}
const sizes = (args.get('blocks') ?? '4,16,35').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 0)) throw new Error('--blocks must be integers, e.g. 4,16,35.');
const runs = Math.max(1, intArg(args, 'runs', 5));

// Time spent inside dagre, measured by wrapping its layout function.
const dagreLayout = dagre.layout;
let inDagre = 0;
dagre.layout = ((...a: Parameters<typeof dagreLayout>) => {
  const t = performance.now();
  try {
    return dagreLayout(...a);
  } finally {
    inDagre += performance.now() - t;
  }
}) as typeof dagreLayout;

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
for (const blocks of sizes) {
  const view = residualNet(blocks);
  const options = { showShapes: true, showLayerNames: true };
  layoutModelGraph(view, options);
  const total: number[] = [];
  const dagreShare: number[] = [];
  for (let r = 0; r < runs; r++) {
    inDagre = 0;
    const t = performance.now();
    layoutModelGraph(view, options);
    total.push(performance.now() - t);
    dagreShare.push(inDagre);
  }
  console.log(
    JSON.stringify({
      layers: view.nodes.length,
      edges: view.edges.length,
      runs,
      median_ms: Math.round(median(total)),
      median_dagre_ms: Math.round(median(dagreShare)),
      cpu: cpus()[0]?.model,
      load: loadavg().map((l) => Math.round(l * 100) / 100),
    }),
  );
}
