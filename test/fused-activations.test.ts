// The activations Dense and Conv fuse into their matrix products' epilogues (relu, leaky_relu, gelu
// exact and tanh, silu): Keras's equations worked by hand, native and wasm kernels against the
// reference on random inputs (standalone, in matmul and in both convolution paths, with and without
// the pre-activation output), float64 gradient checks through the ops, and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FUSED_ACTIVATION_CODE,
  type Backend,
  type FusedActivation,
  type WindowGeometry,
  needsPreActivation,
} from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { setNumThreads } from '../src/backend/native/index.js';
import { backend, getBackend, registerBackend, setBackend } from '../src/backend/registry.js';
import { Tensor } from '../src/core/tensor.js';
import { Random } from '../src/core/random.js';
import * as ops from '../src/ops/index.js';
import { dense } from '../src/ops/matmul.js';
import { conv2d } from '../src/ops/conv.js';
import { Dense } from '../src/layers/dense.js';
import { Conv2D } from '../src/layers/conv2d.js';
import type { Layer } from '../src/layers/layer.js';
import { gelu, leakyRelu, silu } from '../src/layers/activations.js';
import { axisGeometry } from '../src/ops/conv-windows.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';
import { assertClose, nativeBackend, rng, wasmBackend } from './helpers/native.js';

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
type FloatArr = Float32Array | Float64Array;
const ACTS = Object.keys(FUSED_ACTIVATION_CODE) as FusedActivation[];
const NONLINEAR = ACTS.filter((a) => a !== 'linear');

function backends(): [string, Backend][] {
  return [
    ['native', nativeBackend()],
    ['wasm', wasmBackend()],
  ];
}

function random(C: FloatCtor, n: number, seed: number, scale = 6): FloatArr {
  const r = rng(seed);
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}

function same(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

/** float32 results against the float64-computed reference: a few ulps, absolute near the zeros. */
const tol = (C: FloatCtor): [number, number] => (C === Float64Array ? [1e-12, 1e-14] : [1e-5, 1e-6]);

test('each fused activation and its derivative match the Keras equations worked by hand, on every backend', () => {
  // gelu(z) = z Phi(z), gelu'(z) = Phi(z) + z phi(z); tanh form 0.5 z (1 + tanh(sqrt(2/pi)(z + 0.044715 z^3)));
  // silu(z) = z s(z), silu' = s (1 + z (1 - s)); leaky_relu slope alpha below 0.
  const cases: [FusedActivation, number, number, number][] = [
    ['gelu', 1, 0.8413447460685429, 1.0833154705876864],
    ['gelu', -1, -0.15865525393145707, -0.08331547058768629],
    ['gelu', -0.5, -0.15426876936299344, 0.13250487534383712],
    ['gelu', 2.5, 2.4844758366855597, 1.037611085908145],
    ['gelu_tanh', 1, 0.8411919906082768, 1.0829640838457826],
    ['gelu_tanh', -2, -0.04540230591222494, -0.08609925662361825],
    ['silu', 2, 1.7615941559557646, 1.0907842487848955],
    ['silu', -3, -0.14227761953270035, -0.08810410601516962],
    ['leaky_relu', -3, -0.9, 0.3],
    ['leaky_relu', 2, 2, 1],
    ['relu', -1, 0, 0],
    ['relu', 1.5, 1.5, 1],
  ];
  for (const [name, be] of [['js', jsBackend] as [string, Backend], ...backends()]) {
    for (const [act, z, y, dy] of cases) {
      const out = new Float64Array(1);
      be.activation(act, Float64Array.of(z), 0.3, out);
      assert.ok(Math.abs(out[0]! - y) < 1e-13, `${name} ${act}(${z}) = ${out[0]}, want ${y}`);
      be.activationGrad(act, Float64Array.of(2), Float64Array.of(z), 0.3, out);
      assert.ok(Math.abs(out[0]! - 2 * dy) < 1e-13, `${name} ${act}'(${z}) = ${out[0]! / 2}, want ${dy}`);
    }
  }
});

test('activation and activationGrad kernels: native (1 and 2 threads) and wasm against the reference, with specials', () => {
  const specials = [0, -0, NaN, Infinity, -Infinity, 30, -30, 1e-30, -9];
  for (const [name, be] of backends()) {
    for (const threads of name === 'native' ? [1, 2] : [1]) {
      if (name === 'native') setNumThreads(threads);
      for (const C of [Float32Array, Float64Array] as const) {
        for (const n of [0, 1, 9, 1001, 20001]) {
          for (const act of ACTS) {
            const x = random(C, n, n + 7 * FUSED_ACTIVATION_CODE[act]);
            for (let i = 0; i < Math.min(n, specials.length); i++) x[i * 3 < n ? i * 3 : i] = specials[i]!;
            const g = random(C, n, n + 99, 2);
            const want = new C(n);
            const got = new C(n).fill(NaN);
            jsBackend.activation(act, x, 0.1, want);
            be.activation(act, x, 0.1, got);
            const [rtol, atol] = tol(C);
            const what = `${name}/${threads} ${C.name} ${act} n=${n}`;
            assertClose(got, want, what, rtol, atol);
            jsBackend.activationGrad(act, g, x, 0.1, want);
            be.activationGrad(act, g, x, 0.1, got.fill(NaN));
            assertClose(got, want, `${what} grad`, rtol, atol * 4);
            // In place, as the interface allows.
            const inPlace = x.slice();
            be.activation(act, inPlace, 0.1, inPlace);
            be.activation(act, x, 0.1, got);
            same(inPlace, got, `${what} in place`);
          }
        }
      }
    }
  }
  setNumThreads(2);
});

test('matmul epilogue: every activation, bias, the pre-activation output, edge tiles and k = 0, against the reference', () => {
  const shapes: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [1, 7, 5, 3],
    [2, 13, 33, 19],
    [1, 130, 70, 300],
    [1, 300, 512, 64],
    [1, 5, 4, 0],
  ];
  let seed = 1;
  for (const [name, be] of backends()) {
    for (const C of [Float32Array, Float64Array] as const) {
      for (const [batch, m, n, k] of shapes) {
        for (const act of ACTS) {
          for (const withPre of [false, true]) {
            const a = random(C, batch * m * k, seed++, 1);
            const b = random(C, k * n, seed++, 1);
            const bias = random(C, n, seed++, 1);
            const p = { batch, m, n, k, transA: false, transB: false, aBatchStride: m * k, bBatchStride: 0, bias };
            const want = new C(batch * m * n);
            const wantPre = new C(batch * m * n);
            jsBackend.matmul(a, b, want, { ...p, activation: act, preActivation: wantPre });
            const got = new C(batch * m * n).fill(NaN);
            const pre = withPre ? new C(batch * m * n).fill(NaN) : null;
            be.matmul(a, b, got, { ...p, activation: act, preActivation: pre });
            const what = `${name} ${C.name} ${batch}x${m}x${n}x${k} ${act} pre=${withPre}`;
            // Sums in another order: tolerance on the scale of the products (|a| @ |b| <= k).
            const [rtol] = tol(C);
            const scale = Math.max(1, k);
            assertClose(got, want, what, rtol, rtol * scale);
            if (!pre) continue;
            assertClose(pre, wantPre, `${what} pre`, rtol, rtol * scale);
            // The kernel's two outputs agree with each other exactly: out = activation(pre), and pre
            // is the plain product (bias included) the linear epilogue writes.
            const linear = new C(batch * m * n);
            be.matmul(a, b, linear, { ...p, activation: 'linear' });
            same(pre, linear, `${what} pre is the linear product`);
            const applied = new C(batch * m * n);
            be.activation(act, pre, 0.2, applied);
            same(got, applied, `${what} out = activation(pre)`);
          }
        }
      }
    }
  }
});

function geometry(
  n: number,
  h: number,
  w: number,
  c: number,
  kh: number,
  kw: number,
  stride: number,
  pad: 'same' | 'valid',
): WindowGeometry {
  const ah = axisGeometry(h, kh, stride, 1, pad);
  const aw = axisGeometry(w, kw, stride, 1, pad);
  return {
    n,
    h,
    w,
    c,
    kh,
    kw,
    strideH: stride,
    strideW: stride,
    dilationH: 1,
    dilationW: 1,
    padTop: ah.padBefore,
    padLeft: aw.padBefore,
    outH: ah.out,
    outW: aw.out,
  };
}

test('convForward epilogue: every activation with the pre-activation output, Winograd and patch paths, against the reference', () => {
  const cases: [WindowGeometry, number][] = [
    // 3x3 stride 1 with >= 8 channels and >= 100 positions: the native Winograd path.
    [geometry(2, 12, 12, 8, 3, 3, 1, 'same'), 16],
    // Patch-matrix GEMM path: stride 2, odd filters.
    [geometry(3, 9, 7, 3, 3, 2, 2, 'valid'), 5],
  ];
  let seed = 500;
  for (const [name, be] of backends()) {
    for (const C of [Float32Array, Float64Array] as const) {
      for (const [g, f] of cases) {
        const depth = g.kh * g.kw * g.c;
        const rows = g.n * g.outH * g.outW;
        for (const act of ACTS) {
          const x = random(C, g.n * g.h * g.w * g.c, seed++, 1);
          const kernel = random(C, depth * f, seed++, 0.5);
          const bias = random(C, f, seed++, 1);
          const want = new C(rows * f);
          const wantPre = new C(rows * f);
          jsBackend.convForward(x, g, kernel, { filters: f, bias, activation: act, preActivation: wantPre }, want);
          const got = new C(rows * f).fill(NaN);
          const pre = new C(rows * f).fill(NaN);
          be.convForward(x, g, kernel, { filters: f, bias, activation: act, preActivation: pre }, got);
          const what = `${name} ${C.name} conv ${g.kh}x${g.kw}/${g.strideH} c=${g.c} f=${f} ${act}`;
          // Winograd's transforms round differently from the direct sums: relative to the output's scale.
          const rtol = C === Float64Array ? 1e-11 : 1e-4;
          assertClose(got, want, what, rtol, rtol * depth);
          assertClose(pre, wantPre, `${what} pre`, rtol, rtol * depth);
          const applied = new C(rows * f);
          be.activation(act, pre, 0.2, applied);
          same(got, applied, `${what} out = activation(pre)`);
          const plain = new C(rows * f).fill(NaN);
          be.convForward(x, g, kernel, { filters: f, bias, activation: act }, plain);
          same(plain, got, `${what} without pre`);
        }
      }
    }
  }
});

/** The public functions that run each activation's kernel on its own (leaky_relu with a slope of its own). */
const STANDALONE: Record<Exclude<FusedActivation, 'linear'>, (x: Tensor) => Tensor> = {
  relu: (x) => ops.relu(x),
  leaky_relu: (x) => leakyRelu(x, 0.3),
  gelu: (x) => gelu(x),
  gelu_tanh: (x) => gelu(x, true),
  silu: (x) => silu(x),
};

test('dense and conv2d with each fused activation: float64 gradients against finite differences, on every backend', () => {
  const saved = getBackend();
  try {
    for (const [name] of [['js', jsBackend] as [string, Backend], ...backends()]) {
      setBackend(name);
      for (const act of NONLINEAR) {
        const r = new Random(31 + FUSED_ACTIVATION_CODE[act]);
        const x = makeInput(r, { shape: [3, 4] });
        const w = makeInput(r, { shape: [4, 5] });
        const b = makeInput(r, { shape: [5] });
        gradcheck(([xi, wi, bi]) => dense(xi!, wi!, bi!, act), [x, w, b], { name: `${name} dense ${act}` });
        const img = makeInput(r, { shape: [2, 5, 5, 2] });
        const k = makeInput(r, { shape: [3, 3, 2, 3] });
        const cb = makeInput(r, { shape: [3] });
        gradcheck(([xi, ki, bi]) => conv2d(xi!, ki!, { padding: 'same', bias: bi!, activation: act }), [img, k, cb], {
          name: `${name} conv2d ${act}`,
        });
        gradcheck(([xi]) => STANDALONE[act](xi!), [x], { name: `${name} standalone ${act}` });
      }
    }
  } finally {
    setBackend(saved);
  }
});

test('Dense and Conv2D layers with gelu, silu and leaky_relu compute the linear layer followed by the activation', () => {
  const r = new Random(5);
  const x = makeInput(r, { shape: [4, 6] }, 'float32');
  const img = makeInput(r, { shape: [2, 6, 6, 3] }, 'float32');
  // The fused layer against the same weights in a linear layer, then the activation on its own.
  const check = (
    fused: Layer,
    linear: Layer,
    input: Tensor,
    act: 'gelu' | 'silu' | 'leaky_relu',
    what: string,
  ): void => {
    fused.apply(input);
    linear.apply(input);
    linear.setWeights(fused.getWeights());
    const want =
      act === 'leaky_relu' ? leakyRelu(linear.apply(input) as Tensor) : STANDALONE[act](linear.apply(input) as Tensor);
    same((fused.apply(input) as Tensor).data, want.data, `${what} ${act}`);
  };
  for (const act of ['gelu', 'silu', 'leaky_relu'] as const) {
    check(new Dense(7, { activation: act }), new Dense(7), x, act, 'Dense');
    check(
      new Conv2D(4, 3, { activation: act, padding: 'same' }),
      new Conv2D(4, 3, { padding: 'same' }),
      img,
      act,
      'Conv2D',
    );
  }
});

test('the pre-activation buffer is written only when a gradient will be asked for', () => {
  const calls: (FloatArr | null | undefined)[] = [];
  const saved = getBackend();
  const base = backend();
  const spy: Backend = {
    ...base,
    name: 'matmul-spy',
    matmul: (a, b, out, p) => (calls.push(p.preActivation), base.matmul(a, b, out, p)),
  };
  registerBackend(spy);
  setBackend('matmul-spy');
  try {
    const x = new Tensor(Float32Array.of(1, -2, 3, 0.5), [2, 2], 'float32');
    const w = new Tensor(Float32Array.of(0.5, -1, 2, 0.25), [2, 2], 'float32');
    dense(x, w, null, 'gelu');
    assert.equal(calls.pop(), null, 'no input requires a gradient: no second output');
    w.requiresGrad = true;
    dense(x, w, null, 'gelu');
    assert.ok(calls.pop() instanceof Float32Array, 'training: the pre-activation is kept for the backward pass');
    dense(x, w, null, 'leaky_relu');
    assert.equal(calls.pop(), null, 'leaky_relu reads its gradient from the output');
  } finally {
    setBackend(saved);
  }
});

test('refusals: unknown activation codes, convBackward with a non-mask activation, bfloat16 epilogues beyond relu', () => {
  for (const [name, be] of [['js', jsBackend] as [string, Backend], ...backends()]) {
    const g = geometry(1, 4, 4, 1, 3, 3, 1, 'valid');
    const p = { filters: 1, activation: 'gelu' as const };
    const four = new Float32Array(4);
    assert.throws(
      () =>
        be.convBackward(new Float32Array(16), g, new Float32Array(9), p, four, four, {
          x: null,
          kernel: new Float32Array(9),
          bias: null,
        }),
      /convBackward.*(gelu|only linear and relu)/,
      name,
    );
    if (name === 'js') continue;
    // A code outside the table (here undefined, as from a misspelt name) is refused, not run as linear.
    assert.throws(() => be.activation('swish' as FusedActivation, four, 0, four), /act/i, name);
  }
  assert.throws(
    () =>
      nativeBackend().matmulBf16(new Uint16Array(4), new Uint16Array(4), new Uint16Array(4), {
        batch: 1,
        m: 2,
        n: 2,
        k: 2,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
        activation: 'gelu',
      }),
    /only linear and relu/,
  );
  const x = ops.astype(new Tensor(Float32Array.of(1, 2), [1, 2], 'float32'), 'bfloat16');
  assert.throws(() => dense(x, ops.reshape(x, [2, 1]), null, 'silu'), /bfloat16 fuses only relu and linear, not silu/);
  assert.ok(needsPreActivation('gelu') && needsPreActivation('silu') && !needsPreActivation('leaky_relu'));
});
