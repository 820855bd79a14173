// The threaded wasm module (prebuilt/deepscript-mt.wasm) in Node: its pool runs on worker_threads
// over the module's shared memory. Kernels large enough to split across threads (the lecture
// models' shapes) must match the js reference on random inputs at 2 and 3 threads, with
// resident arrays (read in place) and ordinary ones (copied in); the pool resizes, and
// DEEPSCRIPT_NUM_THREADS sets its initial size as it does the native pool's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, WindowGeometry } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { wasmInfo } from '../src/backend/wasm/register.js';
import type { WasmRuntime } from '../src/backend/wasm/wasm-backend.js';
import { rng, wasmBackend } from './helpers/native.js';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.js');

function random(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

/** A copy of `a` in the module's memory (resident), or on the JS heap. */
function place(rt: WasmRuntime, a: Float32Array, resident: boolean): Float32Array {
  if (!resident) return a.slice();
  const got = rt.allocate(Float32Array, a.length);
  assert.ok(got, 'the module heap refused a test array');
  got.array.set(a);
  return got.array;
}

function assertClose(got: Float32Array, want: Float32Array, rtol: number, label: string): void {
  assert.equal(got.length, want.length, label);
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= rtol * Math.max(scale, 1e-30))) {
      assert.fail(`${label}: element ${i} is ${got[i]}, the reference ${want[i]} (scale ${scale})`);
    }
  }
}

const CONV: WindowGeometry = {
  n: 8,
  h: 28,
  w: 28,
  c: 1,
  kh: 3,
  kw: 3,
  strideH: 1,
  strideW: 1,
  dilationH: 1,
  dilationW: 1,
  padTop: 0,
  padLeft: 0,
  outH: 26,
  outW: 26,
};
const CONV2: WindowGeometry = { ...CONV, n: 2, h: 26, w: 26, c: 32, outH: 24, outW: 24 };

/** The kernels' outputs on `be` for fixed random inputs, placed by `put`. */
function run(be: Backend, put: (a: Float32Array) => Float32Array): Float32Array[] {
  const outs: Float32Array[] = [];
  // The lecture MLP's first layer: [200, 784] x [784, 512] + bias, relu.
  const a = put(random(200 * 784, 1, 0, 1));
  const b = put(random(784 * 512, 2, -0.05, 0.05));
  const bias = put(random(512, 3));
  const y = put(new Float32Array(200 * 512));
  be.matmul(a, b, y, {
    batch: 1,
    m: 200,
    n: 512,
    k: 784,
    transA: false,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
    bias,
    activation: 'relu',
  });
  outs.push(y);
  // Its kernel gradient, A^T x dY.
  const dy = put(random(200 * 512, 4));
  const gk = put(new Float32Array(784 * 512));
  be.matmul(a, dy, gk, {
    batch: 1,
    m: 784,
    n: 512,
    k: 200,
    transA: true,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
  });
  outs.push(gk);
  // The lecture CNN's two convolutions, forward and backward.
  for (const [g, f, seed] of [[CONV, 32, 10] as const, [CONV2, 64, 20] as const]) {
    const x = put(random(g.n * g.h * g.w * g.c, seed, 0, 1));
    const kernel = put(random(g.kh * g.kw * g.c * f, seed + 1, -0.3, 0.3));
    const cb = put(random(f, seed + 2));
    const p = { filters: f, bias: cb, activation: 'relu' as const };
    const rows = g.n * g.outH * g.outW;
    const out = put(new Float32Array(rows * f));
    be.convForward(x, g, kernel, p, out);
    const grad = put(random(rows * f, seed + 3));
    const gx = put(new Float32Array(x.length));
    const gker = put(new Float32Array(kernel.length));
    const gb = put(new Float32Array(f));
    be.convBackward(x, g, kernel, p, out, grad, { x: gx, kernel: gker, bias: gb });
    outs.push(out, gx, gker, gb);
  }
  // Element-wise, reduction and optimizer kernels over a million elements.
  const n = 1 << 20;
  const u = put(random(n, 30));
  const v = put(random(n, 31));
  const sum = put(new Float32Array(n));
  be.binary('add', u, [n], v, [n], sum, [n]);
  const ex = put(new Float32Array(n));
  be.unary('exp', u, ex);
  const red = put(new Float32Array(16));
  be.reduce('sum', u, 16, n / 16, 1, red);
  const param = put(random(n, 32));
  const m = put(random(n, 33, 0, 0.1));
  const vv = put(random(n, 34, 0, 0.1));
  be.adamUpdate(param, v, m, vv, { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 3 });
  outs.push(sum, ex, red, param, m, vv);
  return outs.map((o) => o.slice());
}

test('the threaded module: lecture-sized kernels match the js reference at 2 and 3 threads', () => {
  const be = wasmBackend();
  const rt = wasmInfo()!.runtime;
  assert.equal(rt.threaded, true, 'Node loads the threaded module');
  const want = run(jsBackend, (a) => a.slice());
  for (const threads of [2, 3]) {
    assert.equal(rt.setNumThreads(threads), threads);
    assert.equal(rt.numThreads, threads);
    for (const resident of [true, false]) {
      const got = run(be, (a) => place(rt, a, resident));
      got.forEach((g, i) => assertClose(g, want[i]!, 2e-5, `output ${i}, ${threads} threads, resident ${resident}`));
    }
  }
  // Back to one thread: the same results.
  assert.equal(rt.setNumThreads(1), 1);
  run(be, (a) => place(rt, a, true)).forEach((g, i) => assertClose(g, want[i]!, 2e-5, `output ${i}, 1 thread`));
  rt.setNumThreads(2);
});

test('DEEPSCRIPT_NUM_THREADS sets the wasm pool, setNumThreads resizes it, and the process still exits', () => {
  const script =
    `import(${JSON.stringify(entry)}).then((m) => { m.setBackend('wasm'); const a = m.getNumThreads();` +
    ` m.tensor([[1, 2], [3, 4]]).matmul(m.tensor([[1], [1]])); m.setNumThreads(2); console.log(a, m.getNumThreads()); });`;
  const r = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, DEEPSCRIPT_BACKEND: 'wasm', DEEPSCRIPT_NUM_THREADS: '3' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '3 2');
});
