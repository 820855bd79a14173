import { toClassIndices, type ClassesLike } from './class-indices.js';
import { grayLevels, type Colormap } from './colormap.js';
import { toGrayImages, type ImageBatch, type IntensityRange } from './image-data.js';
import { upscaleFor } from './imshow.js';
import { saveFigure, type FigureFileOptions } from './output.js';
import { encodeGrayPng, pngDataUrl } from './png.js';
import { FONT } from './render.js';

export interface ImageGridOptions extends FigureFileOptions, IntensityRange {
  /** True classes, shown under each image. */
  labels?: ClassesLike;
  /** Predicted classes or scores; wrong ones are drawn red with a red frame. */
  predictions?: ClassesLike;
  /** Names for class ids (e.g. Fashion-MNIST's). Default: the ids. */
  classNames?: string[];
  /** Images per row. Default: up to 10. */
  columns?: number;
  /** Displayed size of each image's longer side in SVG pixels. Default 56. */
  cellSize?: number;
  cmap?: Colormap;
  title?: string;
  /** Draw at most this many images. Default 100. */
  max?: number;
}

const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/**
 * Digits in a grid with their labels. A grid of pictures needs no scales or axes, so it is plain SVG
 * (one embedded PNG per image) rather than a Vega chart.
 */
export async function imageGrid(images: ImageBatch, options: ImageGridOptions = {}): Promise<string> {
  const all = toGrayImages(images, options);
  const list = all.slice(0, options.max ?? 100);
  const n = list.length;
  const labels = options.labels !== undefined ? toClassIndices(options.labels) : undefined;
  const preds = options.predictions !== undefined ? toClassIndices(options.predictions) : undefined;
  const name = (c: number): string => options.classNames?.[c] ?? String(c);
  const columns = Math.max(1, options.columns ?? Math.min(10, n));
  const rows = Math.ceil(n / columns);
  const cell = options.cellSize ?? 56;
  const hasText = labels !== undefined || preds !== undefined;
  const textH = hasText ? 18 : 0;
  const gap = 8;
  const wrong = preds && labels ? preds.slice(0, all.length).filter((p, i) => p !== labels[i]).length : 0;
  const title =
    options.title ??
    (preds && labels
      ? `${wrong} of ${Math.min(all.length, preds.length)} wrong (red: predicted, true in brackets)`
      : '');
  const top = title ? 26 : 0;
  const cellW = Math.max(cell, hasText ? 64 : cell);
  const width = gap + columns * (cellW + gap);
  const height = top + gap + rows * (cell + textH + gap);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  );
  if (title) parts.push(`<text x="${gap}" y="18" font-size="14" fill="#222">${escapeXml(title)}</text>`);
  list.forEach((img, i) => {
    const unit = cell / Math.max(img.width, img.height);
    const w = img.width * unit;
    const h = img.height * unit;
    const x = gap + (i % columns) * (cellW + gap) + (cellW - w) / 2;
    const y = top + gap + Math.floor(i / columns) * (cell + textH + gap);
    const up = upscaleFor(Math.max(img.width, img.height), cell, options.scale ?? 2);
    const href = pngDataUrl(encodeGrayPng(img.width, img.height, grayLevels(img, options.cmap), up));
    const bad = preds !== undefined && labels !== undefined && preds[i] !== labels[i];
    parts.push(
      `<image x="${x}" y="${y}" width="${w}" height="${h}" preserveAspectRatio="none" image-rendering="optimizeSpeed" xlink:href="${href}"/>`,
      `<rect x="${x - 0.5}" y="${y - 0.5}" width="${w + 1}" height="${h + 1}" fill="none" stroke="${bad ? 'red' : '#ccc'}" stroke-width="${bad ? 2 : 1}"/>`,
    );
    if (hasText) {
      let text: string;
      if (preds !== undefined) text = bad ? `${name(preds[i]!)} (${name(labels![i]!)})` : name(preds[i]!);
      else text = name(labels![i]!);
      const cx = gap + (i % columns) * (cellW + gap) + cellW / 2;
      parts.push(
        `<text x="${cx}" y="${y + cell + 14}" font-size="12" text-anchor="middle" fill="${bad ? 'red' : '#222'}"${bad ? ' font-weight="bold"' : ''}>${escapeXml(text)}</text>`,
      );
    }
  });
  parts.push('</svg>');
  const svg = parts.join('\n');
  await saveFigure(svg, options);
  return svg;
}
