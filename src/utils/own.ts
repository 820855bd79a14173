/**
 * Name lookups for tables keyed by identifiers that may come from data (a model file, a config,
 * user strings): only the table's own entries count, never names every object inherits
 * (`constructor`, `toString`, `hasOwnProperty`, `__proto__`, ...).
 */
export function ownEntry<V>(table: Readonly<Record<string, V>>, key: unknown): V | undefined {
  if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(table, key)) return undefined;
  return table[key];
}

/** Whether `key` is an own property of `obj` (for objects read from files, e.g. attributes). */
export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}
