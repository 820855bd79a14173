import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { renderAsync } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The font stack every figure asks for; DejaVu first because that is what Debian ships. */
export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** Vega-Lite config shared by all figures: matplotlib-like white background and plain fonts. */
export const BASE_CONFIG = {
  background: 'white',
  font: FONT,
  // Without this every mark carries an aria-label repeating its data (image marks: the whole data URL).
  aria: false,
  view: { stroke: '#444' },
  axis: { labelFontSize: 11, titleFontSize: 13, titleFontWeight: 'normal', domainColor: '#444', tickColor: '#444' },
  legend: { labelFontSize: 12 },
} as const;

/** Compiles a Vega-Lite spec and renders it headless (no canvas, no DOM) to an SVG string. */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const vgSpec = compile(spec).spec;
  const view = new View(parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const FONT_DIRS = [
  '/usr/share/fonts',
  '/usr/local/share/fonts',
  join(homedir(), '.fonts'),
  join(homedir(), '.local/share/fonts'),
  '/System/Library/Fonts',
  '/Library/Fonts',
  'C:\\Windows\\Fonts',
];

function hasFontFile(dir: string, depth = 0): boolean {
  if (depth > 4 || !existsSync(dir)) return false;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isFile() && /\.(ttf|otf|ttc)$/i.test(e.name)) return true;
      if (e.isDirectory() && hasFontFile(join(dir, e.name), depth + 1)) return true;
    }
  } catch {
    // unreadable directory: treat as no fonts
  }
  return false;
}

let fontsChecked = false;

/** resvg draws no text without fonts; the PNG is still written, so warn once instead of failing. */
export function warnIfNoFonts(fontFiles: readonly string[] = []): boolean {
  const found = fontFiles.length > 0 || FONT_DIRS.some((d) => hasFontFile(d));
  if (!found && !fontsChecked) {
    process.emitWarning(
      'deepscript viz: no system fonts found, text will be missing from PNG figures ' +
        '(install one, e.g. `apt-get install -y fonts-dejavu-core`, or pass fontFiles).',
    );
  }
  fontsChecked = true;
  return found;
}

export interface PngOptions {
  /** Device pixels per SVG pixel. Default 2, sharp on high-DPI screens and slides. */
  scale?: number;
  /** Extra .ttf/.otf files to draw text with, for machines without system fonts. */
  fontFiles?: string[];
}

/** Rasterises an SVG with resvg (no browser, no native canvas). */
export async function svgToPng(svg: string, options: PngOptions = {}): Promise<Buffer> {
  const fontFiles = options.fontFiles ?? [];
  warnIfNoFonts(fontFiles);
  const image = await renderAsync(svg, {
    font: { loadSystemFonts: true, fontFiles, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    fitTo: { mode: 'zoom', value: options.scale ?? 2 },
    background: 'white',
  });
  return image.asPng();
}
