/** How Keras's random image layers read a `factor`: a number f (a range around zero) or a [lower, upper] pair. */

export type Factor = number | readonly [number, number];

/**
 * The base image layer's rule (RandomRotation, RandomContrast): a number f gives
 * [max(-|f|, bounds[0]), |f|], a pair is sorted; values outside the bounds are refused.
 */
export function boundedFactor(where: string, factor: unknown, bounds: readonly [number, number]): [number, number] {
  const bad = (): Error =>
    new Error(
      `${where}: factor must be a number (or a list of two numbers) in [${bounds[0]}, ${bounds[1]}], got ${JSON.stringify(factor)}.`,
    );
  if (Array.isArray(factor)) {
    if (factor.length !== 2 || !factor.every((f) => typeof f === 'number' && Number.isFinite(f))) throw bad();
    const [a, b] = factor as [number, number];
    if (a > bounds[1] || b < bounds[0]) throw bad();
    return a <= b ? [a, b] : [b, a];
  }
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < bounds[0] || factor > bounds[1]) throw bad();
  const f = Math.abs(factor);
  return [Math.max(-f, bounds[0]), f];
}

/**
 * RandomTranslation's and RandomZoom's rule for height_factor / width_factor: a number f gives
 * [-|f|, |f|], a pair is sorted; each value must be in [-1, 1] (RandomZoom: in (-1, 1]).
 */
export function symmetricFactor(where: string, what: string, factor: unknown, openBelow: boolean): [number, number] {
  const inRange = (v: unknown): v is number =>
    typeof v === 'number' && Number.isFinite(v) && v <= 1 && (openBelow ? v > -1 : v >= -1);
  const range = openBelow ? '(-1, 1]' : '[-1, 1]';
  const bad = (): Error =>
    new Error(
      `${where}: ${what} must be a number or a list of two numbers, each in ${range}, got ${JSON.stringify(factor)}.`,
    );
  if (Array.isArray(factor)) {
    if (factor.length !== 2 || !factor.every(inRange)) throw bad();
    const [a, b] = factor as [number, number];
    return a <= b ? [a, b] : [b, a];
  }
  if (!inRange(factor)) throw bad();
  const f = Math.abs(factor);
  return [-f, f];
}

/** A factor as Keras writes it in a config (a pair as a list). */
export function factorConfig(f: Factor | null): unknown {
  return Array.isArray(f) ? [...(f as readonly number[])] : f;
}
