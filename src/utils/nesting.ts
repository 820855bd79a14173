/** Deepest nesting of arrays and objects a config may have (Keras's deepest are about 10 levels). */
export const MAX_CONFIG_DEPTH = 200;

/**
 * Checks, without recursion, that `value` nests no deeper than `max` levels. Configs read from
 * files are walked recursively afterwards (and printed in error messages with JSON.stringify), so
 * a hostile million-level config must be refused here rather than overflow the stack there.
 * Returns an error message, or null when the value is fine.
 */
export function nestingProblem(value: unknown, what: string, max = MAX_CONFIG_DEPTH): string | null {
  const stack: [unknown, number][] = [[value, 1]];
  let seen = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return `${what} nests deeper than ${max} levels of arrays and objects.`;
    if (++seen > 10_000_000) return `${what} has more than 10 million arrays and objects.`;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) stack.push([child, depth + 1]);
  }
  return null;
}
