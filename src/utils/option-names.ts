/**
 * Refusing unknown option keys, as Keras refuses unknown keyword arguments: a misspelled key
 * (`activaton`) is an error naming the nearest valid key, never silently ignored.
 */

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The valid name closest to `name` (case-insensitive edit distance). */
export function nearestName(name: string, valid: readonly string[]): string {
  let best = valid[0] ?? '';
  let bestD = Infinity;
  for (const v of valid) {
    const d = editDistance(name.toLowerCase(), v.toLowerCase());
    if (d < bestD) [best, bestD] = [v, d];
  }
  return best;
}

const camel = (snake: string): string => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The keys of an options interface, as a list the compiler proves complete: `optionNames<DenseArgs>()([...])`
 * fails to compile when a key of DenseArgs is missing from the list (or the list names a key it lacks).
 */
export function optionNames<T extends object>() {
  return <const K extends readonly (keyof T & string)[]>(
    names: K &
      (Exclude<keyof T & string, K[number]> extends never
        ? unknown
        : { missing: Exclude<keyof T & string, K[number]> }),
  ): readonly string[] => names;
}

/**
 * Throws when `options` has a key outside `valid`: Keras's snake_case spelling of a valid key
 * names the camelCase one; `unsupported` maps Keras keys we refuse to a reason (or to our own
 * name for it); anything else names the nearest valid key. Keys whose value is undefined count
 * as given (a typo with an undefined value is still a typo).
 */
export function checkOptionNames(
  where: string,
  options: object | null | undefined,
  valid: readonly string[],
  unsupported: Readonly<Record<string, string>> = {},
): void {
  if (options === null || options === undefined) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(
      `${where}: options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    if (Object.prototype.hasOwnProperty.call(unsupported, key)) {
      const ours = unsupported[key]!;
      throw new Error(
        valid.includes(ours)
          ? `${where}: \`${key}\` is Keras's Python spelling; use \`${ours}\`.`
          : `${where}: Keras's \`${key}\` option is not supported${ours ? ` (${ours})` : ''}.`,
      );
    }
    if (key.includes('_') && valid.includes(camel(key))) {
      throw new Error(`${where}: \`${key}\` is Keras's Python spelling; use \`${camel(key)}\`.`);
    }
    throw new Error(
      `${where}: unknown option \`${key}\`; did you mean \`${nearestName(key, valid)}\`? ` +
        `(valid: ${valid.join(', ')})`,
    );
  }
}

/** How a string identifier is compared: case and underscores aside, so `glorotUniform`, `GlorotUniform` and `glorot_uniform` are one name. */
export const identifierKey = (name: string): string => name.replace(/_/g, '').toLowerCase();

/**
 * Finds the entry of `valid` that `name` spells in snake_case, camelCase or PascalCase (Keras's
 * `'glorot_uniform'`, TF.js's `'glorotUniform'`, the class name `'GlorotUniform'`); throws for
 * anything else, naming the nearest valid name. `what` says what kind of name it is
 * (`initializer`, `activation`...).
 */
export function resolveName(what: string, name: string, valid: readonly string[]): string {
  if (valid.includes(name)) return name;
  const key = identifierKey(name);
  const found = valid.find((v) => identifierKey(v) === key);
  if (found !== undefined) return found;
  throw new Error(
    `Unknown ${what} '${name}'; did you mean '${nearestName(name, valid)}'? (valid: ${valid.join(', ')})`,
  );
}
