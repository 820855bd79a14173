import type { DType, TypedArray } from './dtype.js';
import { fromBfloat16Bits } from './dtype.js';

/**
 * Formats tensor contents the way NumPy's `print(array)` does (NumPy 2's defaults: precision 8,
 * floatmode 'maxprec', summarised past 1000 items, line width 75). Mirrors numpy's
 * `_formatArray` and `FloatingFormat`.
 */
const EDGE_ITEMS = 3;
const THRESHOLD = 1000;
const LINE_WIDTH = 75;
const PRECISION = 8;

export function formatTensor(data: TypedArray, shape: readonly number[], dtype: DType): string {
  // bfloat16 prints its exact values as float32 does (every bfloat16 value is a float32 value).
  if (dtype === 'bfloat16') return formatTensor(Float32Array.from(data, fromBfloat16Bits), shape, 'float32');
  if (shape.length === 0) return formatScalar(data[0]!, dtype);
  // NumPy prints any empty array as [] whatever its shape.
  if (data.length === 0) return '[]';
  const summarise = data.length > THRESHOLD;
  // Like NumPy, widths come from the items actually shown, not the ones summarised away.
  const shown = summarise ? collectShown(data, shape) : Array.from(data);
  const fmt = makeFormatter(shown, dtype);
  return formatBlock(data, shape, 0, 0, fmt, summarise, ' ');
}

/** Indices printed along an axis of length n (null stands for the '...'). */
function picksFor(n: number, summarise: boolean): (number | null)[] {
  const picks: (number | null)[] = [];
  if (summarise && n > 2 * EDGE_ITEMS) {
    for (let i = 0; i < EDGE_ITEMS; i++) picks.push(i);
    picks.push(null);
    for (let i = n - EDGE_ITEMS; i < n; i++) picks.push(i);
  } else {
    for (let i = 0; i < n; i++) picks.push(i);
  }
  return picks;
}

function collectShown(data: TypedArray, shape: readonly number[]): number[] {
  const out: number[] = [];
  const walk = (axis: number, offset: number): void => {
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    for (const i of picksFor(shape[axis]!, true)) {
      if (i === null) continue;
      if (axis === shape.length - 1) out.push(data[offset + i]!);
      else walk(axis + 1, offset + i * stride);
    }
  };
  walk(0, 0);
  return out;
}

/** A 0-d array prints as NumPy prints the scalar itself: `1.0`, `1e-05`, `7`, `True`. */
function formatScalar(v: number, dtype: DType): string {
  if (dtype === 'bool') return v ? 'True' : 'False';
  if (dtype === 'int32' || dtype === 'uint8') return String(v);
  if (!Number.isFinite(v)) return nonFinite(v);
  const single = dtype === 'float32';
  const a = Math.abs(v);
  // NumPy switches float32 scalars to exponent notation from 1e6, float64 from 1e16.
  const positional = v === 0 || (a >= 1e-4 && a < (single ? 1e6 : 1e16));
  const d = shortestDigits(v, single);
  if (positional) {
    const s = withSign(v, Number(v.toPrecision(d)).toFixed(fractionDigits(v, single)));
    return s.includes('.') ? s : `${s}.0`;
  }
  const [m, e] = Number(v.toPrecision(d))
    .toExponential(d - 1)
    .split('e') as [string, string];
  return `${m}e${e.startsWith('-') ? '-' : '+'}${e.replace(/^[-+]/, '').padStart(2, '0')}`;
}

function makeFormatter(shown: readonly number[], dtype: DType): (v: number) => string {
  if (dtype === 'bool') {
    // Non-scalar bool arrays always use width 5 (' True' / 'False').
    return (v) => (v ? ' True' : 'False');
  }
  if (dtype === 'int32' || dtype === 'uint8') {
    let w = 1;
    for (const v of shown) w = Math.max(w, String(v).length);
    return (v) => String(v).padStart(w);
  }
  const single = dtype === 'float32';
  // NumPy compares in the array's own precision (float32 arrays against float32 thresholds).
  const cast = single ? Math.fround : (x: number): number => x;
  const finite = shown.filter((v) => Number.isFinite(v));
  let maxAbs = 0;
  let minAbs = Infinity;
  for (const v of finite) {
    const a = Math.abs(v);
    if (a === 0) continue;
    if (a > maxAbs) maxAbs = a;
    if (a < minAbs) minAbs = a;
  }
  // NumPy 2.3+: the upper cutoff is 10**min(8, finfo.precision), i.e. 1e6 for float32.
  const scientific =
    minAbs !== Infinity && (maxAbs >= (single ? 1e6 : 1e8) || minAbs < cast(1e-4) || cast(maxAbs / minAbs) > 1000);
  const negInf = shown.some((v) => v === -Infinity);
  let padLeft = 0;
  let padRight = 0;
  let format: (v: number) => string;
  if (scientific) {
    // Each value's shortest form (at most 8 digits after the point); all share the longest mantissa.
    const short = finite.map((v) => sciShort(v, single));
    let precision = 0;
    let expSize = 2; // exponents share one digit count, at least 2: [1.e-005 1.e+100]
    for (const [m, e] of short) {
      precision = Math.max(precision, m.length - m.indexOf('.') - 1);
      expSize = Math.max(expSize, e.length - 1);
      padLeft = Math.max(padLeft, m.indexOf('.'));
    }
    padRight = expSize + 2 + precision;
    // Digits past a value's shortest form are its exact digits (dragon4's min_digits), not zeros:
    // float32 1e-5 next to 1.2345678e-03 prints as 9.9999997e-06.
    format = (v) => {
      const [mant, e] = withSign(v, toExponentialEven(v, precision)).split('e') as [string, string];
      const m = precision === 0 ? `${mant}.` : mant;
      const exp = `e${e.startsWith('-') ? '-' : '+'}${e.replace(/^[-+]/, '').padStart(expSize, '0')}`;
      return m.padStart(padLeft + 1 + precision) + exp;
    };
  } else {
    for (const v of finite) {
      const [ip, fp] = positionalShort(v, single);
      padLeft = Math.max(padLeft, ip.length - 1);
      padRight = Math.max(padRight, fp.length);
    }
    format = (v) => {
      const [ip, fp] = positionalShort(v, single);
      return ip.padStart(padLeft + 1) + fp.padEnd(padRight);
    };
  }
  if (finite.length !== shown.length) {
    // Room for 'nan', 'inf' and '-inf', right-aligned in the same width as the numbers.
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, 3 - offset, 3 + (negInf ? 1 : 0) - offset);
  }
  const width = padLeft + padRight + 1;
  return (v) => (Number.isFinite(v) ? format(v) : nonFinite(v).padStart(width));
}

function nonFinite(v: number): string {
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}

function withSign(v: number, s: string): string {
  return Object.is(v, -0) && !s.startsWith('-') ? `-${s}` : s;
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

/**
 * NumPy's positional form: the shortest digits that identify v, or v rounded to 8 decimals
 * (ties to even) with trailing zeros dropped, split after the point: ['-1.', '25'].
 */
function positionalShort(v: number, single: boolean): [string, string] {
  const fd = fractionDigits(v, single);
  let s = fd <= PRECISION ? Number(v.toPrecision(shortestDigits(v, single))).toFixed(fd) : toFixedEven(v, PRECISION);
  s = withSign(v, s);
  const dot = s.indexOf('.');
  if (dot < 0) return [`${s}.`, ''];
  return [s.slice(0, dot + 1), s.slice(dot + 1).replace(/0+$/, '')];
}

/** NumPy's exponent form before padding: mantissa with a point ('1.', '-2.5') and exponent ('-5', '+12'). */
function sciShort(v: number, single: boolean): [string, string] {
  const d = shortestDigits(v, single);
  const s = d - 1 <= PRECISION ? Number(v.toPrecision(d)).toExponential(d - 1) : toExponentialEven(v, PRECISION);
  const [mant, e] = withSign(v, s).split('e') as [string, string];
  const m = (mant.includes('.') ? mant : `${mant}.`).replace(/(\.\d*?)0+$/, '$1');
  return [m, e.startsWith('-') ? e : `+${e.replace('+', '')}`];
}

/** True when the digits cut off are exactly one half (5 then zeros): JS rounds those up, NumPy to even. */
function isTieToOdd(kept: string, cut: string): boolean {
  return /^50*$/.test(cut) && Number(kept[kept.length - 1]) % 2 === 0;
}

function toFixedEven(v: number, decimals: number): string {
  const long = v.toFixed(Math.min(100, decimals + 30));
  const dot = long.indexOf('.');
  const kept = long.slice(0, dot + 1 + decimals);
  return isTieToOdd(kept.replace('.', ''), long.slice(dot + 1 + decimals))
    ? kept.replace(/\.$/, '')
    : v.toFixed(decimals);
}

function toExponentialEven(v: number, frac: number): string {
  const [lm, le] = v.toExponential(Math.min(100, frac + 30)).split('e') as [string, string];
  const dot = lm.indexOf('.');
  const kept = lm.slice(0, dot + 1 + frac);
  return isTieToOdd(kept.replace('.', ''), lm.slice(dot + 1 + frac))
    ? `${kept.replace(/\.$/, '')}e${le}`
    : v.toExponential(frac);
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
  const picks = picksFor(n, summarise);
  if (axis === shape.length - 1) {
    const items = picks.map((i) => (i === null ? '...' : fmt(data[offset + i]!)));
    // Wrap long rows as NumPy does: each nesting level takes one column off the line width
    // (for the closing ']'), and the line is measured with its hanging indent.
    const limit = LINE_WIDTH - shape.length;
    const lines: string[] = [];
    let line = '';
    for (const item of items) {
      const next = line === '' ? item : `${line} ${item}`;
      if (line !== '' && indent.length + line.length + 1 + item.length > limit) {
        lines.push(line.trimEnd()); // NumPy strips the padding before a line break
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
