// Ops that take their output from `uninitializedOutput` (src/ops/operand.ts) get a reused pooled
// array still holding its previous contents, so they rely on their kernel writing every element.
// These tests hand each such kernel, on each backend (js, wasm, native on 1 and 2 threads), an output filled
// with a poison value and check that none of it survives: random non-NaN inputs, odd and empty
// sizes, broadcasting, padding, k = 0 products, and sizes large enough for the native kernels to
// split the work between threads. (The fused recurrent kernels get the same check in native-rnn.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, MatmulParams, WindowGeometry } from '../src/backend/backend.js';
import { ARITHMETIC_OPS, COMPARE_OPS, REDUCE_OPS, UNARY_OPS } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { getNumThreads, setNumThreads } from '../src/backend/native/index.js';
import type { FloatArray, TypedArray } from '../src/core/dtype.js';
import { sizeOf } from '../src/core/shape.js';
import { axisGeometry } from '../src/ops/conv-windows.js';
import { nativeBackend, rng, wasmBackend } from './helpers/native.js';

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
type Ctor = FloatCtor | Int32ArrayConstructor | Uint8ArrayConstructor;
const FLOATS: readonly FloatCtor[] = [Float32Array, Float64Array];

/** Poison for each storage type: NaN for floats, values no kernel here produces from these inputs otherwise. */
const POISON_INT = -123456789;
const POISON_BYTE = 0xab;

function poisoned<C extends Ctor>(C: C, n: number): InstanceType<C> {
  const a = new C(n) as TypedArray;
  a.fill(a instanceof Int32Array ? POISON_INT : a instanceof Uint8Array ? POISON_BYTE : NaN);
  return a as InstanceType<C>;
}

function assertWritten(out: TypedArray, what: string): void {
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    const left =
      out instanceof Int32Array ? v === POISON_INT : out instanceof Uint8Array ? v === POISON_BYTE : Number.isNaN(v);
    if (left) assert.fail(`${what}: element ${i} of ${out.length} was not written`);
  }
}

/** Uniform in [lo, hi) (integers for integer arrays), never NaN. */
function random<C extends Ctor>(C: C, n: number, seed: number, lo = -2, hi = 2): InstanceType<C> {
  const r = rng(seed);
  const a = new C(n) as TypedArray;
  const ints = a instanceof Int32Array || a instanceof Uint8Array;
  for (let i = 0; i < n; i++) a[i] = ints ? Math.floor(lo + (hi - lo) * r()) : lo + (hi - lo) * r();
  return a as InstanceType<C>;
}

/** Each backend to check, with a label: js, wasm, and native on 1 and on 2 threads. */
function eachBackend(fn: (be: Backend, label: string) => void): void {
  const native = nativeBackend();
  const before = getNumThreads();
  try {
    fn(jsBackend, 'js');
    fn(wasmBackend(), 'wasm');
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      fn(native, `native/${threads}`);
    }
  } finally {
    setNumThreads(before);
  }
}

// Above the native kernels' per-thread grains (2^15 elements for cheap maps), so 2 threads split.
const BIG = 70001;

test('unary, clip, reluGrad and dropout write every element', () => {
  eachBackend((be, label) => {
    for (const C of FLOATS) {
      for (const n of [0, 1, 7, 33, BIG]) {
        // Positive inputs keep log / sqrt / rsqrt away from NaN.
        const x = random(C, n, n + 1, 0.05, 3);
        for (const op of UNARY_OPS) {
          const out = poisoned(C, n);
          be.unary(op, x, out);
          assertWritten(out, `${label} unary ${op} ${C.name} n=${n}`);
        }
        const out = poisoned(C, n);
        be.clip(x, 0.5, 1.5, out);
        assertWritten(out, `${label} clip ${C.name} n=${n}`);
        const g = random(C, n, n + 2);
        const y = random(C, n, n + 3);
        const gx = poisoned(C, n);
        be.reluGrad(g, y, gx);
        assertWritten(gx, `${label} reluGrad ${C.name} n=${n}`);
        for (const rate of [0, 0.3, 0.9]) {
          const d = poisoned(C, n);
          be.dropout(x, { seed0: 12345, seed1: 678, rate }, d);
          assertWritten(d, `${label} dropout ${rate} ${C.name} n=${n}`);
        }
      }
    }
  });
});

test('binary writes every element: same shapes, scalars, broadcasting; cast writes every element', () => {
  const layouts: [number[], number[]][] = [
    [[7], [7]],
    [[5, 3], []],
    [[], [5, 3]],
    [
      [3, 1, 5],
      [4, 1],
    ],
    [
      [2, 1],
      [1, 6],
    ],
    [[1, 1], [1]],
    [[257, 300], [300]],
    [
      [300, 1],
      [300, 257],
    ],
    [[0, 3], [3]],
  ];
  eachBackend((be, label) => {
    for (const C of [Float32Array, Float64Array, Int32Array] as const) {
      for (const [as, bs] of layouts) {
        const out = broadcastShape(as, bs);
        // Positive operands keep pow and div finite.
        const a = random(C, sizeOf(as), 11, 1, 4);
        const b = random(C, sizeOf(bs), 12, 1, 4);
        for (const op of ARITHMETIC_OPS) {
          const o = poisoned(C, sizeOf(out));
          be.binary(op, a, as, b, bs, o, out);
          assertWritten(o, `${label} binary ${op} ${C.name} ${JSON.stringify([as, bs])}`);
        }
        for (const op of COMPARE_OPS) {
          const o = poisoned(Uint8Array, sizeOf(out));
          be.binary(op, a, as, b, bs, o, out);
          assertWritten(o, `${label} binary ${op} ${C.name} ${JSON.stringify([as, bs])}`);
        }
      }
    }
    const pairs: [Ctor, Ctor][] = [
      [Float32Array, Int32Array],
      [Float64Array, Float32Array],
      [Float32Array, Float64Array],
      [Uint8Array, Float32Array],
      [Int32Array, Float64Array],
      [Float32Array, Uint8Array],
    ];
    for (const [S, D] of pairs)
      for (const n of [0, 5, BIG]) {
        const o = poisoned(D, n);
        be.cast(random(S, n, n + 5, 0, 100), o);
        assertWritten(o, `${label} cast ${S.name} -> ${D.name} n=${n}`);
      }
  });
});

function broadcastShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const da = a[i - (r - a.length)] ?? 1;
    const db = b[i - (r - b.length)] ?? 1;
    return da === 1 ? db : da;
  });
}

test('reduce stores (does not add into) every output; argReduce writes every index', () => {
  // [outer, n, inner]: contiguous rows, strided chunks beyond 1024, one long row split across
  // threads, an empty reduced axis (sum only).
  const layouts: [number, number, number][] = [
    [3, 5, 1],
    [2, 4, 7],
    [2, 3, 2500],
    [1, BIG, 1],
    [40, 2000, 1],
    [4, 0, 3],
  ];
  eachBackend((be, label) => {
    for (const C of [Float32Array, Float64Array, Int32Array] as const)
      for (const [outer, n, inner] of layouts) {
        const x = random(C, outer * n * inner, outer + n + inner);
        for (const op of REDUCE_OPS) {
          if (n === 0 && op !== 'sum') continue;
          const o = poisoned(C, outer * inner);
          be.reduce(op, x, outer, n, inner, o);
          assertWritten(o, `${label} reduce ${op} ${C.name} ${outer}x${n}x${inner}`);
        }
        if (n === 0) continue;
        for (const op of ['argmax', 'argmin'] as const) {
          const o = poisoned(Int32Array, outer * inner);
          be.argReduce(op, x, outer, n, inner, o);
          assertWritten(o, `${label} ${op} ${C.name} ${outer}x${n}x${inner}`);
        }
      }
  });
});

test('matmul overwrites its output, including k = 0 products, bias, relu, transposes and batches', () => {
  const shapes: [number, number, number, number][] = [
    // batch, m, n, k
    [1, 1, 1, 1],
    [1, 5, 7, 0],
    [3, 4, 6, 0],
    [1, 13, 17, 9],
    [4, 6, 5, 3],
    [1, 200, 150, 100],
    [1, 3, 300, 700],
  ];
  eachBackend((be, label) => {
    for (const C of FLOATS)
      for (const [batch, m, n, k] of shapes)
        for (const transA of [false, true])
          for (const transB of [false, true])
            for (const [aShared, bShared] of [
              [false, false],
              [true, false],
              [false, true],
            ] as const)
              for (const epilogue of ['none', 'bias', 'bias+relu'] as const) {
                if (batch === 1 && (aShared || bShared)) continue;
                const p: MatmulParams = {
                  batch,
                  m,
                  n,
                  k,
                  transA,
                  transB,
                  aBatchStride: aShared ? 0 : m * k,
                  bBatchStride: bShared ? 0 : k * n,
                  bias: epilogue === 'none' ? null : random(C, n, 3),
                  activation: epilogue === 'bias+relu' ? 'relu' : 'linear',
                };
                const a = random(C, (aShared ? 1 : batch) * m * k, 1);
                const b = random(C, (bShared ? 1 : batch) * k * n, 2);
                const out = poisoned(C, batch * m * n);
                be.matmul(a, b, out, p);
                assertWritten(out, `${label} matmul ${C.name} ${JSON.stringify(p)}`);
              }
  });
});

test('transpose and gather write every element', () => {
  const cases: [number[], number[]][] = [
    [[], []],
    [
      [33, 47],
      [1, 0],
    ],
    [
      [4, 5, 6],
      [2, 0, 1],
    ],
    [
      [2, 3, 40, 50],
      [0, 1, 3, 2],
    ],
    [
      [3, 70, 300],
      [1, 0, 2],
    ],
    [
      [5, 0, 2],
      [2, 1, 0],
    ],
  ];
  eachBackend((be, label) => {
    for (const C of [Float32Array, Float64Array, Int32Array, Uint8Array] as const) {
      for (const [shape, perm] of cases) {
        const x = random(C, sizeOf(shape), 7, 0, 100);
        const o = poisoned(C, sizeOf(shape));
        be.transpose(x, shape, perm, o);
        assertWritten(o, `${label} transpose ${C.name} ${JSON.stringify([shape, perm])}`);
      }
      for (const [outer, axis, inner] of [
        [1, 10, 1],
        [3, 10, 17],
        [2, 50, 700],
      ] as const) {
        const x = random(C, outer * axis * inner, 9, 0, 100);
        const idx = random(Int32Array, 2 * axis, 10, 0, axis); // repeats some rows, skips others
        const o = poisoned(C, outer * idx.length * inner);
        be.gather(x, outer, axis, inner, idx, o);
        assertWritten(o, `${label} gather ${C.name} ${outer}x${axis}x${inner}`);
      }
    }
  });
});

/** A window geometry as conv / pooling build it (TensorFlow's padding rules). */
function geometry(
  n: number,
  h: number,
  w: number,
  c: number,
  k: [number, number],
  stride: [number, number],
  dilation: [number, number],
  padding: 'valid' | 'same',
): WindowGeometry {
  const gh = axisGeometry(h, k[0], stride[0], dilation[0], padding);
  const gw = axisGeometry(w, k[1], stride[1], dilation[1], padding);
  return {
    n,
    h,
    w,
    c,
    kh: k[0],
    kw: k[1],
    strideH: stride[0],
    strideW: stride[1],
    dilationH: dilation[0],
    dilationW: dilation[1],
    padTop: gh.padBefore,
    padLeft: gw.padBefore,
    outH: gh.out,
    outW: gw.out,
  };
}

test('im2col writes every tap (padding ones too); maxPool writes every max and argmax', () => {
  const im2colCases = [
    geometry(2, 7, 6, 3, [3, 3], [1, 1], [1, 1], 'same'),
    geometry(2, 9, 8, 2, [3, 2], [2, 2], [2, 1], 'same'),
    geometry(1, 5, 5, 1, [5, 5], [1, 1], [1, 1], 'same'),
    geometry(3, 6, 7, 4, [2, 3], [2, 1], [1, 2], 'valid'),
    geometry(8, 28, 28, 8, [3, 3], [1, 1], [1, 1], 'same'),
  ];
  const poolCases = [
    geometry(2, 7, 6, 3, [2, 2], [2, 2], [1, 1], 'same'),
    geometry(2, 8, 8, 5, [3, 3], [2, 2], [1, 1], 'valid'),
    geometry(1, 5, 4, 2, [3, 3], [1, 1], [1, 1], 'same'),
    geometry(8, 28, 28, 16, [2, 2], [2, 2], [1, 1], 'valid'),
  ];
  eachBackend((be, label) => {
    for (const C of FLOATS) {
      for (const g of im2colCases) {
        const x = random(C, g.n * g.h * g.w * g.c, 21);
        const o = poisoned(C, g.n * g.outH * g.outW * g.kh * g.kw * g.c);
        be.im2col(x, g, o);
        assertWritten(o, `${label} im2col ${C.name} ${JSON.stringify(g)}`);
      }
      for (const g of poolCases) {
        const x = random(C, g.n * g.h * g.w * g.c, 22);
        const size = g.n * g.outH * g.outW * g.c;
        const o = poisoned(C, size);
        const arg = poisoned(Int32Array, size);
        be.maxPool(x, g, o, arg);
        assertWritten(o, `${label} maxPool ${C.name} ${JSON.stringify(g)}`);
        assertWritten(arg, `${label} maxPool argmax ${C.name} ${JSON.stringify(g)}`);
        const gx = poisoned(C, x.length);
        be.maxPoolGrad(random(C, size, 23), arg, g, gx);
        assertWritten(gx, `${label} maxPoolGrad ${C.name} ${JSON.stringify(g)}`);
      }
    }
  });
});

test('convForward and convBackward write every output and gradient (im2col and Winograd geometries)', () => {
  const cases: [WindowGeometry, number][] = [
    [geometry(3, 7, 6, 3, [3, 3], [1, 1], [1, 1], 'same'), 5],
    [geometry(2, 9, 8, 2, [3, 2], [2, 2], [2, 1], 'same'), 4],
    // 3x3, stride 1, >= 8 channels, >= 100 output positions: Winograd on native, odd sizes leave
    // partial tiles.
    [geometry(3, 11, 10, 8, [3, 3], [1, 1], [1, 1], 'same'), 8],
    [geometry(9, 13, 12, 16, [3, 3], [1, 1], [1, 1], 'valid'), 12],
    // The same windows on small images: im2col + GEMM.
    [geometry(3, 9, 7, 8, [3, 3], [1, 1], [1, 1], 'same'), 8],
  ];
  eachBackend((be, label) => {
    for (const C of FLOATS) {
      for (const [g, f] of cases) {
        const what = `${label} ${C.name} ${JSON.stringify(g)} filters ${f}`;
        const x = random(C, g.n * g.h * g.w * g.c, 31);
        const kernel = random(C, g.kh * g.kw * g.c * f, 32);
        const p = { filters: f, bias: random(C, f, 33), activation: 'relu' as const };
        const y = poisoned(C, g.n * g.outH * g.outW * f);
        be.convForward(x, g, kernel, p, y);
        assertWritten(y, `convForward ${what}`);
        const d = { x: poisoned(C, x.length), kernel: poisoned(C, kernel.length), bias: poisoned(C, f) };
        be.convBackward(x, g, kernel, p, y, random(C, y.length, 34), d);
        assertWritten(d.x, `convBackward d.x ${what}`);
        assertWritten(d.kernel, `convBackward d.kernel ${what}`);
        assertWritten(d.bias, `convBackward d.bias ${what}`);
      }
    }
  });
});

test('softmax, log-softmax and softmaxCrossEntropy probabilities and losses write every element', () => {
  eachBackend((be, label) => {
    for (const C of FLOATS)
      for (const [rows, n] of [
        [1, 1],
        [3, 10],
        [257, 13],
        [2, 5000],
      ] as const) {
        const x = random(C, rows * n, rows + n, -5, 5);
        for (const log of [false, true]) {
          const o = poisoned(C, rows * n);
          be.softmax(x, rows, n, log, o);
          assertWritten(o, `${label} softmax log=${log} ${C.name} ${rows}x${n}`);
        }
        const labels = random(C, rows * n, 5, 0, 1) as FloatArray;
        const loss = poisoned(C, rows);
        const probs = poisoned(C, rows * n);
        be.softmaxCrossEntropy(x, labels, rows, n, loss, probs);
        assertWritten(loss, `${label} softmaxCrossEntropy loss ${C.name} ${rows}x${n}`);
        assertWritten(probs, `${label} softmaxCrossEntropy probs ${C.name} ${rows}x${n}`);
      }
  });
});
