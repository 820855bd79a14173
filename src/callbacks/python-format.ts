/**
 * Python's `str.format` for the fields Keras checkpoint names use: `{epoch:02d}`,
 * `{val_loss:.4f}`, `{acc:.2%}`, `{loss:e}`, plain `{epoch}`; `{{` and `}}` are literal braces.
 */
export function pythonFormat(template: string, values: Record<string, number>): string {
  return template.replace(
    /\{\{|\}\}|\{([^{}:!]*)(?::([^{}]*))?\}/g,
    (match, key: string | undefined, spec: string | undefined) => {
      if (match === '{{') return '{';
      if (match === '}}') return '}';
      const name = key ?? '';
      if (!(name in values)) {
        throw new Error(
          `Cannot fill '${match}' in '${template}': no value named '${name}' (available: ${Object.keys(values).join(', ')}).`,
        );
      }
      return formatNumber(values[name]!, spec ?? '');
    },
  );
}

/** One value under a Python format spec: `[[fill]align][sign][0][width][,][.precision][type]`. */
export function formatNumber(value: number, spec: string): string {
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(0)?(\d+)?(,)?(?:\.(\d+))?([bdeEfFgGn%xXo])?$/.exec(spec);
  if (!m) throw new Error(`Unsupported format spec ':${spec}'.`);
  const [, fillChar, align, sign, zero, widthStr, comma, precStr, type] = m;
  const precision = precStr === undefined ? undefined : Number(precStr);
  let body: string;
  const abs = Math.abs(value);
  switch (type) {
    case 'd':
    case 'n':
      if (!Number.isInteger(value)) throw new Error(`Format ':${spec}' needs an integer, got ${value}.`);
      body = String(abs);
      break;
    case 'f':
    case 'F':
      body = fixedOrSpecial(abs, precision ?? 6);
      break;
    case 'e':
    case 'E':
      body = Number.isFinite(abs) ? exponential(abs, precision ?? 6) : special(abs);
      break;
    case '%':
      body = `${fixedOrSpecial(abs * 100, precision ?? 6)}%`;
      break;
    case 'g':
    case 'G':
      body = general(abs, precision ?? 6, false);
      break;
    case undefined:
      // Python's str() of an int or a float.
      body = precision === undefined ? pythonRepr(abs) : general(abs, precision, true);
      break;
    default:
      throw new Error(`Unsupported format type '${type}' in ':${spec}'.`);
  }
  if (type === 'E' || type === 'G' || type === 'F') body = body.toUpperCase();
  if (comma) body = body.replace(/^(\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  const negative = value < 0 || Object.is(value, -0);
  const signStr = negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  const width = widthStr === undefined ? 0 : Number(widthStr);
  if (zero && !align) return signStr + body.padStart(Math.max(0, width - signStr.length), '0');
  const text = signStr + body;
  const pad = Math.max(0, width - text.length);
  const fill = fillChar ?? ' ';
  const defaultRight = type !== undefined || typeof value === 'number';
  const how = align ?? (defaultRight ? '>' : '<');
  if (how === '<') return text + fill.repeat(pad);
  if (how === '^') return fill.repeat(Math.floor(pad / 2)) + text + fill.repeat(Math.ceil(pad / 2));
  if (how === '=') return signStr + fill.repeat(pad) + body;
  return fill.repeat(pad) + text;
}

function special(abs: number): string {
  return Number.isNaN(abs) ? 'nan' : 'inf';
}

function fixedOrSpecial(abs: number, precision: number): string {
  return Number.isFinite(abs) ? abs.toFixed(precision) : special(abs);
}

/** Python writes at least two exponent digits: 1.5e-05, not 1.5e-5. */
function exponential(abs: number, precision: number): string {
  return abs.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2');
}

function general(abs: number, precision: number, keepPoint: boolean): string {
  if (!Number.isFinite(abs)) return special(abs);
  const p = precision === 0 ? 1 : precision;
  if (abs === 0) return keepPoint ? '0.0' : '0';
  const exp = Math.floor(Math.log10(Number(abs.toExponential(p - 1))));
  let s = exp < -4 || exp >= p ? exponential(abs, p - 1) : abs.toFixed(Math.max(0, p - 1 - exp));
  // Python's 'g' drops trailing zeros.
  s = s.replace(/\.?0+(e|$)/, '$1');
  if (keepPoint && !/[.e]/.test(s)) s += '.0';
  return s;
}

/** Python's repr of a number: integers as `12`, floats shortest round-trip with Python's exponent rules. */
export function pythonRepr(abs: number): string {
  if (!Number.isFinite(abs)) return special(abs);
  if (Number.isInteger(abs) && abs < 1e16) return String(abs);
  const exp = abs === 0 ? 0 : Math.floor(Math.log10(abs));
  if (exp < -4 || exp >= 16) {
    return abs.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  const s = String(abs);
  return s.includes('e') ? abs.toFixed(20).replace(/0+$/, '') : s;
}
