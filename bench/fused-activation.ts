/**
 * Activations fused into the matmul / convolution epilogue (ops/matmul.ts dense, ops/conv.ts)
 * against the same layer as a linear product followed by the activation composed from elementwise
 * ops (how gelu, silu and leaky_relu ran before they had kernels), forward + backward, alternating
 * in one process so both see the same load. Shapes: the lecture MLP's first layer (batch 128,
 * 784 -> 512) and its CNN's second convolution (batch 32, 26x26x32, 3x3, 64 filters).
 *
 *   npm run bench:fused-activation -- [--backend native|wasm|js] [--rounds 7]
 */
import { intArg, parseArgs } from '../examples/args.js';
import type { FusedActivation } from '../src/backend/backend.js';
import { gradients } from '../src/core/autograd.js';
import { loadNativeBackend } from '../src/backend/native/index.js';
import { loadWasmBackend } from '../src/backend/wasm/node.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { getNumThreads } from '../src/backend/threads.js';
import * as ops from '../src/ops/index.js';
import { dense } from '../src/ops/matmul.js';
import { conv2d } from '../src/ops/conv.js';
import type { Tensor } from '../src/core/tensor.js';

const args = parseArgs();
const rounds = intArg(args, 'rounds', 7);
loadNativeBackend({ silent: true });
loadWasmBackend();
setBackend(args.get('backend') ?? 'native');

/** The compositions the activations were before their kernels (Keras's equations as ops). */
const COMPOSED: Record<'gelu' | 'silu' | 'leaky_relu', (z: Tensor) => Tensor> = {
  gelu: (z) => ops.mul(ops.mul(z, 0.5), ops.add(ops.erf(ops.mul(z, Math.SQRT1_2)), 1)),
  silu: (z) => ops.mul(z, ops.sigmoid(z)),
  leaky_relu: (z) => ops.where(ops.greater(z, 0), z, ops.mul(z, 0.2)),
};

const x = ops.randomNormal([128, 784]);
const w = ops.mul(ops.randomNormal([784, 512]), 0.05);
const b = ops.mul(ops.randomNormal([512]), 0.1);
const img = ops.randomNormal([32, 26, 26, 32]);
const k = ops.mul(ops.randomNormal([3, 3, 32, 64]), 0.05);
const kb = ops.mul(ops.randomNormal([64]), 0.1);
for (const t of [w, b, k, kb]) t.requiresGrad = true;

const median = (a: number[]): number => a.slice().sort((p, q) => p - q)[a.length >> 1]!;
const time = (f: () => Tensor, wrt: Tensor[], n: number): number => {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const y = f();
    gradients(ops.sum(y), wrt);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6 / n;
};

for (const act of ['gelu', 'silu', 'leaky_relu'] as const) {
  // relu, fused since the lecture, is the floor: the same product with the cheapest epilogue.
  const cases: [string, () => Tensor, () => Tensor, () => Tensor, Tensor[], number][] = [
    [
      'dense 128x784->512',
      () => dense(x, w, b, act as FusedActivation),
      () => COMPOSED[act](dense(x, w, b, 'linear')),
      () => dense(x, w, b, 'relu'),
      [w, b],
      20,
    ],
    [
      'conv 32x26x26x32 3x3->64',
      () => conv2d(img, k, { bias: kb, activation: act }),
      () => COMPOSED[act](conv2d(img, k, { bias: kb })),
      () => conv2d(img, k, { bias: kb, activation: 'relu' }),
      [k, kb],
      3,
    ],
  ];
  for (const [shape, fused, composed, relu, wrt, n] of cases) {
    for (let i = 0; i < 2; i++) [fused, composed, relu].forEach((f) => time(f, wrt, 1));
    const rows: [number, number, number][] = [];
    for (let r = 0; r < rounds; r++) rows.push([time(fused, wrt, n), time(composed, wrt, n), time(relu, wrt, n)]);
    const f = median(rows.map((r) => r[0]));
    const c = median(rows.map((r) => r[1]));
    const rl = median(rows.map((r) => r[2]));
    console.log(
      JSON.stringify({
        backend: getBackend(),
        threads: getNumThreads(),
        activation: act,
        shape,
        fused_ms: +f.toFixed(3),
        composed_ms: +c.toFixed(3),
        relu_fused_ms: +rl.toFixed(3),
        ratio: +(f / c).toFixed(3),
        rounds: rows.map((r) => r.map((v) => +v.toFixed(2))),
      }),
    );
  }
}
