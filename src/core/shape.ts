/** Shape arithmetic shared by tensors, ops and layers. */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeToString(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major strides of a contiguous tensor. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** NumPy broadcasting of two shapes; throws naming both shapes when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`Shapes ${shapeToString(a)} and ${shapeToString(b)} cannot be broadcast together.`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalizes a possibly negative axis against a rank, with a clear error when out of range. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new Error(`Axis ${axis} is out of range for a tensor of rank ${rank}.`);
  }
  return a;
}

export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(a, rank)))].sort((x, y) => x - y);
  return out;
}

/** Resolves a single -1 in a reshape target against the total size. */
export function inferReshape(size: number, target: readonly number[]): number[] {
  const out = [...target];
  const unknown = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1) {
    throw new Error(`reshape: only one dimension can be -1, got ${shapeToString(target)}.`);
  }
  if (unknown >= 0) {
    const known = out.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
    if (known === 0 || size % known !== 0) {
      throw new Error(`reshape: cannot reshape ${size} elements into ${shapeToString(target)}.`);
    }
    out[unknown] = size / known;
  }
  if (out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: invalid target shape ${shapeToString(target)}.`);
  }
  if (sizeOf(out) !== size) {
    throw new Error(`reshape: cannot reshape ${size} elements into ${shapeToString(target)}.`);
  }
  return out;
}
