// Parity of every wasm kernel with the reference 'js' backend on random inputs (never all zeros),
// for each op variant and dtype, odd and empty sizes. Each case runs four ways on identical inputs:
// js; wasm with ordinary arrays (copied into the module and back); wasm with subarray views at an
// odd offset; and wasm with every array resident in the module's memory (read in place). Pure
// outputs start as poison (NaN / a sentinel), so a kernel that skips an element fails, and every
// array a kernel may write (outputs and in-place state) is compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, RecurrentCell, WindowGeometry } from '../src/backend/backend.js';
import {
  ARITHMETIC_OPS,
  COMPARE_OPS,
  RECURRENT_ACTIVATIONS,
  REDUCE_OPS,
  UNARY_OPS,
  recurrentCachePlanes,
  recurrentGates,
} from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { wasmInfo } from '../src/backend/wasm/register.js';
import type { TypedArray } from '../src/core/dtype.js';
import { sizeOf } from '../src/core/shape.js';
import { axisGeometry } from '../src/ops/conv-windows.js';
import { assertClose, rng, wasmBackend } from './helpers/native.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
const FLOATS: readonly FloatCtor[] = [Float32Array, Float64Array];
const ALL: readonly Ctor[] = [Float32Array, Float64Array, Int32Array, Uint8Array];

type Mode = 'plain' | 'view' | 'resident';

/** Makes a case's arrays: values from the case's seeded generator, storage by mode. */
interface Maker {
  /** Random values: floats uniform in [lo, hi), integers floor of that (uint8: 0-255). */
  rand<K extends Ctor>(C: K, n: number, lo?: number, hi?: number): InstanceType<K>;
  /** An output the kernel must write entirely: filled with poison. */
  out<K extends Ctor>(C: K, n: number): InstanceType<K>;
  /** Given values. */
  of<K extends Ctor>(C: K, values: ArrayLike<number>): InstanceType<K>;
}

const POISON_INT = -123456789;
const POISON_BYTE = 0xab;

function maker(mode: Mode, seed: number): Maker & { release(): void } {
  const r = rng(seed);
  const rt = mode === 'resident' ? wasmInfo()!.runtime : null;
  const held: number[] = [];
  const make = <C extends Ctor>(C: C, n: number): InstanceType<C> => {
    if (rt) {
      const got = rt.allocate(C as unknown as Parameters<typeof rt.allocate>[0], n);
      assert.ok(got, 'wasm heap full in a test');
      held.push(got.ptr);
      assert.ok(rt.isResident(got.array));
      return got.array as InstanceType<C>;
    }
    if (mode === 'view') {
      const big = new C(n + 5);
      return big.subarray(3, 3 + n) as InstanceType<C>;
    }
    return new C(n) as InstanceType<C>;
  };
  return {
    release() {
      for (const p of held) rt!.free(p);
    },
    rand(C, n, lo = -2, hi = 2) {
      const a = make(C, n) as TypedArray;
      for (let i = 0; i < n; i++) {
        if (C === Uint8Array) a[i] = Math.floor(r() * 256);
        else if (C === Int32Array) a[i] = Math.floor(lo * 5 + (hi - lo) * 5 * r());
        else a[i] = lo + (hi - lo) * r();
      }
      return a as InstanceType<typeof C>;
    },
    out(C, n) {
      const a = make(C, n) as TypedArray;
      a.fill(C === Int32Array ? POISON_INT : C === Uint8Array ? POISON_BYTE : NaN);
      return a as InstanceType<typeof C>;
    },
    of(C, values) {
      const a = make(C, values.length) as TypedArray;
      a.set(values);
      return a as InstanceType<typeof C>;
    },
  };
}

/**
 * Runs `run` on js and on wasm in each storage mode, with the same seed, and compares every array
 * it returns. Tolerances default to 1e-5 relative for float32 and 1e-12 for float64 (exact for ints).
 */
function parity(
  what: string,
  seed: number,
  run: (be: Backend, mk: Maker) => TypedArray[],
  tol: { rtol?: number; atol?: number; scaled?: boolean } = {},
): void {
  const wasm = wasmBackend();
  const expected = run(jsBackend, maker('plain', seed)).map((a) => a.slice());
  for (const mode of ['plain', 'view', 'resident'] as const) {
    const mk = maker(mode, seed);
    const got = run(wasm, mk);
    assert.equal(got.length, expected.length);
    got.forEach((a, i) => {
      const e = expected[i]!;
      const f64 = e instanceof Float64Array;
      const exact = e instanceof Int32Array || e instanceof Uint8Array;
      assertClose(
        a,
        e,
        `${what} [${mode}] result ${i}`,
        exact ? 0 : (tol.rtol ?? (f64 ? 1e-12 : 1e-5)),
        exact ? 0 : (tol.atol ?? (f64 ? 1e-300 : 1e-7)),
        tol.scaled ?? false,
      );
    });
    mk.release();
  }
}

test('the wasm backend loads from the committed module and is single-threaded SIMD code', () => {
  const b = wasmBackend();
  assert.equal(b.name, 'wasm');
  const info = wasmInfo()!;
  assert.ok(info.memoryMiB >= 16);
});

test('unary and clip: every op, float32 and float64, odd sizes and specials', () => {
  const specials = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, NaN, Infinity, -Infinity, 1e-30, 80, -80];
  for (const C of FLOATS) {
    for (const n of [0, 1, 7, 33, 5003]) {
      for (const op of UNARY_OPS) {
        parity(`unary ${op} ${C.name} n=${n}`, n + 1, (be, mk) => {
          const x = mk.rand(C, n, -4, 4);
          if (n >= specials.length) x.set(specials);
          const out = mk.out(C, n);
          be.unary(op, x, out);
          return [out];
        });
      }
      parity(`clip ${C.name} n=${n}`, n + 2, (be, mk) => {
        const x = mk.rand(C, n);
        if (n > 3) x[1] = NaN;
        const out = mk.out(C, n);
        be.clip(x, -0.7, 1.1, out);
        return [out];
      });
    }
  }
});

const BROADCASTS: readonly [number[], number[]][] = [
  [[], []],
  [[5], [5]],
  [[4, 6], []],
  [[], [4, 6]],
  [[7, 9], [9]],
  [
    [7, 9],
    [7, 1],
  ],
  [
    [5, 1],
    [1, 6],
  ],
  [
    [2, 1, 4],
    [2, 3, 1],
  ],
  [
    [2, 3, 4, 5],
    [1, 3, 1, 5],
  ],
  [[0, 3], [3]],
  [[300, 257], [257]],
];

function broadcastShape(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    return da === 1 ? db : da;
  });
}

test('binary: every arithmetic and compare op, every dtype, broadcasting', () => {
  let seed = 100;
  for (const C of ALL) {
    for (const [as, bs] of BROADCASTS) {
      const os = broadcastShape(as, bs);
      for (const op of [...ARITHMETIC_OPS, ...COMPARE_OPS]) {
        const compare = (COMPARE_OPS as readonly string[]).includes(op);
        parity(`binary ${op} ${C.name} ${JSON.stringify(as)} ${JSON.stringify(bs)}`, seed++, (be, mk) => {
          const a = mk.rand(C, sizeOf(as));
          const b = mk.rand(C, sizeOf(bs));
          // Integer pow only while results stay below 2^53: above it JS's Math.pow is not exactly
          // rounded, so the low bits the integer store keeps differ between engines (glibc and
          // musl agree with each other there, V8 does not).
          if (op === 'pow' && (C === Int32Array || C === Uint8Array))
            for (let i = 0; i < b.length; i++) b[i] = Math.abs(b[i]!) % 7;
          // Some equal entries, so equal / lessEqual see ties.
          if (a.length > 2 && b.length > 2) a[1] = b[1]!;
          const out = compare ? mk.out(Uint8Array, sizeOf(os)) : mk.out(C, sizeOf(os));
          be.binary(op, a, as, b, bs, out, os);
          return [out];
        });
      }
    }
  }
});

test('cast: every pair of dtypes, truncation and wrap-around', () => {
  let seed = 900;
  for (const From of ALL) {
    for (const To of ALL) {
      parity(`cast ${From.name} -> ${To.name}`, seed++, (be, mk) => {
        const x = mk.rand(From, 301, -300, 300);
        if (From === Float32Array || From === Float64Array) x.set([NaN, Infinity, -Infinity, 3e9, -3e9, 255.9, -0.5]);
        const out = mk.out(To, 301);
        be.cast(x, out);
        return [out];
      });
    }
  }
});

test('reduce and argReduce: every op and dtype, layouts, NaN', () => {
  let seed = 1200;
  for (const C of ALL) {
    for (const [outer, n, inner] of [
      [1, 1, 1],
      [3, 7, 5],
      [1, 1000, 1],
      [40, 3, 1],
      [2, 0, 3],
      [5, 17, 33],
    ] as const) {
      for (const op of REDUCE_OPS) {
        parity(`reduce ${op} ${C.name} [${outer},${n},${inner}]`, seed++, (be, mk) => {
          const x = mk.rand(C, outer * n * inner);
          if (x.length > 4 && C === Float32Array) x[3] = NaN;
          const out = mk.out(C, outer * inner);
          be.reduce(op, x, outer, n, inner, out);
          return [out];
        });
      }
      if (n === 0) continue;
      for (const op of ['argmax', 'argmin'] as const) {
        parity(`${op} ${C.name} [${outer},${n},${inner}]`, seed++, (be, mk) => {
          const x = mk.rand(C, outer * n * inner, -2, 2);
          if (x.length > 6) x[5] = x[2]!; // a tie
          const out = mk.out(Int32Array, outer * inner);
          be.argReduce(op, x, outer, n, inner, out);
          return [out];
        });
      }
    }
  }
});

test('matmul: transposes, batches, broadcast batch strides, bias, relu, edge tiles, float32 and float64', () => {
  let seed = 2000;
  const shapes: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [1, 7, 5, 3],
    [1, 13, 17, 19],
    [3, 6, 8, 16],
    [2, 33, 70, 300],
    [1, 200, 40, 50],
    [1, 5, 4, 0],
    [1, 0, 4, 3],
  ];
  for (const C of FLOATS) {
    for (const [batch, m, n, k] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const variant of ['plain', 'bias-relu', 'shared-b'] as const) {
            parity(
              `matmul ${C.name} b=${batch} m=${m} n=${n} k=${k} tA=${transA} tB=${transB} ${variant}`,
              seed++,
              (be, mk) => {
                const bStride = variant === 'shared-b' ? 0 : k * n;
                const a = mk.rand(C, batch * m * k);
                const b = mk.rand(C, (variant === 'shared-b' ? 1 : batch) * k * n);
                const bias = variant === 'bias-relu' ? mk.rand(C, n) : null;
                const out = mk.out(C, batch * m * n);
                be.matmul(a, b, out, {
                  batch,
                  m,
                  n,
                  k,
                  transA,
                  transB,
                  aBatchStride: m * k,
                  bBatchStride: bStride,
                  bias,
                  activation: variant === 'bias-relu' ? 'relu' : 'linear',
                });
                return [out];
              },
              // Sums of up to 300 products in another order: relative to the sum's scale, not the entry.
              { rtol: C === Float64Array ? 1e-12 : 1e-5, atol: 0, scaled: true },
            );
          }
        }
      }
    }
  }
});

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

test('transpose, gather and scatterAdd: every dtype, ranks 0-4, repeated indices', () => {
  let seed = 3000;
  for (const C of ALL) {
    for (const shape of [[], [5], [3, 4], [2, 1, 3], [2, 3, 4, 5], [0, 2]]) {
      for (const perm of permutations(shape.length)) {
        parity(`transpose ${C.name} ${JSON.stringify(shape)} ${JSON.stringify(perm)}`, seed++, (be, mk) => {
          const x = mk.rand(C, sizeOf(shape));
          const out = mk.out(C, sizeOf(shape));
          be.transpose(x, shape, perm, out);
          return [out];
        });
      }
    }
    for (const [outer, axis, inner, idx] of [
      [1, 5, 1, [4, 0, 0, 2]],
      [3, 4, 7, [1, 3, 1, 1, 0]],
      [2, 6, 3, []],
    ] as [number, number, number, number[]][]) {
      parity(`gather ${C.name} [${outer},${axis},${inner}]`, seed++, (be, mk) => {
        const x = mk.rand(C, outer * axis * inner);
        const indices = mk.of(Int32Array, idx);
        const out = mk.out(C, outer * idx.length * inner);
        be.gather(x, outer, axis, inner, indices, out);
        return [out];
      });
      if (C !== Float32Array && C !== Float64Array) continue;
      parity(`scatterAdd ${C.name} [${outer},${axis},${inner}]`, seed++, (be, mk) => {
        const u = mk.rand(C, outer * idx.length * inner);
        const indices = mk.of(Int32Array, idx);
        const out = mk.rand(C, outer * axis * inner); // accumulates into what is there
        be.scatterAdd(u, outer, axis, inner, indices, out);
        return [out];
      });
    }
  }
});

function geometry(
  n: number,
  h: number,
  w: number,
  c: number,
  k: [number, number],
  s: [number, number],
  d: [number, number],
  padding: 'same' | 'valid',
): WindowGeometry {
  const gh = axisGeometry(h, k[0], s[0], d[0], padding);
  const gw = axisGeometry(w, k[1], s[1], d[1], padding);
  return {
    n,
    h,
    w,
    c,
    kh: k[0],
    kw: k[1],
    strideH: s[0],
    strideW: s[1],
    dilationH: d[0],
    dilationW: d[1],
    padTop: gh.padBefore,
    padLeft: gw.padBefore,
    outH: gh.out,
    outW: gw.out,
  };
}

const CONV_GEOMETRIES: readonly WindowGeometry[] = [
  geometry(2, 7, 6, 3, [3, 3], [1, 1], [1, 1], 'same'),
  geometry(2, 9, 8, 2, [3, 2], [2, 2], [2, 1], 'same'),
  geometry(3, 6, 7, 4, [2, 3], [2, 1], [1, 2], 'valid'),
  geometry(4, 12, 12, 5, [3, 3], [1, 1], [1, 1], 'valid'), // Winograd-eligible
  geometry(1, 1, 20, 6, [1, 5], [1, 1], [1, 1], 'same'), // a sequence
  geometry(0, 4, 4, 3, [2, 2], [1, 1], [1, 1], 'valid'),
];

test('im2col, col2im, convForward and convBackward: padding, strides, dilation, bias, relu, null gradients', () => {
  let seed = 4000;
  for (const C of FLOATS) {
    for (const g of CONV_GEOMETRIES) {
      const xLen = g.n * g.h * g.w * g.c;
      const rows = g.n * g.outH * g.outW;
      const depth = g.kh * g.kw * g.c;
      const label = `${C.name} ${JSON.stringify(g)}`;
      parity(`im2col ${label}`, seed++, (be, mk) => {
        const x = mk.rand(C, xLen);
        const out = mk.out(C, rows * depth);
        be.im2col(x, g, out);
        return [out];
      });
      parity(`col2im ${label}`, seed++, (be, mk) => {
        const cols = mk.rand(C, rows * depth);
        const out = mk.rand(C, xLen);
        be.col2im(cols, g, out);
        return [out];
      });
      for (const filters of [1, 8, 19]) {
        for (const relu of [false, true]) {
          const tol = { rtol: C === Float64Array ? 1e-12 : 1e-5, atol: 0, scaled: true };
          parity(
            `conv f=${filters} relu=${relu} ${label}`,
            seed++,
            (be, mk) => {
              const x = mk.rand(C, xLen);
              const kernel = mk.rand(C, depth * filters, -0.5, 0.5);
              const bias = relu ? mk.rand(C, filters) : null;
              const p = { filters, bias, activation: relu ? ('relu' as const) : ('linear' as const) };
              const y = mk.out(C, rows * filters);
              be.convForward(x, g, kernel, p, y);
              const grad = mk.rand(C, rows * filters);
              const gx = mk.out(C, xLen);
              const gk = mk.out(C, depth * filters);
              const gb = mk.out(C, filters);
              be.convBackward(x, g, kernel, p, y, grad, { x: gx, kernel: gk, bias: gb });
              const gk2 = mk.out(C, depth * filters);
              be.convBackward(x, g, kernel, p, y, grad, { x: null, kernel: gk2, bias: null });
              return [y, gx, gk, gb, gk2];
            },
            tol,
          );
        }
      }
      if (g.n > 0 && g.padTop === 0 && g.padLeft === 0) {
        parity(`maxPool / maxPoolGrad ${label}`, seed++, (be, mk) => {
          const x = mk.rand(C, xLen);
          if (xLen > 10) x[7] = x[8]!; // ties
          const out = mk.out(C, rows * g.c);
          const argmax = mk.out(Int32Array, rows * g.c);
          be.maxPool(x, g, out, argmax);
          const grad = mk.rand(C, rows * g.c);
          const gx = mk.out(C, xLen);
          be.maxPoolGrad(grad, argmax, g, gx);
          return [out, argmax, gx];
        });
      }
    }
  }
});

test('softmax, log-softmax and softmaxCrossEntropy rows', () => {
  let seed = 5000;
  for (const C of FLOATS) {
    for (const [rows, n] of [
      [1, 1],
      [3, 10],
      [200, 10],
      [4, 1001],
      [0, 5],
    ]) {
      for (const log of [false, true]) {
        parity(`softmax log=${log} ${C.name} [${rows},${n}]`, seed++, (be, mk) => {
          const x = mk.rand(C, rows * n, -30, 30);
          const out = mk.out(C, rows * n);
          be.softmax(x, rows, n, log, out);
          return [out];
        });
      }
      parity(`softmaxCrossEntropy ${C.name} [${rows},${n}]`, seed++, (be, mk) => {
        const x = mk.rand(C, rows * n, -5, 5);
        const labels = mk.rand(C, rows * n, 0, 1);
        const loss = mk.out(C, rows);
        const probs = mk.out(C, rows * n);
        be.softmaxCrossEntropy(x, labels, rows, n, loss, probs);
        return [loss, probs];
      });
    }
  }
});

test('dropout (also in place) and reluGrad are bit-identical', () => {
  let seed = 6000;
  for (const C of FLOATS) {
    for (const n of [0, 1, 33, 70001]) {
      for (const rate of [0, 0.1, 0.5, 0.9]) {
        parity(
          `dropout ${C.name} n=${n} rate=${rate}`,
          seed++,
          (be, mk) => {
            const x = mk.rand(C, n);
            const out = mk.out(C, n);
            be.dropout(x, { seed0: 0x9e3779b9, seed1: seed, rate }, out);
            const inPlace = mk.rand(C, n);
            be.dropout(inPlace, { seed0: 12345, seed1: 0xffffffff, rate }, inPlace);
            return [out, inPlace];
          },
          { rtol: 0, atol: 0 },
        );
      }
      parity(
        `reluGrad ${C.name} n=${n}`,
        seed++,
        (be, mk) => {
          const grad = mk.rand(C, n);
          const y = mk.rand(C, n);
          if (n > 3) y.set([0, -0, NaN]);
          const out = mk.out(C, n);
          be.reluGrad(grad, y, out);
          return [out];
        },
        { rtol: 0, atol: 0 },
      );
    }
  }
});

test('adam, sgd and rmsprop updates, in place, every option, several steps', () => {
  let seed = 7000;
  for (const C of FLOATS) {
    const n = 1037;
    parity(`adam ${C.name}`, seed++, (be, mk) => {
      const p = mk.rand(C, n);
      const m = mk.rand(C, n, -0.1, 0.1);
      const v = mk.rand(C, n, 0, 0.1);
      for (let step = 1; step <= 3; step++) {
        const g = mk.rand(C, n);
        be.adamUpdate(p, g, m, v, { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step });
      }
      return [p, m, v];
    });
    for (const [momentum, nesterov] of [
      [0, false],
      [0.9, false],
      [0.9, true],
    ] as const) {
      parity(`sgd ${C.name} momentum=${momentum} nesterov=${nesterov}`, seed++, (be, mk) => {
        const p = mk.rand(C, n);
        const vel = momentum > 0 ? mk.rand(C, n, -0.1, 0.1) : null;
        for (let step = 0; step < 3; step++) be.sgdUpdate(p, mk.rand(C, n), vel, { lr: 0.05, momentum, nesterov });
        return vel ? [p, vel] : [p];
      });
    }
    for (const [momentum, centered] of [
      [0, false],
      [0.5, false],
      [0, true],
      [0.5, true],
    ] as const) {
      parity(`rmsprop ${C.name} momentum=${momentum} centered=${centered}`, seed++, (be, mk) => {
        const p = mk.rand(C, n);
        const ms = mk.rand(C, n, 0, 0.1);
        const mom = momentum > 0 ? mk.rand(C, n, -0.1, 0.1) : null;
        const mg = centered ? mk.rand(C, n, -0.01, 0.01) : null;
        for (let step = 0; step < 3; step++) {
          be.rmspropUpdate(p, mk.rand(C, n), ms, mom, mg, { lr: 0.01, rho: 0.9, momentum, epsilon: 1e-7, centered });
        }
        return [p, ms, ...(mom ? [mom] : []), ...(mg ? [mg] : [])];
      });
    }
  }
});

test('rnnForward and rnnBackward: every cell, masks, step masks, final-state gradients', () => {
  let seed = 8000;
  const cells: RecurrentCell[] = ['simpleRnn', 'lstm', 'gru', 'gruResetBefore'];
  for (const C of FLOATS) {
    for (const cell of cells) {
      for (const [batch, time, units] of [
        [1, 1, 1],
        [3, 5, 7],
        [2, 9, 17],
      ]) {
        for (const masked of [false, true]) {
          const act = RECURRENT_ACTIVATIONS[(seed % 2) + 2]!; // sigmoid or tanh
          const p = { cell, batch, time, units, activation: 'tanh' as const, recurrentActivation: act };
          const gw = recurrentGates(cell) * units;
          parity(
            `rnn ${cell} ${C.name} [${batch},${time},${units}] masked=${masked}`,
            seed++,
            (be, mk) => {
              const projected = mk.rand(C, batch * time * gw, -1, 1);
              const kernel = mk.rand(C, units * gw, -0.5, 0.5);
              const rbias = cell === 'gru' ? mk.rand(C, gw, -0.5, 0.5) : null;
              const rmask = masked ? mk.rand(C, batch * units, 0, 2) : null;
              const stepMask = masked
                ? mk.of(
                    C,
                    Array.from({ length: batch * time }, (_, i) => (i % 3 === 1 ? 0 : 1)),
                  )
                : null;
              const hseq = mk.out(C, batch * time * units);
              const cache = mk.out(C, recurrentCachePlanes(cell) * batch * time * units);
              be.rnnForward(projected, kernel, rbias, rmask, stepMask, p, hseq, cache);
              const dHseq = mk.rand(C, batch * time * units);
              const dhLast = mk.rand(C, batch * units);
              const dcLast = cell === 'lstm' ? mk.rand(C, batch * units) : null;
              const dProjected = mk.out(C, batch * time * gw);
              const dKernel = mk.out(C, units * gw);
              const dBias = cell === 'gru' ? mk.out(C, gw) : null;
              be.rnnBackward(kernel, rmask, stepMask, cache, dHseq, dhLast, dcLast, p, dProjected, dKernel, dBias);
              return [hseq, dProjected, dKernel, ...(dBias ? [dBias] : [])];
            },
            { rtol: C === Float64Array ? 1e-11 : 2e-5, atol: 0, scaled: true },
          );
        }
      }
    }
  }
});

test('bad arguments become errors naming the kernel, not out-of-bounds reads', () => {
  const be = wasmBackend();
  const x = new Float32Array(10).fill(1);
  assert.throws(() => be.unary('exp', x, new Float32Array(9)), /deepscript wasm: .*/);
  assert.throws(
    () =>
      be.matmul(new Float32Array(6), new Float32Array(6), new Float32Array(3), {
        batch: 1,
        m: 2,
        n: 2,
        k: 3,
        transA: false,
        transB: false,
        aBatchStride: 6,
        bBatchStride: 6,
      }),
    /deepscript wasm: .*matmul/,
  );
  // The module still works after an error.
  const out = new Float32Array(10);
  be.unary('neg', x, out);
  assert.equal(out[9], -1);
});
