import { normalizeAxes, shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { astype } from './cast.js';
import { pow, sub } from './binary.js';
import { matmul } from './matmul.js';
import { max, mean, min, sum } from './reduce.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';
import { abs, sqrt, square } from './unary.js';
import { notEqual } from './binary.js';
import { checkOptionNames } from '../utils/option-names.js';

export type NormOrd = number | 'fro' | 'nuc' | null;

export interface NormOptions {
  /** Order of the norm (np.linalg.norm's `ord`): a number, Infinity, -Infinity, 'fro', or null. */
  ord?: NormOrd;
  /** One axis (vector norm), two axes (matrix norm), or null (all of x: vector; matrix if 2-D with an ord). */
  axis?: number | readonly number[] | null;
  keepdims?: boolean;
}

const NORM_OPTIONS = ['ord', 'axis', 'keepdims'];

function floatOf(x: Tensor): Tensor {
  return x.dtype === 'float32' || x.dtype === 'float64' ? x : astype(x, 'float32');
}

/**
 * Vector and matrix norms as keras.ops.norm / np.linalg.norm. Vector: ord null or 2 (Euclidean),
 * 1, Infinity, -Infinity, 0 (count of nonzeros), any other p: sum(|x|^p)^(1/p). Matrix (two axes):
 * 'fro' (default), 1, -1, Infinity, -Infinity; 'nuc', 2 and -2 need singular values and are refused.
 */
export function norm(x: Tensor, options: NormOptions = {}): Tensor {
  checkOptionNames('norm', options, NORM_OPTIONS);
  const ord = options.ord ?? null;
  const keep = options.keepdims ?? false;
  const xf = floatOf(x);
  let axes: number[];
  if (options.axis === null || options.axis === undefined) {
    if (ord === null) {
      const n = sqrt(sum(square(xf)));
      return keep
        ? reshape(
            n,
            x.shape.map(() => 1),
          )
        : n;
    }
    if (x.rank !== 1 && x.rank !== 2)
      throw new Error(
        `norm: with ord ${String(ord)} and no axis, x must be 1-D or 2-D; got shape ${shapeToString(x.shape)}.`,
      );
    axes = x.shape.map((_, i) => i);
  } else {
    axes = normalizeAxes(options.axis, x.rank);
  }
  if (axes.length === 1) return vectorNorm(xf, ord, axes[0]!, keep);
  if (axes.length === 2) return matrixNorm(xf, ord, axes as [number, number], keep);
  throw new Error(`norm: axis must name one or two axes; got ${JSON.stringify(options.axis)}.`);
}

function vectorNorm(x: Tensor, ord: NormOrd, axis: number, keep: boolean): Tensor {
  if (ord === null || ord === 2) return sqrt(sum(square(x), axis, keep));
  if (typeof ord === 'string') throw new Error(`norm: ord '${ord}' is a matrix norm; a vector norm takes a number.`);
  if (ord === Infinity) return max(abs(x), axis, keep);
  if (ord === -Infinity) return min(abs(x), axis, keep);
  if (ord === 0) return sum(astype(notEqual(x, 0), x.dtype), axis, keep);
  if (ord === 1) return sum(abs(x), axis, keep);
  return pow(sum(pow(abs(x), ord), axis, keep), 1 / ord);
}

function matrixNorm(x: Tensor, ord: NormOrd, [r, c]: [number, number], keep: boolean): Tensor {
  if (r === c) throw new Error(`norm: the two axes of a matrix norm must differ; got ${r} twice.`);
  const o = ord ?? 'fro';
  let out: Tensor;
  if (o === 'fro') out = sqrt(sum(square(x), [r, c], true));
  else if (o === 1 || o === -1) {
    const colSums = sum(abs(x), r, true);
    out = o === 1 ? max(colSums, c, true) : min(colSums, c, true);
  } else if (o === Infinity || o === -Infinity) {
    const rowSums = sum(abs(x), c, true);
    out = o === Infinity ? max(rowSums, r, true) : min(rowSums, r, true);
  } else {
    throw new Error(
      `norm: matrix norm ord ${String(o)} is not supported (it needs singular values); use 'fro', 1, -1, Infinity or -Infinity.`,
    );
  }
  return keep
    ? out
    : reshape(
        out,
        x.shape.filter((_, i) => i !== r && i !== c),
      );
}

/** Mean and variance over `axes` (all axes when omitted), as keras.ops.moments / tf.nn.moments. */
export function moments(
  x: Tensor,
  axes?: number | readonly number[],
  keepdims = false,
): { mean: Tensor; variance: Tensor } {
  const ax = normalizeAxes(axes, x.rank);
  const xf = floatOf(x);
  const m = mean(xf, ax, true);
  // Two passes (mean of squared deviations): never negative, unlike E[x^2] - E[x]^2.
  const v = mean(square(sub(xf, m)), ax, keepdims);
  return { mean: keepdims ? m : reshape(m, v.shape), variance: v };
}

// ---- einsum -------------------------------------------------------------------------------------

function parseTerm(term: string, what: string, subscripts: string): string[] {
  if (term.includes('.'))
    throw new Error(`einsum: ellipsis ('...') in '${subscripts}' is not supported; name every axis with a letter.`);
  const letters = [...term];
  for (const l of letters)
    if (!/^[a-zA-Z]$/.test(l)) throw new Error(`einsum: '${l}' in ${what} of '${subscripts}' is not an axis letter.`);
  if (new Set(letters).size !== letters.length)
    throw new Error(
      `einsum: ${what} '${term}' repeats a letter (a diagonal or trace); only distinct letters per operand are supported.`,
    );
  return letters;
}

/**
 * Einstein summation for one or two operands, as keras.ops.einsum / np.einsum: 'ij,jk->ik',
 * batched 'bij,bjk->bik', outer 'i,j->ij', dot 'i,i->', transposes 'ij->ji', sums 'ij->i', and the
 * implicit form without '->' (output: letters used once, alphabetical). Two operands become one
 * batched matmul after transposes and reshapes, so everything is differentiable. Refused with an
 * error: more than two operands, ellipsis, and a letter repeated within one operand.
 */
export function einsum(subscripts: string, ...operands: Tensor[]): Tensor {
  const spec = subscripts.replace(/\s+/g, '');
  const [lhs, rhs] = spec.includes('->') ? (spec.split('->') as [string, string]) : [spec, null];
  const terms = lhs.split(',');
  if (terms.length !== operands.length)
    throw new Error(`einsum: '${subscripts}' names ${terms.length} operands but ${operands.length} were given.`);
  if (terms.length > 2)
    throw new Error(`einsum: ${terms.length} operands are not supported; chain two-operand einsums instead.`);
  const ins = terms.map((t, i) => parseTerm(t, `operand ${i}`, subscripts));
  ins.forEach((letters, i) => {
    if (letters.length !== operands[i]!.rank)
      throw new Error(
        `einsum: operand ${i} has shape ${shapeToString(operands[i]!.shape)} but '${terms[i]}' names ${letters.length} axes.`,
      );
  });
  const size = new Map<string, number>();
  ins.forEach((letters, i) =>
    letters.forEach((l, j) => {
      const d = operands[i]!.shape[j]!;
      const seen = size.get(l);
      if (seen !== undefined && seen !== d)
        throw new Error(`einsum: axis '${l}' has size ${seen} in one operand and ${d} in another ('${subscripts}').`);
      size.set(l, d);
    }),
  );
  let out: string[];
  if (rhs === null) {
    const count = new Map<string, number>();
    for (const l of ins.flat()) count.set(l, (count.get(l) ?? 0) + 1);
    out = [...count.keys()].filter((l) => count.get(l) === 1).sort();
  } else {
    out = parseTerm(rhs, 'the output', subscripts);
    for (const l of out)
      if (!size.has(l)) throw new Error(`einsum: output axis '${l}' of '${subscripts}' appears in no operand.`);
  }
  // Sum out the letters that appear in just one operand and not in the output.
  const reduced = operands.map((t, i) => {
    const others = ins.filter((_, j) => j !== i).flat();
    const drop = ins[i]!.map((l, j) => (!out.includes(l) && !others.includes(l) ? j : -1)).filter((j) => j >= 0);
    const letters = ins[i]!.filter((_, j) => !drop.includes(j));
    return { t: drop.length ? sum(t, drop) : t, letters };
  });
  if (reduced.length === 1) {
    const { t, letters } = reduced[0]!;
    return letters.length === 0
      ? t
      : transpose(
          t,
          out.map((l) => letters.indexOf(l)),
        );
  }
  const [A, B] = reduced as [(typeof reduced)[0], (typeof reduced)[0]];
  const batch = A.letters.filter((l) => B.letters.includes(l) && out.includes(l));
  const contract = A.letters.filter((l) => B.letters.includes(l) && !out.includes(l));
  const aFree = A.letters.filter((l) => !B.letters.includes(l));
  const bFree = B.letters.filter((l) => !A.letters.includes(l));
  const dims = (ls: string[]): number => ls.reduce((p, l) => p * size.get(l)!, 1);
  const a3 = reshape(
    transpose(
      A.t,
      [...batch, ...aFree, ...contract].map((l) => A.letters.indexOf(l)),
    ),
    [dims(batch), dims(aFree), dims(contract)],
  );
  const b3 = reshape(
    transpose(
      B.t,
      [...batch, ...contract, ...bFree].map((l) => B.letters.indexOf(l)),
    ),
    [dims(batch), dims(contract), dims(bFree)],
  );
  const prodLetters = [...batch, ...aFree, ...bFree];
  const prod = reshape(
    matmul(a3, b3),
    prodLetters.map((l) => size.get(l)!),
  );
  return prodLetters.length === 0
    ? reshape(prod, [])
    : transpose(
        prod,
        out.map((l) => prodLetters.indexOf(l)),
      );
}
