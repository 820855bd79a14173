// Keras's plot_model picture of a layer graph, as an SVG string (issue #12). Browser-safe: the
// layout is @dagrejs/dagre's (pure JavaScript, synchronous), text is sized from DejaVu Sans's
// advance widths, and nothing here touches Node.
//
// The look follows Keras 3's model_to_dot: each layer is a black table (cellpadding 10, cell
// spacing 2) whose first row is the title in white, 16 pt ("<b>name</b> (ClassName)", or
// "<b>ClassName</b>" without names), then an optional white "Activation: <b>relu</b>" row, then one
// row of white cells: "Input shape: <b>...</b>" (not for an InputLayer) and "Output shape: <b>...</b>"
// with showShapes, "Output dtype: <b>...</b>" with showDtype, and a green "Trainable" or red
// "Non-trainable" cell with showTrainable for layers with weights, all 14 pt. Edges are 2 pt wide
// with filled arrowheads; nested models expand into dashed clusters labelled with their name. Units
// are points (1/72 inch), as Graphviz's, so `dpi` scales the picture as it scales Keras's.
import dagre from '@dagrejs/dagre';
import type { GraphViewEdge, GraphViewNode, ModelGraphView } from './model-graph-view.js';
import { BOLD_WIDTHS, REGULAR_WIDTHS } from './text-metrics.js';
import { checkOptionNames } from '../utils/option-names.js';

export type Rankdir = 'TB' | 'LR' | 'BT' | 'RL';
/** How edges are drawn: Graphviz's names. 'ortho' (Keras's default) draws right-angle lines. */
export type Splines = 'ortho' | 'polyline' | 'spline' | 'line';

/** Keras's plot_model options, in camelCase; the defaults are Keras 3's. */
export interface ModelGraphOptions {
  /** Input and output shapes of each layer. Default false. */
  showShapes?: boolean;
  /** Output dtype of each layer. Default false. */
  showDtype?: boolean;
  /** "name (ClassName)" instead of "ClassName". Default false, as Keras 3's plot_model. */
  showLayerNames?: boolean;
  /** 'TB' top to bottom (default), 'LR' left to right, 'BT', 'RL'. */
  rankdir?: Rankdir;
  /** Draw nested models as clusters of their layers instead of one box. Default false. */
  expandNested?: boolean;
  /** Image resolution in dots per inch; the SVG's width and height are its size at this dpi. Default 200. */
  dpi?: number;
  /** "Activation: ..." for layers that have an activation. Default false. */
  showLayerActivations?: boolean;
  /** "Trainable" / "Non-trainable" for layers with weights. Default false. */
  showTrainable?: boolean;
  /** Edge style: 'ortho' (default), 'polyline', 'spline' or 'line'. */
  splines?: Splines;
}

export const MODEL_GRAPH_OPTION_NAMES: readonly (keyof ModelGraphOptions)[] = [
  'showShapes',
  'showDtype',
  'showLayerNames',
  'rankdir',
  'expandNested',
  'dpi',
  'showLayerActivations',
  'showTrainable',
  'splines',
];

const RANKDIRS: readonly Rankdir[] = ['TB', 'LR', 'BT', 'RL'];
const SPLINES: readonly Splines[] = ['ortho', 'polyline', 'spline', 'line'];
const BOOLEAN_OPTIONS = new Set<string>([
  'showShapes',
  'showDtype',
  'showLayerNames',
  'expandNested',
  'showLayerActivations',
  'showTrainable',
]);
/** Keras's plot_model keywords that have no camelCase twin here. */
export const KERAS_ONLY: Record<string, string> = {
  to_file: 'file',
  layer_range: '',
  subgraph: '',
};

export const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif';

// Graphviz's HTML-table geometry as Keras sets it, in points.
const CELL_PADDING = 10;
const CELL_BORDER = 1;
const CELL_SPACING = 2;
const TITLE_SIZE = 16;
const BODY_SIZE = 14;
const LINE_HEIGHT = 1.2;
const CLUSTER_LABEL_SIZE = 14;
const CLUSTER_PAD = 8;
const ARROW_LENGTH = 10;
const ARROW_HALF_WIDTH = 4.5;
const PEN_WIDTH = 2;
/** Graphviz's defaults: nodesep 0.25 in, ranksep 0.5 in, pad 4 pt. */
const NODESEP = 18;
const RANKSEP = 36;
const MARGIN = 4;

// ---------------------------------------------------------------------------------------------
// Options

interface Resolved {
  showShapes: boolean;
  showDtype: boolean;
  showLayerNames: boolean;
  rankdir: Rankdir;
  expandNested: boolean;
  dpi: number;
  showLayerActivations: boolean;
  showTrainable: boolean;
  splines: Splines;
}

function resolveOptions(options: ModelGraphOptions, where: string): Resolved {
  if (options === null || typeof options !== 'object') throw new Error(`${where}: options must be an object.`);
  checkOptionNames(where, options, MODEL_GRAPH_OPTION_NAMES, KERAS_ONLY);
  const o = options as Record<string, unknown>;
  for (const key of BOOLEAN_OPTIONS) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw new Error(`${where}: \`${key}\` must be true or false, got ${JSON.stringify(o[key])}.`);
    }
  }
  const rankdir = options.rankdir ?? 'TB';
  if (!RANKDIRS.includes(rankdir)) {
    throw new Error(`${where}: \`rankdir\` must be one of ${RANKDIRS.join(', ')}, got ${JSON.stringify(rankdir)}.`);
  }
  const splines = options.splines ?? 'ortho';
  if (!SPLINES.includes(splines)) {
    throw new Error(`${where}: \`splines\` must be one of ${SPLINES.join(', ')}, got ${JSON.stringify(splines)}.`);
  }
  const dpi = options.dpi ?? 200;
  if (typeof dpi !== 'number' || !Number.isFinite(dpi) || dpi <= 0) {
    throw new Error(`${where}: \`dpi\` must be a positive number, got ${JSON.stringify(dpi)}.`);
  }
  return {
    showShapes: options.showShapes ?? false,
    showDtype: options.showDtype ?? false,
    showLayerNames: options.showLayerNames ?? false,
    rankdir,
    expandNested: options.expandNested ?? false,
    dpi,
    showLayerActivations: options.showLayerActivations ?? false,
    showTrainable: options.showTrainable ?? false,
    splines,
  };
}

// ---------------------------------------------------------------------------------------------
// Text

/** A run of text, bold or not; a cell's line is a list of runs. */
export interface TextRun {
  text: string;
  bold: boolean;
}

/** Width in points of `text` in DejaVu Sans at `size` points. */
export function textWidth(text: string, size: number, bold = false): number {
  const table = bold ? BOLD_WIDTHS : REGULAR_WIDTHS;
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    // Outside ASCII: wide scripts take a full em, the rest at most about as wide as 'W'.
    w += c >= 32 && c < 127 ? table[c - 32]! : c >= 0x2e80 ? 1000 : 800;
  }
  return (w * size) / 1000;
}

const runsWidth = (runs: TextRun[], size: number): number =>
  runs.reduce((s, r) => s + textWidth(r.text, size, r.bold), 0);

/** A Python tuple's str(): (None, 28, 28, 1), (None,), (). */
export function formatShape(shape: readonly (number | null)[]): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** One tensor's shape as a tuple, several as a Python list of tuples, none as Keras's "?". */
export function formatShapes(shapes: (readonly (number | null)[])[]): string {
  if (shapes.length === 0) return '?';
  if (shapes.length === 1) return formatShape(shapes[0]!);
  return `[${shapes.map(formatShape).join(', ')}]`;
}

/** Text and attribute values for XML; control characters XML cannot hold become U+FFFD. */
export function escapeXml(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
      .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!)
  );
}

// ---------------------------------------------------------------------------------------------
// Boxes

export interface LaidOutCell {
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  color: string;
  fontSize: number;
  runs: TextRun[];
}

export interface LaidOutBox {
  /**
   * Unique key: the ids of the nested models around the node and its own, joined by '/' (a '/' or
   * '%' inside an id is written %2F or %25).
   */
  key: string;
  node: GraphViewNode;
  /** Top-left corner and size, in points. */
  x: number;
  y: number;
  width: number;
  height: number;
  cells: LaidOutCell[];
}

export interface LaidOutCluster {
  key: string;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Where the name is written, inside the frame's top-left corner; edges keep clear of it. */
  label: Rect;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface LaidOutEdge {
  /** Keys of the boxes joined. */
  from: string;
  to: string;
  /** The drawn line, from the source box's border to the arrowhead's tip on the target's border. */
  points: Point[];
  /** 'spline' edges are drawn as a smooth curve through the points, the others straight between them. */
  smooth: boolean;
}

export interface ModelGraphLayout {
  /** Size of the picture in points. */
  width: number;
  height: number;
  dpi: number;
  boxes: LaidOutBox[];
  clusters: LaidOutCluster[];
  edges: LaidOutEdge[];
}

interface CellSpec {
  runs: TextRun[];
  fill: string;
  color: string;
  fontSize: number;
}

function rowsOf(node: GraphViewNode, o: Resolved): CellSpec[][] {
  const title: TextRun[] = o.showLayerNames
    ? [
        { text: node.name, bold: true },
        { text: ` (${node.className})`, bold: false },
      ]
    : [{ text: node.className, bold: true }];
  const rows: CellSpec[][] = [[{ runs: title, fill: 'black', color: 'white', fontSize: TITLE_SIZE }]];
  const white = (label: string, value: string): CellSpec => ({
    runs: [
      { text: `${label}: `, bold: false },
      { text: value, bold: true },
    ],
    fill: 'white',
    color: 'black',
    fontSize: BODY_SIZE,
  });
  if (o.showLayerActivations && node.activation !== undefined) rows.push([white('Activation', node.activation)]);
  const cols: CellSpec[] = [];
  if (o.showShapes) {
    if (node.className !== 'InputLayer') cols.push(white('Input shape', formatShapes(node.inputShapes)));
    cols.push(white('Output shape', formatShapes(node.outputShapes)));
  }
  if (o.showDtype) cols.push(white('Output dtype', node.dtype || '?'));
  if (o.showTrainable && node.hasWeights !== false) {
    cols.push({
      runs: [{ text: node.trainable ? 'Trainable' : 'Non-trainable', bold: true }],
      fill: node.trainable ? 'forestgreen' : 'firebrick',
      color: 'white',
      fontSize: BODY_SIZE,
    });
  }
  if (cols.length) rows.push(cols);
  return rows;
}

const cellWidth = (c: CellSpec): number => runsWidth(c.runs, c.fontSize) + 2 * (CELL_PADDING + CELL_BORDER);
const cellHeight = (c: CellSpec): number => c.fontSize * LINE_HEIGHT + 2 * (CELL_PADDING + CELL_BORDER);

/** Sizes a layer's table; cells are placed relative to the box's top-left corner. */
function tableOf(node: GraphViewNode, o: Resolved): { width: number; height: number; cells: LaidOutCell[] } {
  const rows = rowsOf(node, o);
  const rowWidth = (r: CellSpec[]): number => r.reduce((s, c) => s + cellWidth(c), 0) + (r.length - 1) * CELL_SPACING;
  const inner = Math.max(...rows.map(rowWidth));
  const cells: LaidOutCell[] = [];
  let y = CELL_SPACING;
  for (const r of rows) {
    const h = Math.max(...r.map(cellHeight));
    // Like Graphviz, a narrower row's cells grow evenly to the table's width.
    const extra = (inner - rowWidth(r)) / r.length;
    let x = CELL_SPACING;
    for (const c of r) {
      const w = cellWidth(c) + extra;
      cells.push({ x, y, width: w, height: h, fill: c.fill, color: c.color, fontSize: c.fontSize, runs: c.runs });
      x += w + CELL_SPACING;
    }
    y += h + CELL_SPACING;
  }
  return { width: inner + 2 * CELL_SPACING, height: y, cells };
}

// ---------------------------------------------------------------------------------------------
// Graph

const SEP = '/';
/** An id as one segment of a key: '%' and the separator escaped, so keys never collide. */
const seg = (id: string): string => id.replace(/%/g, '%25').replace(/\//g, '%2F');

function checkView(view: ModelGraphView, where: string, path: string): void {
  if (!view || !Array.isArray(view.nodes) || !Array.isArray(view.edges)) {
    throw new Error(`${where}: expected a model graph view { name, nodes, edges }${path ? ` at "${path}"` : ''}.`);
  }
  const ids = new Set<string>();
  for (const n of view.nodes) {
    if (typeof n.id !== 'string' || n.id === '') {
      throw new Error(`${where}: a node of "${view.name}" has no id (layer "${n.name}").`);
    }
    if (ids.has(n.id)) throw new Error(`${where}: two nodes of "${view.name}" share the id "${n.id}".`);
    ids.add(n.id);
  }
  for (const e of view.edges) {
    for (const end of [e.from, e.to]) {
      if (!ids.has(end)) {
        throw new Error(
          `${where}: edge ${JSON.stringify(e.from)} -> ${JSON.stringify(e.to)} of "${view.name}" names no node ` +
            `"${end}" (nodes: ${[...ids].join(', ') || 'none'}).`,
        );
      }
    }
  }
}

/** Unique edges, in the order first seen (Graphviz's concentrate, Keras's add_edge). */
function uniqueEdges(edges: GraphViewEdge[]): GraphViewEdge[] {
  const seen = new Set<string>();
  return edges.filter((e) => {
    const k = `${e.from}\u0000${e.to}\u0000${e.fromOutput ?? ''}\u0000${e.toInput ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Lays out the picture: box sizes from the table contents, positions and edge routes from dagre.
 * modelGraphSvg draws exactly this; tests check its geometry.
 */
export function layoutModelGraph(view: ModelGraphView, options: ModelGraphOptions = {}): ModelGraphLayout {
  const where = 'modelGraphSvg';
  const o = resolveOptions(options, where);
  checkView(view, where, '');
  if (view.nodes.length === 0) throw new Error(`${where}: model "${view.name}" has no layers to draw.`);
  // A cluster's name goes in a strip above its layers, as Graphviz draws it. When an edge would run
  // through a name, or a name is wider than its layers, lay out again with the names as nodes.
  const strip = layoutPass(view, o, false);
  return strip.clusters.some((c) => c.label.width + 2 * CLUSTER_PAD > c.width || labelCrossed(c.label, strip.edges))
    ? layoutPass(view, o, true)
    : strip;
}

/** Whether a segment of an edge passes through the rectangle (Liang-Barsky clipping). */
function labelCrossed(r: Rect, edges: LaidOutEdge[]): boolean {
  const crosses = (p: Point, q: Point): boolean => {
    let t0 = 0;
    let t1 = 1;
    const dx = q.x - p.x;
    const dy = q.y - p.y;
    for (const [pp, qq] of [
      [-dx, p.x - r.x],
      [dx, r.x + r.width - p.x],
      [-dy, p.y - r.y],
      [dy, r.y + r.height - p.y],
    ] as const) {
      if (pp === 0) {
        if (qq < 0) return false;
      } else if (pp < 0) t0 = Math.max(t0, qq / pp);
      else t1 = Math.min(t1, qq / pp);
    }
    return t0 < t1;
  };
  return edges.some((e) => e.points.some((p, i) => i > 0 && crosses(e.points[i - 1]!, p)));
}

function layoutPass(view: ModelGraphView, o: Resolved, labelsAsNodes: boolean): ModelGraphLayout {
  const where = 'modelGraphSvg';
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: o.rankdir, nodesep: NODESEP, ranksep: RANKSEP, edgesep: 10, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));

  const boxes = new Map<string, { node: GraphViewNode; width: number; height: number; cells: LaidOutCell[] }>();
  const clusters = new Map<string, string>(); // key -> model name
  /** For an expanded nested model's key: its view, and the key prefix of its layers. */
  const ends = new Map<string, { view: ModelGraphView; prefix: string }>();
  const pairs: { from: string; to: string }[] = [];
  const constraints: { left: string; right: string }[] = [];

  // A cluster's name is a node of its own, so dagre makes room for it and routes edges around it.
  // Top to bottom it gets the cluster's first rank, above the inputs (bottom to top: its last, above
  // the outputs), tied there by edges that are not drawn; left to right it shares the inputs' rank,
  // ordered before them, so it sits above them.
  const labelNodes = new Map<string, string>();
  const reserveLabel = (key: string, inner: ModelGraphView): void => {
    const labelKey = key + SEP + '%label'; // ids are escaped, so no node's key starts with '%'
    const name = clusters.get(key)!;
    g.setNode(labelKey, { width: textWidth(name, CLUSTER_LABEL_SIZE) + 2, height: CLUSTER_LABEL_SIZE * 1.4 });
    g.setParent(labelKey, key);
    labelNodes.set(key, labelKey);
    const top = o.rankdir === 'BT' ? 'from' : 'to';
    const firsts = inner.nodes.filter((x) => !inner.edges.some((e) => e[top] === x.id));
    const keyOf = (n: GraphViewNode): string => key + SEP + seg(n.id);
    if (o.rankdir === 'TB' || o.rankdir === 'BT') {
      for (const n of firsts) {
        const end = labelNodes.get(keyOf(n)) ?? keyOf(n); // an inner cluster: tie to its name
        if (o.rankdir === 'TB') g.setEdge(labelKey, end, {});
        else g.setEdge(end, labelKey, {});
      }
    } else {
      const first = firsts.find((n) => !labelNodes.has(keyOf(n)));
      if (first) constraints.push({ left: labelKey, right: keyOf(first) });
    }
  };
  const add = (v: ModelGraphView, prefix: string, parent: string | undefined, path: string): void => {
    for (const n of v.nodes) {
      const key = prefix + seg(n.id);
      if (o.expandNested && n.nested) {
        checkView(n.nested, where, path ? `${path}${SEP}${n.name}` : n.name);
        clusters.set(key, n.nested.name || n.name);
        g.setNode(key, {});
        if (parent !== undefined) g.setParent(key, parent);
        ends.set(key, { view: n.nested, prefix: key + SEP });
        add(n.nested, key + SEP, key, path ? `${path}${SEP}${n.name}` : n.name);
        if (labelsAsNodes) reserveLabel(key, n.nested);
      } else {
        const t = tableOf(n, o);
        boxes.set(key, { node: n, ...t });
        g.setNode(key, { width: t.width, height: t.height });
        if (parent !== undefined) g.setParent(key, parent);
      }
    }
    // Keep the model's inputs, and its outputs, in the order the view lists them (Graphviz keeps
    // declaration order; dagre would otherwise order them by its crossing heuristic alone).
    const drawn = v.nodes.filter((n) => !(o.expandNested && n.nested));
    const sources = drawn.filter((n) => !v.edges.some((e) => e.to === n.id));
    const sinks = drawn.filter((n) => !v.edges.some((e) => e.from === n.id));
    for (const group of [sources, sinks]) {
      for (let i = 0; i + 1 < group.length; i++) {
        constraints.push({ left: prefix + seg(group[i]!.id), right: prefix + seg(group[i + 1]!.id) });
      }
    }
    const edges = uniqueEdges(v.edges);
    for (const e of edges) {
      const from = resolveEnd(
        prefix + seg(e.from),
        'out',
        e,
        edges.filter((x) => x.from === e.from),
      );
      const to = resolveEnd(
        prefix + seg(e.to),
        'in',
        e,
        edges.filter((x) => x.to === e.to),
      );
      pairs.push({ from, to });
    }
  };

  /** The box an edge really starts or ends at when its end is an expanded nested model. */
  const resolveEnd = (key: string, side: 'in' | 'out', e: GraphViewEdge, siblings: GraphViewEdge[]): string => {
    const nest = ends.get(key);
    if (!nest) return key;
    const inner = nest.view;
    const candidates = inner.nodes.filter((n) =>
      side === 'in' ? !inner.edges.some((x) => x.to === n.id) : !inner.edges.some((x) => x.from === n.id),
    );
    const explicit = side === 'in' ? e.toInput : e.fromOutput;
    let index: number;
    if (explicit !== undefined) index = explicit;
    else if (candidates.length === 1) index = 0;
    else if (siblings.length === candidates.length) index = siblings.indexOf(e);
    else {
      const what = side === 'in' ? 'input' : 'output';
      throw new Error(
        `${where}: cannot tell which ${what} of nested model "${inner.name}" the edge ${JSON.stringify(e.from)} -> ` +
          `${JSON.stringify(e.to)} ${side === 'in' ? 'feeds' : 'comes from'}: it has ${candidates.length} ${what}s ` +
          `and ${siblings.length} edges; give the edge \`${side === 'in' ? 'toInput' : 'fromOutput'}\`.`,
      );
    }
    const target = candidates[index];
    if (!target) {
      throw new Error(
        `${where}: nested model "${inner.name}" has ${candidates.length} ${side === 'in' ? 'inputs' : 'outputs'}, ` +
          `edge ${JSON.stringify(e.from)} -> ${JSON.stringify(e.to)} asks for number ${index}.`,
      );
    }
    const innerKey = nest.prefix + seg(target.id);
    // Deeper nesting: the inner end may itself be an expanded model. Being an input (output) of
    // its model, it has no other edges coming in (going out) there, so this edge is its only one.
    const pass: GraphViewEdge = side === 'in' ? { from: e.from, to: target.id } : { from: target.id, to: e.to };
    return resolveEnd(innerKey, side, pass, [pass]);
  };

  add(view, '', undefined, '');
  const seenPairs = new Set<string>();
  const edgeList: { from: string; to: string }[] = [];
  for (const p of pairs) {
    const k = `${p.from}\u0000${p.to}`;
    if (seenPairs.has(k)) continue;
    seenPairs.add(k);
    edgeList.push(p);
    g.setEdge(p.from, p.to, {});
  }
  // A cluster's name goes below the layers that feed the cluster (above those it feeds, bottom to top).
  for (const [cluster, labelKey] of labelNodes) {
    const inside = (k: string): boolean => k.startsWith(cluster + SEP);
    for (const p of edgeList) {
      if (o.rankdir !== 'BT' && inside(p.to) && !inside(p.from)) g.setEdge(p.from, labelKey, {});
      if (o.rankdir === 'BT' && inside(p.from) && !inside(p.to)) g.setEdge(labelKey, p.to, {});
    }
  }

  dagre.layout(g, { constraints });

  const rects = new Map<string, Rect>();
  const outBoxes: LaidOutBox[] = [];
  for (const [key, b] of boxes) {
    const n = g.node(key) as { x: number; y: number };
    const r = { x: n.x - b.width / 2, y: n.y - b.height / 2, width: b.width, height: b.height };
    rects.set(key, r);
    outBoxes.push({ key, node: b.node, ...r, cells: b.cells });
  }
  const outClusters: LaidOutCluster[] = [];
  for (const [key, name] of clusters) {
    const n = g.node(key) as { x: number; y: number; width: number; height: number };
    const ln = labelNodes.has(key)
      ? (g.node(labelNodes.get(key)!) as { x: number; y: number; width: number; height: number })
      : undefined;
    const label = ln
      ? { x: ln.x - ln.width / 2, y: ln.y - ln.height / 2, width: ln.width, height: ln.height }
      : { x: 0, y: 0, width: 0, height: 0 };
    outClusters.push({
      key,
      name,
      x: n.x - n.width / 2,
      y: n.y - n.height / 2,
      width: n.width,
      height: n.height,
      label,
    });
  }
  growClusters(outClusters, outBoxes, labelsAsNodes);
  const obstacles: Rect[] = [...outBoxes, ...outClusters.map((c) => c.label)];

  const edges: LaidOutEdge[] = edgeList.map(({ from, to }) => {
    const raw = ((g.edge(from, to) as { points?: Point[] }).points ?? []).map((p) => ({ x: p.x, y: p.y }));
    const src = rects.get(from)!;
    const dst = rects.get(to)!;
    return { from, to, points: route(o, src, dst, raw, obstacles), smooth: o.splines === 'spline' };
  });

  // The picture's extent: everything drawn, plus Graphviz's pad.
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const grow = (x0: number, y0: number, x1: number, y1: number): void => {
    minX = Math.min(minX, x0);
    minY = Math.min(minY, y0);
    maxX = Math.max(maxX, x1);
    maxY = Math.max(maxY, y1);
  };
  for (const r of [...outBoxes, ...outClusters]) grow(r.x, r.y, r.x + r.width, r.y + r.height);
  for (const e of edges) for (const p of e.points) grow(p.x - ARROW_HALF_WIDTH, p.y - ARROW_HALF_WIDTH, p.x, p.y);
  if (!Number.isFinite(minX)) [minX, minY, maxX, maxY] = [0, 0, 0, 0];
  const dx = MARGIN - minX;
  const dy = MARGIN - minY;
  for (const r of [...outBoxes, ...outClusters, ...outClusters.map((c) => c.label)]) {
    r.x += dx;
    r.y += dy;
  }
  for (const e of edges) for (const p of e.points) [p.x, p.y] = [p.x + dx, p.y + dy];
  for (const b of outBoxes) for (const c of b.cells) [c.x, c.y] = [c.x + b.x, c.y + b.y];
  return {
    width: maxX - minX + 2 * MARGIN,
    height: maxY - minY + 2 * MARGIN,
    dpi: o.dpi,
    boxes: outBoxes,
    clusters: outClusters,
    edges,
  };
}

/**
 * Dagre fits a cluster tightly around its members; give it Graphviz's padding, and room for its
 * name: around its label node, or in a strip above the members. Inner clusters first, so an outer
 * one grows around its grown children.
 */
function growClusters(clusters: LaidOutCluster[], boxes: LaidOutBox[], labelsAsNodes: boolean): void {
  const depth = (k: string): number => k.split(SEP).length;
  const sorted = [...clusters].sort((a, b) => depth(b.key) - depth(a.key));
  for (const c of sorted) {
    const inside: Rect[] = [
      ...boxes.filter((b) => b.key.startsWith(c.key + SEP)),
      ...clusters.filter((d) => d.key.startsWith(c.key + SEP)),
    ];
    if (labelsAsNodes) inside.push(c.label);
    if (!inside.length) inside.push({ x: c.x, y: c.y, width: 0, height: 0 });
    const x0 = Math.min(...inside.map((r) => r.x)) - CLUSTER_PAD;
    const x1 = Math.max(...inside.map((r) => r.x + r.width)) + CLUSTER_PAD;
    const top = labelsAsNodes ? 0 : CLUSTER_LABEL_SIZE * LINE_HEIGHT;
    const y0 = Math.min(...inside.map((r) => r.y)) - CLUSTER_PAD - top;
    const y1 = Math.max(...inside.map((r) => r.y + r.height)) + CLUSTER_PAD;
    Object.assign(c, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    if (!labelsAsNodes) {
      // The text's ink, from its cap height to its descenders; it may stick out (then we lay out again).
      c.label = {
        x: x0 + CLUSTER_PAD - 1,
        y: y0 + 2,
        width: textWidth(c.name, CLUSTER_LABEL_SIZE) + 2,
        height: CLUSTER_LABEL_SIZE * 1.4,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Edge routes

/** Where the segment from the centre of `r` towards `p` leaves the rectangle. */
function boundaryToward(r: Rect, p: Point): Point {
  const cx = r.x + r.width / 2;
  const cy = r.y + r.height / 2;
  const dx = p.x - cx;
  const dy = p.y - cy;
  if (dx === 0 && dy === 0) return { x: cx, y: cy };
  const sx = dx === 0 ? Infinity : r.width / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : r.height / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return { x: cx + dx * s, y: cy + dy * s };
}

const clamp = (v: number, lo: number, hi: number): number => (lo > hi ? (lo + hi) / 2 : Math.min(hi, Math.max(lo, v)));

function route(o: Resolved, src: Rect, dst: Rect, raw: Point[], boxes: Rect[]): Point[] {
  const center = (r: Rect): Point => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 });
  if (o.splines === 'line' || raw.length < 2) {
    return [boundaryToward(src, center(dst)), boundaryToward(dst, center(src))];
  }
  if (o.splines !== 'ortho') return raw;

  // Right angles: leave the source through its downstream side, cross over between ranks, enter
  // the target through its upstream side. "u" runs along the ranks, "v" across them.
  const vertical = o.rankdir === 'TB' || o.rankdir === 'BT';
  const forward = o.rankdir === 'TB' || o.rankdir === 'LR';
  const U = (p: Point): number => (vertical ? p.y : p.x);
  const V = (p: Point): number => (vertical ? p.x : p.y);
  const P = (u: number, v: number): Point => (vertical ? { x: v, y: u } : { x: u, y: v });
  const uSpan = (r: Rect): [number, number] => (vertical ? [r.y, r.y + r.height] : [r.x, r.x + r.width]);
  const vSpan = (r: Rect): [number, number] => (vertical ? [r.x, r.x + r.width] : [r.y, r.y + r.height]);
  const inset = 8;

  const [su0, su1] = uSpan(src);
  const [sv0, sv1] = vSpan(src);
  const [du0, du1] = uSpan(dst);
  const [dv0, dv1] = vSpan(dst);
  const interior = raw.slice(1, -1);
  const firstV = V(interior[0] ?? raw[raw.length - 1]!);
  const start = { u: forward ? su1 : su0, v: clamp(firstV, sv0 + inset, sv1 - inset) };
  const lastV = V(interior[interior.length - 1] ?? raw[0]!);
  // Enter straight when the last stretch already lines up with the target.
  const prevV = interior.length ? lastV : start.v;
  const end = { u: forward ? du0 : du1, v: clamp(prevV, dv0 + inset, dv1 - inset) };
  const waypoints = [start, ...interior.map((p) => ({ u: U(p), v: V(p) })), end];

  // Bands along u occupied by boxes; cross-overs go in the middle of the free gaps between them.
  const spans = boxes.map(uSpan).sort((a, b) => a[0] - b[0]);
  const bands: [number, number][] = [];
  for (const s of spans) {
    const last = bands[bands.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else bands.push([s[0], s[1]]);
  }
  const crossing = (a: number, b: number): number => {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const mid = (lo + hi) / 2;
    let best = mid;
    let bestD = Infinity;
    for (let i = 0; i + 1 < bands.length; i++) {
      const g0 = bands[i]![1];
      const g1 = bands[i + 1]![0];
      if (g0 < lo - 0.5 || g1 > hi + 0.5) continue;
      const m = (g0 + g1) / 2;
      if (Math.abs(m - mid) < bestD) [best, bestD] = [m, Math.abs(m - mid)];
    }
    return best;
  };

  const out: Point[] = [P(start.u, start.v)];
  for (let i = 1; i < waypoints.length; i++) {
    const a = waypoints[i - 1]!;
    const b = waypoints[i]!;
    if (Math.abs(a.v - b.v) > 0.5) {
      const m = crossing(a.u, b.u);
      out.push(P(m, a.v), P(m, b.v));
    } else b.v = a.v; // dagre's near misses: keep the run straight
    out.push(P(b.u, b.v));
  }
  // Drop points that sit on a straight run.
  return out.filter((p, i) => {
    if (i === 0 || i === out.length - 1) return true;
    const a = out[i - 1]!;
    const c = out[i + 1]!;
    const cross = (p.x - a.x) * (c.y - a.y) - (p.y - a.y) * (c.x - a.x);
    return Math.abs(cross) > 1e-6;
  });
}

// ---------------------------------------------------------------------------------------------
// SVG

const num = (v: number): string => String(Math.round(v * 100) / 100);

function pathData(points: Point[], smooth: boolean): string {
  const [first, ...rest] = points;
  if (!first) return '';
  if (!smooth || points.length < 3)
    return `M${num(first.x)},${num(first.y)}` + rest.map((p) => `L${num(p.x)},${num(p.y)}`).join('');
  // Catmull-Rom through the points, as cubic Béziers.
  let d = `M${num(first.x)},${num(first.y)}`;
  for (let i = 0; i + 1 < points.length; i++) {
    const p0 = points[Math.max(0, i - 1)]!;
    const p1 = points[i]!;
    const p2 = points[i + 1]!;
    const p3 = points[Math.min(points.length - 1, i + 2)]!;
    const c1 = { x: p1.x + (p2.x - p0.x) / 6, y: p1.y + (p2.y - p0.y) / 6 };
    const c2 = { x: p2.x - (p3.x - p1.x) / 6, y: p2.y - (p3.y - p1.y) / 6 };
    d += `C${num(c1.x)},${num(c1.y)} ${num(c2.x)},${num(c2.y)} ${num(p2.x)},${num(p2.y)}`;
  }
  return d;
}

function edgeSvg(e: LaidOutEdge): string {
  const pts = e.points.map((p) => ({ ...p }));
  const tip = pts[pts.length - 1]!;
  // Direction of arrival: from the previous point (for the Catmull-Rom curve, also its end tangent).
  const before = pts[pts.length - 2]!;
  let dx = tip.x - before.x;
  let dy = tip.y - before.y;
  const len = Math.hypot(dx, dy) || 1;
  dx /= len;
  dy /= len;
  const base = { x: tip.x - dx * ARROW_LENGTH, y: tip.y - dy * ARROW_LENGTH };
  // The line stops where the arrowhead starts, so its square end does not poke through the tip.
  pts[pts.length - 1] = base;
  const wing = (s: number): string =>
    `${num(base.x - dy * ARROW_HALF_WIDTH * s)},${num(base.y + dx * ARROW_HALF_WIDTH * s)}`;
  return (
    `<g class="edge" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}">` +
    `<path d="${pathData(pts, e.smooth)}" fill="none" stroke="black" stroke-width="${PEN_WIDTH}"/>` +
    `<polygon points="${num(tip.x)},${num(tip.y)} ${wing(1)} ${wing(-1)}" fill="black" stroke="black" stroke-width="1"/>` +
    `</g>`
  );
}

function cellSvg(c: LaidOutCell): string {
  const b = CELL_BORDER / 2;
  const rect =
    `<rect x="${num(c.x + b)}" y="${num(c.y + b)}" width="${num(c.width - CELL_BORDER)}" ` +
    `height="${num(c.height - CELL_BORDER)}" fill="${c.fill}" stroke="black" stroke-width="${CELL_BORDER}"/>`;
  // Baseline so that the text's x-height sits in the middle of the cell.
  const baseline = c.y + c.height / 2 + c.fontSize * 0.36;
  const runs = c.runs
    .map((r) => (r.bold ? `<tspan font-weight="bold">${escapeXml(r.text)}</tspan>` : escapeXml(r.text)))
    .join('');
  const text =
    `<text x="${num(c.x + c.width / 2)}" y="${num(baseline)}" text-anchor="middle" font-size="${c.fontSize}" ` +
    `fill="${c.color}" xml:space="preserve">${runs}</text>`;
  return rect + text;
}

/** Draws a laid-out graph. */
export function layoutToSvg(layout: ModelGraphLayout): string {
  const k = layout.dpi / 72;
  const W = Math.max(1, Math.ceil(layout.width * k));
  const H = Math.max(1, Math.ceil(layout.height * k));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${num(W / k)} ${num(H / k)}" ` +
      `font-family="${FONT_FAMILY}">`,
    `<rect x="0" y="0" width="${num(W / k)}" height="${num(H / k)}" fill="white"/>`,
  ];
  for (const c of layout.clusters) {
    parts.push(
      `<g class="cluster" data-key="${escapeXml(c.key)}">` +
        `<rect x="${num(c.x)}" y="${num(c.y)}" width="${num(c.width)}" height="${num(c.height)}" fill="none" ` +
        `stroke="black" stroke-width="1" stroke-dasharray="5,2"/>` +
        `<text x="${num(c.label.x + 1)}" y="${num(c.label.y + CLUSTER_LABEL_SIZE + 2)}" ` +
        `font-size="${CLUSTER_LABEL_SIZE}" fill="black" xml:space="preserve">${escapeXml(c.name)}</text></g>`,
    );
  }
  for (const e of layout.edges) parts.push(edgeSvg(e));
  for (const b of layout.boxes) {
    parts.push(
      `<g class="layer" data-key="${escapeXml(b.key)}">` +
        `<rect x="${num(b.x)}" y="${num(b.y)}" width="${num(b.width)}" height="${num(b.height)}" fill="black"/>` +
        b.cells.map(cellSvg).join('') +
        `</g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Keras's plot_model picture of a model's layer graph as an SVG string: one box per layer, laid
 * out by dagre. `view` is what `model.graphView()` returns.
 */
export function modelGraphSvg(view: ModelGraphView, options: ModelGraphOptions = {}): string {
  return layoutToSvg(layoutModelGraph(view, options));
}
