// Parity of the native fused recurrent kernels (rnnForward / rnnBackward) with the reference 'js'
// kernels on random inputs: every cell, several activations, odd sizes (units not a multiple of
// 16, batch 1, batches odd or smaller than the thread count, one timestep, an empty batch), with
// and without recurrent mask / bias, 1 and 2 threads. Outputs start as NaN, so an element a kernel
// leaves unwritten fails the comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, RecurrentActivation, RecurrentCell, RecurrentParams } from '../src/backend/backend.js';
import { RECURRENT_CELLS, recurrentCachePlanes, recurrentGates } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { getNumThreads, nativeAddon, setNumThreads } from '../src/backend/native/index.js';
import type { FloatArray } from '../src/core/dtype.js';
import { nativeBackend, rng } from './helpers/native.js';

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

function random(C: FloatCtor, n: number, next: () => number, scale: number): FloatArray {
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = (next() - 0.5) * 2 * scale;
  return a;
}

/**
 * max |a - e| <= tol * max(|e|, 1e-3): float32 kernels sum GEMM terms in another order, so a
 * per-array relative error is the meaningful measure (an entry near 0 can differ by a rounding).
 */
function assertClose(actual: FloatArray, expected: FloatArray, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let maxErr = 0;
  let maxAbs = 1e-3;
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Number.isFinite(actual[i]!), `${what}[${i}]: native gave ${actual[i]}`);
    maxErr = Math.max(maxErr, Math.abs(actual[i]! - expected[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(expected[i]!));
  }
  assert.ok(maxErr <= tol * maxAbs, `${what}: max error ${maxErr} vs max |value| ${maxAbs}`);
}

interface Case {
  cell: RecurrentCell;
  batch: number;
  time: number;
  units: number;
  activation: RecurrentActivation;
  recurrentActivation: RecurrentActivation;
  mask: boolean;
  stepMask: boolean;
}

function runBoth(be: Backend, c: Case, C: FloatCtor, seed: number) {
  const next = rng(seed);
  const p: RecurrentParams = { ...c };
  const gu = recurrentGates(c.cell) * c.units;
  const n = c.batch * c.time;
  const projected = random(C, n * gu, next, 1.5);
  // Scaled like an orthogonal init (spectral radius near 1): an expanding recurrence is chaotic, and
  // float32 runs that differ by a rounding then diverge for reasons unrelated to the kernels.
  const kernel = random(C, c.units * gu, next, 1.5 / Math.sqrt(c.units));
  const bias = c.cell === 'gru' ? random(C, gu, next, 0.5) : null;
  const mask = c.mask ? random(C, c.batch * c.units, next, 1) : null;
  // Roughly a third of the steps masked, including some first steps.
  let stepMask: FloatArray | null = null;
  if (c.stepMask) {
    stepMask = new C(n);
    for (let i = 0; i < n; i++) stepMask[i] = next() < 0.35 ? 0 : 1;
  }
  const dHseq = random(C, n * c.units, next, 1);
  const dhLast = random(C, c.batch * c.units, next, 1);
  const dcLast = c.cell === 'lstm' ? random(C, c.batch * c.units, next, 1) : null;
  // Outputs start as NaN: the kernels must write every element (ops hand them unzeroed pooled arrays).
  const hseq = new C(n * c.units).fill(NaN);
  const cache = new C(recurrentCachePlanes(c.cell) * n * c.units).fill(NaN);
  be.rnnForward(projected, kernel, bias, mask, stepMask, p, hseq, cache);
  // Two backward calls: all output gradients at once, and only the final-state ones.
  const grads = (withSeq: boolean) => {
    const dProjected = new C(n * gu).fill(NaN);
    const dKernel = new C(c.units * gu).fill(NaN);
    const dBias = bias ? new C(gu).fill(NaN) : null;
    be.rnnBackward(
      kernel,
      mask,
      stepMask,
      cache,
      withSeq ? dHseq : null,
      dhLast,
      dcLast,
      p,
      dProjected,
      dKernel,
      dBias,
    );
    return { dProjected, dKernel, dBias };
  };
  return { hseq, cache, all: grads(true), last: grads(false) };
}

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [1, 6, 5],
  [3, 1, 17],
  [4, 7, 19],
  [9, 12, 33],
  // Rows split between threads once per sequence: an odd batch, and one that spans several
  // 12-row GEMM panels per thread with a ragged edge.
  [5, 4, 7],
  [27, 5, 13],
  // An empty batch: no steps run, yet the weight gradients must still be written (as zeros).
  [0, 3, 5],
];
const ACTS: [RecurrentActivation, RecurrentActivation][] = [
  ['tanh', 'sigmoid'],
  ['relu', 'sigmoid'],
  ['linear', 'sigmoid'],
  ['tanh', 'tanh'],
];

test('native rnnForward / rnnBackward match the js kernels', () => {
  const native = nativeBackend();
  const threadsBefore = getNumThreads();
  const addon = nativeAddon()!;
  // The gate loops are built for the CPU's SIMD family and for the baseline (chosen with the GEMM's
  // family): both on 2 threads, the CPU's also on 1.
  const runs: [string, number][] = [
    [addon.cpuIsa(), 1],
    [addon.cpuIsa(), 2],
    ['generic', 2],
  ];
  let seed = 1;
  try {
    for (const [isa, threads] of runs) {
      addon.setGemmIsa(isa);
      setNumThreads(threads);
      for (const cell of RECURRENT_CELLS)
        for (const [batch, time, units] of SIZES)
          for (const [activation, recurrentActivation] of ACTS)
            for (const [mask, stepMask] of [
              [false, false],
              [true, false],
              [false, true],
              [true, true],
            ])
              for (const C of [Float32Array, Float64Array]) {
                const c: Case = {
                  cell,
                  batch,
                  time,
                  units,
                  activation,
                  recurrentActivation,
                  mask: mask!,
                  stepMask: stepMask!,
                };
                const label = `${cell} ${batch}x${time}x${units} ${activation}/${recurrentActivation} mask=${mask} stepMask=${stepMask} ${C.name} ${isa} threads=${threads}`;
                const s = seed++;
                const js = runBoth(jsBackend, c, C, s);
                const nat = runBoth(native, c, C, s);
                // relu's derivative jumps at 0: an entry a rounding away from 0 takes the other branch
                // in float32, so smooth activations get the tight bound and relu a looser one.
                const kinked = activation === 'relu' || recurrentActivation === 'relu';
                const tol = C === Float64Array ? 1e-11 : kinked ? 1e-3 : 1e-5;
                assertClose(nat.hseq, js.hseq, tol, `${label} hseq`);
                assertClose(nat.cache, js.cache, tol, `${label} cache`);
                for (const k of ['all', 'last'] as const) {
                  assertClose(nat[k].dProjected, js[k].dProjected, tol, `${label} ${k} dProjected`);
                  assertClose(nat[k].dKernel, js[k].dKernel, tol, `${label} ${k} dKernel`);
                  if (js[k].dBias) assertClose(nat[k].dBias!, js[k].dBias, tol, `${label} ${k} dBias`);
                }
              }
    }
  } finally {
    addon.setGemmIsa(addon.cpuIsa());
    setNumThreads(threadsBefore);
  }
});

test('native rnn kernels reject short arrays and a recurrent bias on a cell without one', () => {
  const native = nativeBackend();
  const p: RecurrentParams = {
    cell: 'lstm',
    batch: 2,
    time: 3,
    units: 4,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
  };
  const f = (n: number) => new Float32Array(n);
  assert.throws(
    () => native.rnnForward(f(2 * 3 * 16 - 1), f(64), null, null, null, p, f(24), f(7 * 24)),
    /rnnForward: arrays are shorter/,
  );
  assert.throws(
    () => native.rnnForward(f(96), f(64), f(16), null, null, p, f(24), f(7 * 24)),
    /only the gru cell takes a recurrent bias/,
  );
  assert.throws(
    () => native.rnnBackward(f(64), null, null, f(7 * 24 - 1), null, f(8), null, p, f(96), f(64), null),
    /rnnBackward: arrays are shorter/,
  );
});
