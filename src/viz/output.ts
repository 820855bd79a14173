import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { svgToPng, type PngOptions } from './render.js';

export type FigureFormat = 'svg' | 'png';

/** Options every figure function takes for saving itself. */
export interface FigureFileOptions extends PngOptions {
  /** Where to save; the extension (.svg or .png) picks the format. */
  file?: string;
  /** Save these formats next to each other, e.g. ['svg', 'png'] writes plot.svg and plot.png. */
  formats?: FigureFormat[];
}

function formatOf(file: string): FigureFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.svg' || ext === '.png') return ext.slice(1) as FigureFormat;
  throw new Error(`viz: cannot tell the format of "${file}"; use a .svg or .png file name.`);
}

/** Writes the figure as asked and returns the paths written. */
export async function saveFigure(svg: string, options: FigureFileOptions): Promise<string[]> {
  const { file } = options;
  if (file === undefined) {
    if (options.formats?.length) throw new Error('viz: `formats` needs a `file` to name the output.');
    return [];
  }
  const base = file.slice(0, file.length - extname(file).length);
  const formats = options.formats?.length ? options.formats : [formatOf(file)];
  await mkdir(dirname(file), { recursive: true });
  const written: string[] = [];
  for (const format of new Set(formats)) {
    const path = format === formatOf(file) ? file : `${base}.${format}`;
    await writeFile(path, format === 'svg' ? svg : await svgToPng(svg, options));
    written.push(path);
  }
  return written;
}
