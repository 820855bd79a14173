import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import {
  layoutModelGraph,
  modelGraphSvg,
  plotModel,
  type GraphViewNode,
  type ModelGraphLayout,
  type ModelGraphOptions,
  type ModelGraphView,
} from '../src/viz/index.js';
import { formatShape, formatShapes, textWidth, type LaidOutBox, type Point } from '../src/viz/model-graph-svg.js';

// Pictures land here for people to look at; the directory is gitignored.
const OUT = join(process.cwd(), 'test-output', 'viz', 'plot-model');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Shape = (number | null)[];
function layer(id: string, className: string, inputs: Shape[], outputs: Shape[], extra: Partial<GraphViewNode> = {}) {
  return {
    id,
    name: id,
    className,
    inputShapes: inputs,
    outputShapes: outputs,
    dtype: 'float32',
    trainable: true,
    ...extra,
  };
}
const input = (id: string, shape: Shape): GraphViewNode => layer(id, 'InputLayer', [], [shape], { hasWeights: false });

/** Input -> Dense -> Dense, as a Sequential MLP's graph. */
function chain(): ModelGraphView {
  return {
    name: 'mlp',
    nodes: [
      input('input_layer', [null, 784]),
      layer('dense', 'Dense', [[null, 784]], [[null, 512]], { activation: 'relu' }),
      layer('dense_1', 'Dense', [[null, 512]], [[null, 10]], { activation: 'softmax' }),
    ],
    edges: [
      { from: 'input_layer', to: 'dense' },
      { from: 'dense', to: 'dense_1' },
    ],
  };
}

/** A residual block: conv -> conv -> bn, plus the shortcut conv -> add. */
function residual(): ModelGraphView {
  const s = [null, 28, 28, 16];
  return {
    name: 'resnet',
    nodes: [
      input('input_layer', [null, 28, 28, 1]),
      layer('conv2d', 'Conv2D', [[null, 28, 28, 1]], [s], { activation: 'relu' }),
      layer('conv2d_1', 'Conv2D', [s], [s], { activation: 'linear' }),
      layer('batch_normalization', 'BatchNormalization', [s], [s], { trainable: false }),
      layer('add', 'Add', [s, s], [s], { hasWeights: false }),
      layer('global_average_pooling2d', 'GlobalAveragePooling2D', [s], [[null, 16]], { hasWeights: false }),
      layer('dense', 'Dense', [[null, 16]], [[null, 10]], { activation: 'softmax' }),
    ],
    edges: [
      { from: 'input_layer', to: 'conv2d' },
      { from: 'conv2d', to: 'conv2d_1' },
      { from: 'conv2d_1', to: 'batch_normalization' },
      { from: 'batch_normalization', to: 'add' },
      { from: 'conv2d', to: 'add' },
      { from: 'add', to: 'global_average_pooling2d' },
      { from: 'global_average_pooling2d', to: 'dense' },
    ],
  };
}

/** Title and body inputs, a shared concatenation, priority and department outputs. */
function twoInTwoOut(): ModelGraphView {
  return {
    name: 'ticket_classifier',
    nodes: [
      input('title', [null, 10]),
      input('body', [null, 100]),
      layer('title_dense', 'Dense', [[null, 10]], [[null, 8]]),
      layer('body_dense', 'Dense', [[null, 100]], [[null, 8]]),
      layer(
        'concatenate',
        'Concatenate',
        [
          [null, 8],
          [null, 8],
        ],
        [[null, 16]],
        { hasWeights: false },
      ),
      layer('priority', 'Dense', [[null, 16]], [[null, 1]]),
      layer('department', 'Dense', [[null, 16]], [[null, 4]]),
    ],
    edges: [
      { from: 'title', to: 'title_dense' },
      { from: 'body', to: 'body_dense' },
      { from: 'title_dense', to: 'concatenate' },
      { from: 'body_dense', to: 'concatenate' },
      { from: 'concatenate', to: 'priority' },
      { from: 'concatenate', to: 'department' },
    ],
  };
}

/** An encoder model used as a layer between an input and a head. */
function nested(): ModelGraphView {
  const encoder: ModelGraphView = {
    name: 'encoder',
    nodes: [
      input('enc_input', [null, 8]),
      layer('enc_dense', 'Dense', [[null, 8]], [[null, 6]]),
      layer('enc_out', 'Dense', [[null, 6]], [[null, 4]]),
    ],
    edges: [
      { from: 'enc_input', to: 'enc_dense' },
      { from: 'enc_dense', to: 'enc_out' },
    ],
  };
  return {
    name: 'autoencoder',
    nodes: [
      input('x', [null, 8]),
      layer('encoder', 'Functional', [[null, 8]], [[null, 4]], { nested: encoder }),
      layer('head', 'Dense', [[null, 4]], [[null, 1]]),
    ],
    edges: [
      { from: 'x', to: 'encoder' },
      { from: 'encoder', to: 'head' },
    ],
  };
}

const box = (l: ModelGraphLayout, key: string): LaidOutBox => {
  const b = l.boxes.find((x) => x.key === key);
  assert.ok(b, `a box "${key}" (have ${l.boxes.map((x) => x.key).join(', ')})`);
  return b;
};
const cx = (b: LaidOutBox): number => b.x + b.width / 2;
const cy = (b: LaidOutBox): number => b.y + b.height / 2;
const textOf = (b: LaidOutBox): string[] => b.cells.map((c) => c.runs.map((r) => r.text).join(''));

function assertNoOverlaps(l: ModelGraphLayout): void {
  for (let i = 0; i < l.boxes.length; i++) {
    for (let j = i + 1; j < l.boxes.length; j++) {
      const a = l.boxes[i]!;
      const b = l.boxes[j]!;
      const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      assert.ok(apart, `boxes ${a.key} and ${b.key} overlap`);
    }
  }
  for (const b of l.boxes) {
    assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.width <= l.width && b.y + b.height <= l.height, `${b.key} inside`);
  }
}

/** Whether the segment p-q passes through the inside of the box shrunk by `eps` (Liang-Barsky). */
function crossesInside(p: Point, q: Point, r: { x: number; y: number; width: number; height: number }, eps = 1) {
  let t0 = 0;
  let t1 = 1;
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  const edges: [number, number][] = [
    [-dx, p.x - (r.x + eps)],
    [dx, r.x + r.width - eps - p.x],
    [-dy, p.y - (r.y + eps)],
    [dy, r.y + r.height - eps - p.y],
  ];
  for (const [pp, qq] of edges) {
    if (pp === 0) {
      if (qq < 0) return false;
    } else {
      const t = qq / pp;
      if (pp < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
    }
  }
  return t0 < t1;
}

const onBorder = (p: Point, b: LaidOutBox): boolean => {
  const inX = p.x >= b.x - 0.01 && p.x <= b.x + b.width + 0.01;
  const inY = p.y >= b.y - 0.01 && p.y <= b.y + b.height + 0.01;
  const nearX = Math.abs(p.x - b.x) < 0.01 || Math.abs(p.x - b.x - b.width) < 0.01;
  const nearY = Math.abs(p.y - b.y) < 0.01 || Math.abs(p.y - b.y - b.height) < 0.01;
  return inX && inY && (nearX || nearY);
};

/** Every edge asked for is drawn once, from the source's border to the target's, around every box. */
function assertEdges(l: ModelGraphLayout, expected: [string, string][], ortho = true): void {
  const got = l.edges.map((e) => `${e.from} -> ${e.to}`).sort();
  assert.deepEqual(got, expected.map(([a, b]) => `${a} -> ${b}`).sort());
  for (const e of l.edges) {
    const from = box(l, e.from);
    const to = box(l, e.to);
    assert.ok(onBorder(e.points[0]!, from), `${e.from} -> ${e.to} starts on ${e.from}'s border`);
    assert.ok(onBorder(e.points[e.points.length - 1]!, to), `${e.from} -> ${e.to} ends on ${e.to}'s border`);
    for (let i = 0; i + 1 < e.points.length; i++) {
      const p = e.points[i]!;
      const q = e.points[i + 1]!;
      if (ortho) assert.ok(Math.abs(p.x - q.x) < 1e-6 || Math.abs(p.y - q.y) < 1e-6, 'right angles only');
      for (const b of l.boxes) assert.ok(!crossesInside(p, q, b), `${e.from} -> ${e.to} runs through ${b.key}`);
      for (const c of l.clusters) {
        assert.ok(!crossesInside(p, q, c.label, 0), `${e.from} -> ${e.to} runs through the label of ${c.key}`);
      }
    }
  }
}

function edgeCount(svg: string): number {
  return (svg.match(/<g class="edge"/g) ?? []).length;
}

/** Decodes an 8-bit RGBA PNG as resvg writes it: [width, height, pixels]. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth');
      assert.equal(data[9], 6, 'RGBA');
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  assert.equal(raw.length, height * (stride + 1), 'decoded size');
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 4 ? out[y * stride + x - 4]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = (v + pred) & 255;
    }
  }
  return { width, height, rgba: out };
}

test('a chain: one box per layer, titled as Keras 3 titles them, top to bottom, every edge drawn', () => {
  const l = layoutModelGraph(chain());
  assertNoOverlaps(l);
  assertEdges(l, [
    ['input_layer', 'dense'],
    ['dense', 'dense_1'],
  ]);
  const [a, b, c] = ['input_layer', 'dense', 'dense_1'].map((k) => box(l, k)) as [LaidOutBox, LaidOutBox, LaidOutBox];
  assert.ok(a.y + a.height < b.y && b.y + b.height < c.y, 'each layer below the one before');
  assert.ok(Math.abs(cx(a) - cx(b)) < 1 && Math.abs(cx(b) - cx(c)) < 1, 'one column');
  // Keras 3's default (show_layer_names=False): the class name alone, in bold.
  assert.deepEqual(textOf(b), ['Dense']);
  assert.deepEqual(b.cells[0]!.runs, [{ text: 'Dense', bold: true }]);
  assert.equal(b.cells[0]!.fill, 'black');
  assert.equal(b.cells[0]!.color, 'white');
  const named = layoutModelGraph(chain(), { showLayerNames: true });
  assert.deepEqual(box(named, 'dense_1').cells[0]!.runs, [
    { text: 'dense_1', bold: true },
    { text: ' (Dense)', bold: false },
  ]);
  const svg = modelGraphSvg(chain(), { showLayerNames: true });
  assert.equal(edgeCount(svg), 2);
  assert.ok(svg.includes('<tspan font-weight="bold">dense_1</tspan> (Dense)'), svg);
});

test('showShapes, showDtype, showLayerActivations and showTrainable print what Keras prints', () => {
  assert.equal(formatShape([null, 28, 28, 1]), '(None, 28, 28, 1)');
  assert.equal(formatShape([null]), '(None,)');
  assert.equal(formatShape([]), '()');
  assert.equal(formatShapes([]), '?');
  assert.equal(
    formatShapes([
      [null, 4],
      [null, 3],
    ]),
    '[(None, 4), (None, 3)]',
  );
  const all = { showShapes: true, showDtype: true, showLayerActivations: true, showTrainable: true };
  const l = layoutModelGraph(residual(), all);
  // No "Input shape" cell for an InputLayer; no trainable cell for a layer without weights.
  assert.deepEqual(textOf(box(l, 'input_layer')), [
    'InputLayer',
    'Output shape: (None, 28, 28, 1)',
    'Output dtype: float32',
  ]);
  assert.deepEqual(textOf(box(l, 'conv2d')), [
    'Conv2D',
    'Activation: relu',
    'Input shape: (None, 28, 28, 1)',
    'Output shape: (None, 28, 28, 16)',
    'Output dtype: float32',
    'Trainable',
  ]);
  assert.deepEqual(textOf(box(l, 'add')), [
    'Add',
    'Input shape: [(None, 28, 28, 16), (None, 28, 28, 16)]',
    'Output shape: (None, 28, 28, 16)',
    'Output dtype: float32',
  ]);
  const bn = box(l, 'batch_normalization');
  assert.deepEqual(textOf(bn).slice(-1), ['Non-trainable']);
  assert.equal(bn.cells[bn.cells.length - 1]!.fill, 'firebrick');
  assert.equal(box(l, 'dense').cells[bn.cells.length]!.fill, 'forestgreen');
  // The value is bold, the label not: "Output shape: <b>(None, 10)</b>".
  assert.deepEqual(box(l, 'dense').cells[3]!.runs, [
    { text: 'Output shape: ', bold: false },
    { text: '(None, 10)', bold: true },
  ]);
  // Every cell is wide enough for its text plus Keras's cellpadding of 10 on each side.
  for (const b of l.boxes) {
    for (const c of b.cells) {
      const w = c.runs.reduce((s, r) => s + textWidth(r.text, c.fontSize, r.bold), 0);
      assert.ok(c.width >= w + 20, `${b.key}: "${c.runs.map((r) => r.text).join('')}" fits`);
      assert.ok(c.x >= b.x && c.x + c.width <= b.x + b.width + 1e-9, `${b.key}: cell inside its box`);
    }
    // Rows fill the table: the title is as wide as the row of cells below it.
    const title = b.cells[0]!;
    const last = b.cells[b.cells.length - 1]!;
    assert.ok(Math.abs(title.x + title.width - (last.x + last.width)) < 1e-6, `${b.key}: rows end together`);
  }
  // Options off: the title row alone.
  for (const b of layoutModelGraph(residual()).boxes) assert.equal(b.cells.length, 1);
});

test('text is sized from DejaVu Sans: the computed widths match what resvg draws', () => {
  for (const [text, bold] of [
    ['batch_normalization', true],
    [' (BatchNormalization)', false],
    ['Output shape: ', false],
    ['(None, 28, 28, 16)', true],
  ] as const) {
    const draw = (t: string) =>
      new Resvg(
        `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="40"><text x="10" y="30" font-size="16" ` +
          `font-family="DejaVu Sans"${bold ? ' font-weight="bold"' : ''} xml:space="preserve">${t}</text></svg>`,
        { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } },
      ).getBBox();
    // Between two X's the ink grows by exactly the text's advance width (give or take kerning).
    const wrapped = draw(`X${text}X`);
    const bare = draw('XX');
    assert.ok(wrapped && bare, 'resvg drew the text (is a DejaVu font installed?)');
    const drawn = wrapped.width - bare.width;
    const computed = textWidth(text, 16, bold);
    assert.ok(Math.abs(drawn - computed) < 0.02 * computed + 2, `"${text}": drawn ${drawn}, computed ${computed}`);
  }
});

test('a residual block: the shortcut goes around the convolutions, no box overlaps, right angles', () => {
  for (const rankdir of ['TB', 'LR', 'BT', 'RL'] as const) {
    const l = layoutModelGraph(residual(), { showShapes: true, showLayerNames: true, rankdir });
    assertNoOverlaps(l);
    assertEdges(l, [
      ['input_layer', 'conv2d'],
      ['conv2d', 'conv2d_1'],
      ['conv2d_1', 'batch_normalization'],
      ['batch_normalization', 'add'],
      ['conv2d', 'add'],
      ['add', 'global_average_pooling2d'],
      ['global_average_pooling2d', 'dense'],
    ]);
  }
  // Polyline and spline edges follow dagre's route; it goes around the boxes too.
  const expected: [string, string][] = residual().edges.map((e) => [e.from, e.to]);
  for (const splines of ['polyline', 'spline'] as const) {
    const l = layoutModelGraph(residual(), { showShapes: true, splines });
    assertEdges(l, expected, false);
    for (const e of l.edges) assert.equal(e.smooth, splines === 'spline');
  }
  assert.match(modelGraphSvg(residual(), { splines: 'spline' }), /<path d="M[^"]*C/);
  const line = layoutModelGraph(residual(), { splines: 'line' });
  for (const e of line.edges) assert.equal(e.points.length, 2);
});

test('rankdir: TB stacks downwards, BT upwards, LR runs rightwards, RL leftwards', () => {
  const order = ['input_layer', 'dense', 'dense_1'];
  const at = (rankdir: ModelGraphOptions['rankdir']) => {
    const l = layoutModelGraph(chain(), { rankdir, showShapes: true });
    assertNoOverlaps(l);
    return order.map((k) => box(l, k));
  };
  const increasing = (v: number[]) => v.every((x, i) => i === 0 || x > v[i - 1]!);
  const same = (v: number[]) => v.every((x) => Math.abs(x - v[0]!) < 1);
  const tb = at('TB');
  assert.ok(increasing(tb.map(cy)) && same(tb.map(cx)));
  const bt = at('BT');
  assert.ok(increasing(bt.map(cy).reverse()) && same(bt.map(cx)));
  const lr = at('LR');
  assert.ok(increasing(lr.map(cx)) && same(lr.map(cy)));
  const rl = at('RL');
  assert.ok(increasing(rl.map(cx).reverse()) && same(rl.map(cy)));
  // A chain is tall in TB and wide in LR.
  const tall = layoutModelGraph(chain());
  const wide = layoutModelGraph(chain(), { rankdir: 'LR' });
  assert.ok(tall.height > tall.width && wide.width > wide.height);
});

test('two inputs and two outputs: inputs share the first rank, outputs the last', () => {
  const l = layoutModelGraph(twoInTwoOut(), { showShapes: true, showLayerNames: true });
  assertNoOverlaps(l);
  assertEdges(l, [
    ['title', 'title_dense'],
    ['body', 'body_dense'],
    ['title_dense', 'concatenate'],
    ['body_dense', 'concatenate'],
    ['concatenate', 'priority'],
    ['concatenate', 'department'],
  ]);
  const [title, body, cat, pri, dep] = ['title', 'body', 'concatenate', 'priority', 'department'].map((k) =>
    box(l, k),
  ) as LaidOutBox[];
  assert.ok(Math.abs(cy(title!) - cy(body!)) < 1, 'inputs side by side');
  assert.ok(Math.abs(cy(pri!) - cy(dep!)) < 1, 'outputs side by side');
  assert.ok(cy(cat!) > cy(title!) && cy(pri!) > cy(cat!));
  // Inputs and outputs keep the order the model lists them in (dagre alone puts body first here).
  assert.ok(cx(title!) < cx(body!) && cx(pri!) < cx(dep!), 'title left of body, priority left of department');
  const lr = layoutModelGraph(twoInTwoOut(), { rankdir: 'LR' });
  assert.ok(cy(box(lr, 'title')) < cy(box(lr, 'body')) && cy(box(lr, 'priority')) < cy(box(lr, 'department')));
  assert.equal(edgeCount(modelGraphSvg(twoInTwoOut())), 6);
});

test('a nested model: one box by default, a dashed cluster of its layers with expandNested', () => {
  const flat = layoutModelGraph(nested(), { showLayerNames: true });
  assert.deepEqual(flat.boxes.map((b) => b.key).sort(), ['encoder', 'head', 'x']);
  assert.deepEqual(textOf(box(flat, 'encoder')), ['encoder (Functional)']);
  assert.equal(flat.clusters.length, 0);

  for (const rankdir of ['TB', 'LR', 'BT', 'RL'] as const) {
    checkNested(layoutModelGraph(nested(), { showLayerNames: true, showShapes: true, expandNested: true, rankdir }));
  }
  // The cluster beside a plain layer of the same rank: its frame and label keep clear of that box too.
  const v = nested();
  v.nodes.push(layer('side', 'Dense', [[null, 8]], [[null, 4]]));
  v.nodes.push(
    layer(
      'concatenate',
      'Concatenate',
      [
        [null, 4],
        [null, 4],
      ],
      [[null, 8]],
      { hasWeights: false },
    ),
  );
  v.edges = [
    { from: 'x', to: 'encoder' },
    { from: 'x', to: 'side' },
    { from: 'encoder', to: 'concatenate' },
    { from: 'side', to: 'concatenate' },
    { from: 'concatenate', to: 'head' },
  ];
  for (const rankdir of ['TB', 'LR', 'BT', 'RL'] as const) {
    const l = layoutModelGraph(v, { showLayerNames: true, expandNested: true, rankdir });
    assertNoOverlaps(l);
    assertEdges(l, [
      ['x', 'encoder/enc_input'],
      ['x', 'side'],
      ['encoder/enc_input', 'encoder/enc_dense'],
      ['encoder/enc_dense', 'encoder/enc_out'],
      ['encoder/enc_out', 'concatenate'],
      ['side', 'concatenate'],
      ['concatenate', 'head'],
    ]);
    const c = l.clusters[0]!;
    for (const k of ['x', 'side', 'concatenate', 'head']) {
      const b = box(l, k);
      const apart = b.x + b.width <= c.x || c.x + c.width <= b.x || b.y + b.height <= c.y || c.y + c.height <= b.y;
      assert.ok(apart, `${rankdir}: ${k} outside the cluster's frame`);
    }
  }
  // A name wider than its layers: the frame holds the whole name, no edge runs through it, and the
  // frame stays clear of the layers outside.
  const long = nested();
  long.nodes[1]!.nested!.name = 'a_rather_long_name_for_an_encoder_model';
  for (const rankdir of ['TB', 'LR', 'BT', 'RL'] as const) {
    const l = layoutModelGraph(long, { expandNested: true, rankdir });
    assertNoOverlaps(l);
    assertEdges(l, [
      ['x', 'encoder/enc_input'],
      ['encoder/enc_input', 'encoder/enc_dense'],
      ['encoder/enc_dense', 'encoder/enc_out'],
      ['encoder/enc_out', 'head'],
    ]);
    const c = l.clusters[0]!;
    assert.ok(c.label.width >= textWidth(c.name, 14), 'label sized for the name');
    assert.ok(c.label.x >= c.x && c.label.x + c.label.width <= c.x + c.width, `${rankdir}: name inside the frame`);
    assert.ok(c.label.y >= c.y && c.label.y + c.label.height <= c.y + c.height, `${rankdir}: name inside the frame`);
    for (const k of ['x', 'head']) {
      const b = box(l, k);
      const apart = b.x + b.width <= c.x || c.x + c.width <= b.x || b.y + b.height <= c.y || c.y + c.height <= b.y;
      assert.ok(apart, `${rankdir}: ${k} outside the cluster's frame`);
    }
  }
  const svg = modelGraphSvg(nested(), { expandNested: true });
  assert.match(svg, /<g class="cluster" data-key="encoder"><rect [^>]*stroke-dasharray/);
  assert.ok(svg.includes('>encoder</text>'));
});

function checkNested(l: ModelGraphLayout): void {
  assertNoOverlaps(l);
  // Edges into and out of the model go to its input layer and from its output layer, as Keras draws them.
  assertEdges(l, [
    ['x', 'encoder/enc_input'],
    ['encoder/enc_input', 'encoder/enc_dense'],
    ['encoder/enc_dense', 'encoder/enc_out'],
    ['encoder/enc_out', 'head'],
  ]);
  assert.equal(l.clusters.length, 1);
  const c = l.clusters[0]!;
  assert.equal(c.name, 'encoder');
  const inside = (b: LaidOutBox) =>
    b.x >= c.x && b.y >= c.y && b.x + b.width <= c.x + c.width && b.y + b.height <= c.y + c.height;
  for (const b of l.boxes) assert.equal(inside(b), b.key.startsWith('encoder/'), `${b.key} inside the cluster or not`);
  const apart = (b: LaidOutBox) =>
    b.x + b.width <= c.x || c.x + c.width <= b.x || b.y + b.height <= c.y || c.y + c.height <= b.y;
  for (const k of ['x', 'head']) assert.ok(apart(box(l, k)), `${k} outside the cluster's frame`);
  // The label sits above every inner box.
  for (const b of l.boxes.filter((x) => x.key.startsWith('encoder/'))) assert.ok(c.y + 14 < b.y);
}

test('expandNested: deeper nesting, several inputs by toInput, and a clear error when it cannot tell', () => {
  const pair: ModelGraphView = {
    name: 'pair',
    nodes: [
      input('a', [null, 2]),
      input('b', [null, 2]),
      layer(
        'sum',
        'Add',
        [
          [null, 2],
          [null, 2],
        ],
        [[null, 2]],
        { hasWeights: false },
      ),
    ],
    edges: [
      { from: 'a', to: 'sum' },
      { from: 'b', to: 'sum' },
    ],
  };
  const middle: ModelGraphView = {
    name: 'middle',
    nodes: [
      input('m_in', [null, 2]),
      input('m_in2', [null, 2]),
      layer(
        'pair',
        'Functional',
        [
          [null, 2],
          [null, 2],
        ],
        [[null, 2]],
        { nested: pair },
      ),
    ],
    edges: [
      { from: 'm_in', to: 'pair', toInput: 1 },
      { from: 'm_in2', to: 'pair', toInput: 0 },
    ],
  };
  const outer: ModelGraphView = {
    name: 'outer',
    nodes: [
      input('p', [null, 2]),
      input('q', [null, 2]),
      layer(
        'middle',
        'Functional',
        [
          [null, 2],
          [null, 2],
        ],
        [[null, 2]],
        { nested: middle },
      ),
      layer('out', 'Dense', [[null, 2]], [[null, 1]]),
    ],
    edges: [
      { from: 'p', to: 'middle' },
      { from: 'q', to: 'middle' },
      { from: 'middle', to: 'out' },
    ],
  };
  const l = layoutModelGraph(outer, { expandNested: true });
  assertNoOverlaps(l);
  assertEdges(l, [
    ['p', 'middle/m_in'],
    ['q', 'middle/m_in2'],
    ['middle/m_in', 'middle/pair/b'],
    ['middle/m_in2', 'middle/pair/a'],
    ['middle/pair/a', 'middle/pair/sum'],
    ['middle/pair/b', 'middle/pair/sum'],
    ['middle/pair/sum', 'out'],
  ]);
  assert.deepEqual(l.clusters.map((c) => c.name).sort(), ['middle', 'pair']);
  const [mid, inner] = ['middle', 'middle/pair'].map((k) => l.clusters.find((c) => c.key === k)!);
  assert.ok(mid!.x < inner!.x && mid!.y < inner!.y, 'the inner cluster inside the outer one');
  assert.ok(inner!.x + inner!.width < mid!.x + mid!.width && inner!.y + inner!.height < mid!.y + mid!.height);

  const ambiguous: ModelGraphView = {
    name: 'amb',
    nodes: [input('z', [null, 2]), layer('pair', 'Functional', [[null, 2]], [[null, 2]], { nested: pair })],
    edges: [{ from: 'z', to: 'pair' }],
  };
  assert.throws(() => layoutModelGraph(ambiguous, { expandNested: true }), /nested model "pair".*2 inputs.*toInput/);
  // Without expandNested the same view is fine: one box.
  assert.equal(layoutModelGraph(ambiguous).boxes.length, 2);
});

test('names with <, &, " and quotes are escaped; the SVG parses', () => {
  const view: ModelGraphView = {
    name: 'm<&>',
    nodes: [input('in"1', [null, 3]), layer('a<b>&"c\'', 'My<Layer>', [[null, 3]], [[null, 3]])],
    edges: [{ from: 'in"1', to: 'a<b>&"c\'' }],
  };
  const svg = modelGraphSvg(view, { showLayerNames: true, showShapes: true });
  assert.ok(svg.includes('a&lt;b&gt;&amp;&quot;c&#39;'), 'escaped name');
  assert.ok(svg.includes('(My&lt;Layer&gt;)'), 'escaped class name');
  assert.ok(svg.includes('data-from="in&quot;1"'), 'escaped attribute');
  const text = svg.replace(/<[^>]*>/g, '');
  assert.ok(!/[<>]/.test(text) && !/&(?!lt;|gt;|amp;|quot;|#39;)/.test(text), 'no raw markup characters in text');
  // resvg refuses malformed XML; it draws this one.
  const r = new Resvg(svg);
  assert.ok(r.width > 0 && r.height > 0);
  // A control character XML cannot hold is shown as U+FFFD rather than breaking the file.
  const ctl = modelGraphSvg({ ...view, nodes: [input('bell\u0007', [null, 3])], edges: [] }, { showLayerNames: true });
  assert.ok(ctl.includes('bell\ufffd') && !ctl.includes('\u0007'));
  assert.ok(new Resvg(ctl).width > 0);
});

test('bad views and options are refused by name', () => {
  const v = chain();
  assert.throws(() => modelGraphSvg({ ...v, edges: [{ from: 'dense', to: 'nope' }] }), /names no node "nope"/);
  assert.throws(() => modelGraphSvg({ ...v, nodes: [...v.nodes, v.nodes[0]!] }), /share the id "input_layer"/);
  assert.throws(() => modelGraphSvg({ name: 'empty', nodes: [], edges: [] }), /model "empty" has no layers to draw/);
  // Ids with the key separator in them stay apart from a nested model's layers.
  const n = nested();
  n.nodes.push(layer('encoder/enc_input', 'Dense', [[null, 4]], [[null, 4]]));
  n.edges.push({ from: 'head', to: 'encoder/enc_input' });
  const keys = layoutModelGraph(n, { expandNested: true }).boxes.map((b) => b.key);
  assert.deepEqual(keys.filter((k) => k.includes('enc_input')).sort(), ['encoder%2Fenc_input', 'encoder/enc_input']);
  const o = (x: object) => x as ModelGraphOptions;
  assert.throws(
    () => modelGraphSvg(v, o({ showShape: true })),
    /unknown option `showShape`; did you mean `showShapes`/,
  );
  assert.throws(() => modelGraphSvg(v, o({ rankDir: 'LR' })), /did you mean `rankdir`/);
  assert.throws(
    () => modelGraphSvg(v, o({ show_shapes: true })),
    /`show_shapes` is Keras's Python spelling; use `showShapes`/,
  );
  assert.throws(() => modelGraphSvg(v, o({ expand_nested: true })), /use `expandNested`/);
  assert.throws(() => modelGraphSvg(v, o({ show_layer_activations: true })), /use `showLayerActivations`/);
  assert.throws(() => modelGraphSvg(v, o({ rankdir: 'TD' })), /`rankdir` must be one of TB, LR, BT, RL, got "TD"/);
  assert.throws(
    () => modelGraphSvg(v, o({ splines: 'curved' })),
    /`splines` must be one of ortho, polyline, spline, line/,
  );
  assert.throws(() => modelGraphSvg(v, o({ dpi: 0 })), /`dpi` must be a positive number/);
  assert.throws(() => modelGraphSvg(v, o({ showShapes: 'yes' })), /`showShapes` must be true or false/);
});

test('plotModel writes a PNG at dpi (Keras default 200) that decodes to the expected size and colours', async () => {
  await mkdir(OUT, { recursive: true });
  const model = { graphView: residual };
  const file = join(OUT, 'residual.png');
  const options = { file, showShapes: true, showLayerNames: true, showTrainable: true };
  const svg = await plotModel(model, options);
  const l = layoutModelGraph(residual(), { showShapes: true, showLayerNames: true, showTrainable: true });
  const png = decodePng(await readFile(file));
  assert.equal(png.width, Math.ceil((l.width * 200) / 72));
  assert.equal(png.height, Math.ceil((l.height * 200) / 72));
  assert.match(svg, new RegExp(`^<svg [^>]*width="${png.width}" height="${png.height}"`));
  const pixel = (x: number, y: number): number[] => {
    const i = (Math.round(y * (200 / 72)) * png.width + Math.round(x * (200 / 72))) * 4;
    return [...png.rgba.subarray(i, i + 4)];
  };
  assert.deepEqual(pixel(1, 1), [255, 255, 255, 255], 'white background');
  const conv = box(l, 'conv2d');
  // The title cell's left padding is black; the shape cell's left padding white; the trainable cell green.
  assert.deepEqual(pixel(conv.cells[0]!.x + 5, conv.cells[0]!.y + 5), [0, 0, 0, 255]);
  assert.deepEqual(pixel(conv.cells[1]!.x + 5, conv.cells[1]!.y + 5), [255, 255, 255, 255]);
  assert.deepEqual(pixel(conv.cells[3]!.x + 5, conv.cells[3]!.y + 5), [34, 139, 34, 255], 'forestgreen');
  // Some text was drawn: the title cell has white ink in its middle band.
  const t = conv.cells[0]!;
  let ink = 0;
  for (let x = t.x + 12; x < t.x + t.width - 12; x += 0.5) if (pixel(x, t.y + t.height / 2)[0]! > 128) ink++;
  assert.ok(ink > 10, `title text drawn (${ink} light samples)`);

  // dpi scales the picture; the layout in points does not change.
  const small = join(OUT, 'residual-72dpi.png');
  await plotModel(model, { ...options, file: small, dpi: 72 });
  const p72 = decodePng(await readFile(small));
  assert.equal(p72.width, Math.ceil(l.width));
  assert.equal(p72.height, Math.ceil(l.height));
});

test('plotModel writes .svg by the file name, atomically, and refuses bad options by name', async () => {
  const dir = join(OUT, 'svg');
  await rm(dir, { recursive: true, force: true });
  const file = join(dir, 'nested', 'model.svg');
  const svg = await plotModel({ graphView: nested }, { file, expandNested: true, showLayerNames: true });
  assert.equal(await readFile(file, 'utf8'), svg);
  assert.deepEqual(readdirSync(join(dir, 'nested')), ['model.svg'], 'no temporary file left behind');
  // Pictures to look at: every example view in both directions.
  for (const [name, view] of Object.entries({ chain, residual, twoInTwoOut, nested })) {
    for (const rankdir of ['TB', 'LR'] as const) {
      await plotModel(
        { graphView: view },
        {
          file: join(OUT, `${name}-${rankdir}.png`),
          rankdir,
          showShapes: true,
          showLayerNames: true,
          expandNested: true,
          dpi: 96,
        },
      );
    }
  }
  const m = { graphView: chain };
  const bad = (x: object) => x as { file: string };
  await assert.rejects(plotModel(m, bad({ to_file: 'a.png' })), /`to_file` is Keras's Python spelling; use `file`/);
  await assert.rejects(plotModel(m, bad({ fil: 'a.png' })), /unknown option `fil`; did you mean `file`/);
  await assert.rejects(plotModel(m, bad({ show_dtype: true })), /use `showDtype`/);
  await assert.rejects(plotModel(m, bad({ layer_range: ['a', 'b'] })), /`layer_range` option is not supported/);
  await assert.rejects(plotModel(m, { file: join(dir, 'model.jpg') }), /cannot tell the format of .*model\.jpg/);
  await assert.rejects(
    plotModel(m, { file: join(dir, 'x.png'), rankdir: 'XY' as 'TB' }),
    /^Error: plotModel: `rankdir`/,
  );
  await assert.rejects(plotModel({} as never, { file: join(dir, 'x.png') }), /expected a model with graphView\(\)/);
});

test('the renderer and its layout library are browser-safe', () => {
  const NODE_IMPORT = /from\s+'(node:[^']+|fs|path|os|child_process|http|zlib|module|url)'|require\(/;
  for (const f of ['model-graph-svg.ts', 'model-graph-view.ts', 'text-metrics.ts']) {
    const src = readFileSync(join(root, 'src', 'viz', f), 'utf8');
    assert.ok(!NODE_IMPORT.test(src), `${f} imports nothing from Node`);
    for (const m of src.matchAll(/from\s+'([^']+)'/g)) {
      assert.ok(
        ['@dagrejs/dagre', './model-graph-view.js', './text-metrics.js', '../utils/option-names.js'].includes(m[1]!),
        `${f}: ${m[1]}`,
      );
    }
  }
  const require = createRequire(import.meta.url);
  const dagreDir = dirname(dirname(require.resolve('@dagrejs/dagre/package.json')));
  const bundle = readFileSync(join(dagreDir, 'dagre', 'dist', 'dagre.esm.js'), 'utf8');
  assert.ok(!/\bfrom\s*["']node:|\brequire\(/.test(bundle), 'dagre ESM bundle imports nothing');
});
