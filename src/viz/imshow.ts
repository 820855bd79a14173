import type { TopLevelSpec } from 'vega-lite';
import { grayLevels, type Colormap } from './colormap.js';
import { toGrayImage, type ImageLike, type IntensityRange } from './image-data.js';
import { saveFigure, type FigureFileOptions } from './output.js';
import { encodeGrayPng, pngDataUrl } from './png.js';
import { BASE_CONFIG, vegaLiteToSvg } from './render.js';

export interface ImshowOptions extends FigureFileOptions, IntensityRange {
  /** 'Greys' (default, as in the lecture): dark ink on white. 'gray': white on black. */
  cmap?: Colormap;
  /** Length of the longer image side in SVG pixels. Default 280 (10 px per MNIST pixel). */
  size?: number;
  title?: string;
}

/** Raster blow-up so the embedded picture has at least as many pixels as the PNG output. */
export function upscaleFor(imagePixels: number, displayPixels: number, pngScale = 2): number {
  return Math.max(1, Math.min(32, Math.ceil((displayPixels * pngScale) / Math.max(1, imagePixels))));
}

/**
 * matplotlib's `imshow(image, cmap='Greys')`: the picture with pixel-index axes (row 0 at the top).
 * The pixels are an embedded PNG inside a Vega-Lite image mark, so axes and ticks come from Vega.
 */
export async function imshow(image: ImageLike, options: ImshowOptions = {}): Promise<string> {
  const gray = toGrayImage(image, options);
  const { width: w, height: h } = gray;
  const size = options.size ?? 280;
  const unit = size / Math.max(w, h);
  const up = upscaleFor(Math.max(w, h), size, options.scale ?? 2);
  const url = pngDataUrl(encodeGrayPng(w, h, grayLevels(gray, options.cmap), up));
  const spec = {
    width: w * unit,
    height: h * unit,
    ...(options.title ? { title: options.title } : {}),
    data: { values: [{ x: -0.5, x2: w - 0.5, y: -0.5, y2: h - 0.5, url }] },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: null,
        scale: { domain: [-0.5, w - 0.5], nice: false, zero: false },
        axis: { grid: false, tickMinStep: 1, format: 'd' },
      },
      x2: { field: 'x2' },
      y: {
        field: 'y',
        type: 'quantitative',
        title: null,
        scale: { domain: [-0.5, h - 0.5], nice: false, zero: false, reverse: true },
        axis: { grid: false, tickMinStep: 1, format: 'd' },
      },
      y2: { field: 'y2' },
    },
    layer: [
      { mark: { type: 'image', aspect: false, smooth: false }, encoding: { url: { field: 'url', type: 'nominal' } } },
      // The frame on top: the picture would otherwise cover the view's border.
      { mark: { type: 'rect', fill: null, stroke: '#444', strokeWidth: 1 } },
    ],
    config: BASE_CONFIG,
  } as TopLevelSpec;
  const svg = await vegaLiteToSvg(spec);
  await saveFigure(svg, options);
  return svg;
}
