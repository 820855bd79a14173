import type { GrayImage } from './image-data.js';

/**
 * matplotlib's grayscale colormaps: 'Greys' draws ink dark on white (the lecture's choice for MNIST),
 * 'gray' draws high values white on black.
 */
export type Colormap = 'Greys' | 'gray';

/** Gray levels (0 black .. 255 white) for drawing an image with a colormap. */
export function grayLevels(image: GrayImage, cmap: Colormap = 'Greys'): Uint8Array {
  if (cmap !== 'Greys' && cmap !== 'gray')
    throw new Error(`viz: unknown cmap "${String(cmap)}" (use 'Greys' or 'gray').`);
  const out = new Uint8Array(image.values.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(image.values[i]! * 255);
    out[i] = cmap === 'Greys' ? 255 - v : v;
  }
  return out;
}
