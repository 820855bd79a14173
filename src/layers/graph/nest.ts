/**
 * Layers and models take and return one value, an array of values or a record of values by
 * name (Keras's "structures"). These helpers walk such a structure without caring what the leaves
 * are; `isLeaf` says what counts as a leaf (a tensor, a symbolic tensor, a shape).
 */
export type Nested<T> = T | readonly Nested<T>[] | { readonly [key: string]: Nested<T> };

export function flattenNested<T>(value: Nested<T>, isLeaf: (v: unknown) => v is T): T[] {
  const out: T[] = [];
  const walk = (v: unknown): void => {
    if (isLeaf(v)) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isPlainRecord(v)) Object.keys(v).forEach((k) => walk(v[k]));
  };
  walk(value);
  return out;
}

/** The same structure with every leaf replaced by `fn(leaf)`; other values are kept as they are. */
export function mapNested<T, U>(value: Nested<T>, isLeaf: (v: unknown) => v is T, fn: (leaf: T) => U): Nested<U> {
  const walk = (v: unknown): unknown => {
    if (isLeaf(v)) return fn(v);
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) out[k] = walk(v[k]);
      return out;
    }
    return v;
  };
  return walk(value) as Nested<U>;
}

/** Rebuilds `structure` with its leaves taken in order from `leaves` (the inverse of flatten). */
export function packLike<T, U>(structure: Nested<T>, isLeaf: (v: unknown) => v is T, leaves: readonly U[]): Nested<U> {
  let i = 0;
  const out = mapNested(structure, isLeaf, () => leaves[i++]!);
  if (i !== leaves.length) throw new Error(`packLike: the structure has ${i} leaves, got ${leaves.length} values.`);
  return out;
}

/** A plain `{...}` object (not an array, a class instance or null). */
export function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
