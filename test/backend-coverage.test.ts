/**
 * Which kernels do the ops use? Runs every op's forward and backward (the gradient table, in
 * float32 and float64), the non-differentiable ops, and every optimizer on a recording proxy of
 * the reference backend, then checks that
 *  - every kernel used is listed in KERNEL_NAMES,
 *  - every registered backend implements every used kernel (and every op code of the
 *    op-switched kernels: unary/binary/reduce/argReduce),
 *  - KERNEL_NAMES (and the op-code lists) hold nothing that no op uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../src/backend/backend.js';
import { ARITHMETIC_OPS, COMPARE_OPS, KERNEL_NAMES, REDUCE_OPS, UNARY_OPS } from '../src/backend/backend.js';
import { findBackend, getBackend, listBackends, registerBackend, setBackend } from '../src/backend/registry.js';
import { loadNativeBackend } from '../src/backend/native/index.js';
import { loadWasmBackend } from '../src/backend/wasm/node.js';
import { gradients } from '../src/core/autograd.js';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { Variable } from '../src/core/variable.js';
import * as ops from '../src/ops/index.js';
import { Adam, RMSprop, SGD } from '../src/optimizers/index.js';
import type { Optimizer } from '../src/optimizers/index.js';
import { makeInput } from './helpers/gradcheck.js';
import { GRAD_CASES } from './helpers/grad-cases.js';
import { layerNormLastAxis } from '../src/ops/layer-norm.js';
import { fusedAttention } from '../src/ops/attention.js';

/** Kernels with an op-code first argument, recorded as `kernel:op` too. */
const OP_SWITCHED = new Set(['unary', 'binary', 'reduce', 'argReduce']);

function recordingBackend(inner: Backend, name: string, used: Set<string>): Backend {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'name') return name;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        used.add(prop);
        if (OP_SWITCHED.has(prop)) used.add(`${prop}:${String(args[0])}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function exerciseGradCases(dtype: 'float32' | 'float64'): void {
  GRAD_CASES.forEach((k, i) => {
    const rng = new Random(500 + i);
    const xs = k.inputs.map((spec) => {
      const t = makeInput(rng, spec, dtype);
      t.requiresGrad = true;
      return t;
    });
    const out = k.fn(xs, dtype);
    const seed = makeInput(rng, { shape: out.shape }, out.dtype === 'float32' ? 'float32' : 'float64');
    const grads = gradients(out, xs, seed);
    assert.ok(
      grads.some((g) => g !== null),
      `${k.name} (${dtype}): no gradient reached any input`,
    );
  });
}

function exerciseNonDifferentiable(): void {
  const x = ops.tensor([
    [-1.5, 0.5, 2.5],
    [3, -2, 0],
  ]);
  ops.argmax(x);
  ops.argmin(x, 0);
  for (const f of [ops.sign, ops.step, ops.floor, ops.round]) f(x);
  for (const f of [ops.equal, ops.notEqual, ops.greater, ops.greaterEqual, ops.less, ops.lessEqual]) f(x, 0.5);
  ops.astype(x, 'int32');
  ops.astype(x, 'bool');
  ops.astype(ops.astype(x, 'int32'), 'float64');
  const h = ops.astype(x, 'bfloat16');
  ops.astype(ops.matmul(h, ops.reshape(h, [3, 2])), 'float32');
  ops.oneHot(ops.tensor([0, 2], [2], 'int32'), 3);
  ops.mean(ops.tensor([1, 2], [2], 'int32'));
  ops.sum(ops.tensor([true, false]));
  ops.zerosLike(x);
  ops.onesLike(x);
  ops.full([2], 3);
  ops.arange(5);
  ops.fromArray([1, 2], [2]);
  ops.randomUniform([2]);
  ops.randomNormal([2]);
  ops.truncatedNormal([2]);
}

function exerciseOptimizers(dtype: 'float32' | 'float64'): void {
  const opts: Optimizer[] = [
    new Adam(),
    new SGD(),
    new SGD({ momentum: 0.9 }),
    new SGD({ momentum: 0.9, nesterov: true }),
    new RMSprop(),
    new RMSprop({ momentum: 0.5, centered: true }),
  ];
  for (const opt of opts) {
    const v = new Variable(ops.randomNormal([3, 2], 0, 1, { dtype }), 'w');
    for (let step = 0; step < 2; step++) opt.applyGradients([v], [ops.randomNormal([3, 2], 0, 1, { dtype })]);
  }
}

test('every backend implements every kernel the ops and optimizers use; no kernel is dead', () => {
  // Register the native backend too when its addon is built (no-op otherwise).
  loadNativeBackend({ silent: true });
  loadWasmBackend();
  const before = getBackend();
  const used = new Set<string>();
  const jsBackend = findBackend('js');
  assert.ok(jsBackend, "the 'js' backend is always registered");
  registerBackend(recordingBackend(jsBackend, 'recording-test', used));
  used.clear(); // registerBackend probes every kernel
  setBackend('recording-test');
  try {
    for (const dtype of ['float32', 'float64'] as const) {
      exerciseGradCases(dtype);
      exerciseOptimizers(dtype);
    }
    exerciseNonDifferentiable();
    // Layer kernels outside ops/index (LayerNormalization's fused last-axis kernel).
    const [lx, lg] = [ops.randomNormal([4, 3]), ops.randomNormal([3])];
    lx.requiresGrad = lg.requiresGrad = true;
    gradients(layerNormLastAxis(lx, lg, lg, 1e-3), [lx, lg], ops.randomNormal([4, 3]));
    // MultiHeadAttention's fused attention kernels.
    const aq = ops.randomNormal([2, 3, 4]);
    aq.requiresGrad = true;
    gradients(fusedAttention(aq, aq, aq, null, 2, 0.5).out, [aq], ops.randomNormal([2, 3, 4]));
  } finally {
    setBackend(before === 'recording-test' ? 'js' : before);
  }
  assert.equal(getBackend(), before);

  const kernels = [...used].filter((k) => !k.includes(':')).sort();
  const listed = new Set<string>(KERNEL_NAMES);
  assert.deepEqual(
    kernels.filter((k) => !listed.has(k)),
    [],
    'kernels used by ops but missing from KERNEL_NAMES',
  );
  assert.deepEqual(
    KERNEL_NAMES.filter((k) => !used.has(k)),
    [],
    'dead kernels: listed in KERNEL_NAMES but used by no op or optimizer',
  );

  // Op codes of the switched kernels: each one listed is used, and each one used is listed.
  const codes: Record<string, readonly string[]> = {
    unary: UNARY_OPS,
    binary: [...ARITHMETIC_OPS, ...COMPARE_OPS],
    reduce: REDUCE_OPS,
    argReduce: ['argmax', 'argmin'],
  };
  for (const [kernel, list] of Object.entries(codes)) {
    const usedCodes = [...used].filter((k) => k.startsWith(`${kernel}:`)).map((k) => k.slice(kernel.length + 1));
    assert.deepEqual(
      usedCodes.filter((c) => !list.includes(c)),
      [],
      `${kernel}: op codes used but not declared`,
    );
    assert.deepEqual(
      list.filter((c) => !usedCodes.includes(c)),
      [],
      `${kernel}: op codes no op uses`,
    );
  }

  const names = listBackends();
  assert.ok(names.includes('js'));
  for (const name of names) {
    const b = findBackend(name) as unknown as Record<string, unknown> | undefined;
    assert.ok(b, `listBackends() names '${name}' but findBackend cannot find it`);
    const missing = kernels.filter((k) => typeof b[k] !== 'function');
    assert.deepEqual(missing, [], `backend '${name}' lacks kernels the ops use`);
  }
});

test('the recording proxy ran the real kernels (results equal the js backend)', () => {
  const x = ops.tensor(
    [
      [1, 2],
      [3, 4],
    ],
    undefined,
    'float64',
  );
  const direct = ops.softmax(ops.matmul(x, x));
  const used = new Set<string>();
  registerBackend(recordingBackend(findBackend('js')!, 'recording-test-2', used));
  used.clear();
  setBackend('recording-test-2');
  try {
    const viaProxy = ops.softmax(ops.matmul(x, x));
    assert.deepEqual(Array.from(viaProxy.data), Array.from(direct.data));
    assert.ok(viaProxy instanceof Tensor);
    assert.deepEqual([...used].filter((k) => !k.includes(':')).sort(), ['matmul', 'softmax']);
  } finally {
    setBackend('js');
  }
});
