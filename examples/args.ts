import { mixedPrecision, setBackend, setRandomSeed } from '../src/index.js';

/** Tiny `--name value` / `--flag` parser shared by the examples and benchmarks. */
export function parseArgs(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`Unexpected argument '${a}'. Options look like --epochs 5.`);
    const [key, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (inline !== undefined) out.set(key, inline);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) out.set(key, argv[++i]!);
    else out.set(key, 'true');
  }
  return out;
}

export function intArg(args: Map<string, string>, name: string, fallback: number): number {
  const v = args.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${v}'.`);
  return n;
}

export interface ExampleOptions {
  args: Map<string, string>;
  epochs: number;
  verbose: 0 | 1 | 2;
}

/**
 * The options every lecture example takes: `--backend js|native`, `--seed` (default 0),
 * `--policy float32|mixed_bfloat16` (the global dtype policy, set before any layer is made),
 * `--epochs` and `--verbose` (defaults given per example).
 */
export function exampleOptions(defaults: { epochs: number; verbose: 0 | 1 | 2 }): ExampleOptions {
  const args = parseArgs();
  if (args.has('backend')) setBackend(args.get('backend')!);
  setRandomSeed(intArg(args, 'seed', 0));
  if (args.has('policy')) mixedPrecision.setGlobalPolicy(args.get('policy')!);
  return {
    args,
    epochs: intArg(args, 'epochs', defaults.epochs),
    verbose: intArg(args, 'verbose', defaults.verbose) as 0 | 1 | 2,
  };
}
