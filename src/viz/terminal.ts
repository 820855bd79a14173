import { toBytes, toGrayImage, type ImageLike, type IntensityRange } from './image-data.js';

/**
 * The lecture's pixel dump: every pixel as `%d\t` and a newline after each row. Values are the
 * 0..255 intensities (float images in 0..1 are scaled up, so they do not print as all zeros).
 */
export function pixelDump(image: ImageLike, range: IntensityRange = {}): string {
  const img = toGrayImage(image, range);
  const bytes = toBytes(img);
  let out = '';
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) out += `${bytes[y * img.width + x]}\t`;
    out += '\n';
  }
  return out;
}

export interface AsciiDigitOptions extends IntensityRange {
  /**
   * 'half' (default): two pixel rows per character with ▀ ▄ █, so a 28x28 digit is 28x14 characters
   * and keeps its aspect ratio. 'shade': one pixel per two characters with ░▒▓█, showing intensity.
   */
  mode?: 'half' | 'shade';
  /** Intensity (0..1) from which a pixel counts as ink in 'half' mode. Default 0.5. */
  threshold?: number;
}

const SHADES = [' ', '░', '▒', '▓', '█'];

/** A compact picture of the digit in block characters, ink drawn solid. */
export function asciiDigit(image: ImageLike, options: AsciiDigitOptions = {}): string {
  const img = toGrayImage(image, options);
  const { width: w, height: h, values } = img;
  const lines: string[] = [];
  if (options.mode === 'shade') {
    for (let y = 0; y < h; y++) {
      let line = '';
      for (let x = 0; x < w; x++) {
        const c = SHADES[Math.min(SHADES.length - 1, Math.round(values[y * w + x]! * (SHADES.length - 1)))]!;
        line += c + c; // two characters per pixel: terminal cells are about twice as tall as wide
      }
      lines.push(line.trimEnd());
    }
  } else {
    const t = options.threshold ?? 0.5;
    for (let y = 0; y < h; y += 2) {
      let line = '';
      for (let x = 0; x < w; x++) {
        const top = values[y * w + x]! >= t;
        const bottom = y + 1 < h && values[(y + 1) * w + x]! >= t;
        line += top ? (bottom ? '█' : '▀') : bottom ? '▄' : ' ';
      }
      lines.push(line.trimEnd());
    }
  }
  return lines.join('\n') + '\n';
}
