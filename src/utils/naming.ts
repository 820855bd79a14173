/** Keras's default layer names: the class name in snake_case, then `_1`, `_2`, ... on reuse. */
const counters = new Map<string, number>();

export function toSnakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export function uniqueName(base: string): string {
  const n = counters.get(base) ?? 0;
  counters.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Resets default names (Keras's `clear_session`). */
export function clearSession(): void {
  counters.clear();
}
