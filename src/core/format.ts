import type { DType, TypedArray } from './dtype.js';

/** Formats tensor contents the way NumPy's `print(array)` does (precision 8, summarised past 1000 items). */
const EDGE_ITEMS = 3;
const THRESHOLD = 1000;
const LINE_WIDTH = 75;

export function formatTensor(data: TypedArray, shape: readonly number[], dtype: DType): string {
  const size = data.length;
  const summarise = size > THRESHOLD;
  const fmt = makeFormatter(data, dtype);
  if (shape.length === 0) return fmt(data[0]!);
  return formatBlock(data, shape, 0, 0, fmt, summarise, ' ');
}

function makeFormatter(data: TypedArray, dtype: DType): (v: number) => string {
  if (dtype === 'bool') {
    const w = Array.prototype.some.call(data, (v: number) => v === 0) ? 5 : 4;
    return (v) => (v ? 'True' : 'False').padStart(w);
  }
  if (dtype === 'int32' || dtype === 'uint8') {
    let w = 1;
    for (let i = 0; i < data.length; i++) w = Math.max(w, String(data[i]).length);
    return (v) => String(v).padStart(w);
  }
  // Floats: NumPy's default (precision 8, shortest digits that identify the value),
  // aligned on the decimal point, in exponent notation when magnitudes are far apart.
  const single = dtype === 'float32';
  let maxAbs = 0;
  let minAbs = Infinity;
  let intW = 1;
  let fracW = 0;
  let mantW = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  const scientific = minAbs !== Infinity && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1e3);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      intW = Math.max(intW, nonFinite(v).length);
      continue;
    }
    const digits = shortestDigits(v, single);
    if (scientific) mantW = Math.max(mantW, Math.min(8, digits - 1));
    else {
      const [ip, fp] = fixedParts(v, Math.min(8, fractionDigits(v, single)));
      intW = Math.max(intW, ip.length);
      fracW = Math.max(fracW, fp.length);
    }
  }
  if (scientific) {
    const strs = Array.from(data, (v) => (Number.isFinite(v) ? sci(v, mantW) : nonFinite(v)));
    const w = Math.max(...strs.map((s) => s.length));
    return (v) => (Number.isFinite(v) ? sci(v, mantW) : nonFinite(v)).padStart(w);
  }
  return (v) => {
    if (!Number.isFinite(v)) return nonFinite(v).padStart(intW + fracW);
    const [ip, fp] = fixedParts(v, Math.min(8, fractionDigits(v, single)));
    return ip.padStart(intW) + fp.padEnd(fracW);
  };
}

function nonFinite(v: number): string {
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}

/** Significant digits of the shortest decimal that reads back as v (in float32 when single). */
function shortestDigits(v: number, single: boolean): number {
  if (v === 0) return 1;
  for (let p = 1; p < 17; p++) {
    const r = Number(v.toPrecision(p));
    if ((single ? Math.fround(r) : r) === v) return p;
  }
  return 17;
}

/** Digits after the point in the shortest positional form of v. */
function fractionDigits(v: number, single: boolean): number {
  if (v === 0 || Number.isInteger(v)) return 0;
  const p = shortestDigits(v, single);
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(p)))));
  return Math.max(0, p - 1 - exp);
}

function fixedParts(v: number, decimals: number): [string, string] {
  const s = v.toFixed(decimals);
  const dot = s.indexOf('.');
  return dot < 0 ? [`${s}.`, ''] : [s.slice(0, dot + 1), s.slice(dot + 1)];
}

function sci(v: number, mantissaDigits: number): string {
  const [m, e] = v.toExponential(mantissaDigits).split('e') as [string, string];
  const exp = Number(e);
  return `${mantissaDigits === 0 ? `${m}.` : m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function formatBlock(
  data: TypedArray,
  shape: readonly number[],
  axis: number,
  offset: number,
  fmt: (v: number) => string,
  summarise: boolean,
  indent: string,
): string {
  const n = shape[axis]!;
  const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const picks: (number | null)[] = [];
  if (summarise && n > 2 * EDGE_ITEMS) {
    for (let i = 0; i < EDGE_ITEMS; i++) picks.push(i);
    picks.push(null);
    for (let i = n - EDGE_ITEMS; i < n; i++) picks.push(i);
  } else {
    for (let i = 0; i < n; i++) picks.push(i);
  }
  if (axis === shape.length - 1) {
    const items = picks.map((i) => (i === null ? '...' : fmt(data[offset + i]!)));
    // Wrap long rows at NumPy's line width.
    const lines: string[] = [];
    let line = '';
    for (const item of items) {
      const next = line === '' ? item : `${line} ${item}`;
      if (line !== '' && indent.length + next.length + 1 > LINE_WIDTH) {
        lines.push(line);
        line = item;
      } else {
        line = next;
      }
    }
    lines.push(line);
    return `[${lines.join(`\n${indent}`)}]`;
  }
  const blankLines = '\n'.repeat(shape.length - axis - 1);
  const inner = picks.map((i) =>
    i === null ? '...' : formatBlock(data, shape, axis + 1, offset + i * stride, fmt, summarise, indent + ' '),
  );
  return `[${inner.join(`${blankLines}${indent}`)}]`;
}
