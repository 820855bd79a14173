/**
 * LayerNormalization's fused last-axis kernel (ops/layer-norm.ts) against the composite it
 * replaced (mean, variance, rsqrt, mul, add), forward + backward on the transformer workload's
 * activations [32, 200, 32] float32, alternating in one process so both see the same load.
 *
 *   npm run build --silent && node dist/bench/layer-norm.js [--backend native|js|wasm] [--rounds 7]
 */
import { intArg, parseArgs } from '../examples/args.js';
import { gradients } from '../src/core/autograd.js';
import { loadNativeBackend } from '../src/backend/native/index.js';
import { loadWasmBackend } from '../src/backend/wasm/node.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import * as ops from '../src/ops/index.js';
import { layerNormLastAxis } from '../src/ops/layer-norm.js';
import type { Tensor } from '../src/core/tensor.js';

const args = parseArgs();
const rounds = intArg(args, 'rounds', 7);
loadNativeBackend({ silent: true });
loadWasmBackend();
setBackend(args.get('backend') ?? 'native');
const x = ops.randomNormal([32, 200, 32]);
const g = ops.randomNormal([32]);
const b = ops.randomNormal([32]);
const seed = ops.randomNormal([32, 200, 32]);
x.requiresGrad = g.requiresGrad = b.requiresGrad = true;
const composite = (): Tensor => {
  const m = ops.mean(x, [2], true);
  const v = ops.mean(ops.square(ops.sub(x, m)), [2], true);
  const inv = ops.mul(ops.rsqrt(ops.add(v, 1e-6)), g);
  return ops.add(ops.mul(x, inv), ops.sub(b, ops.mul(m, inv)));
};
const fused = (): Tensor => layerNormLastAxis(x, g, b, 1e-6);
const step = (f: () => Tensor): unknown => gradients(f(), [x, g, b], seed);
const time = (f: () => Tensor, n: number): number => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) step(f);
  return Number(process.hrtime.bigint() - t) / 1e6 / n;
};
for (let i = 0; i < 5; i++) [fused, composite].forEach(step);
const rows: [number, number][] = [];
for (let r = 0; r < rounds; r++) rows.push([time(fused, 30), time(composite, 30)]);
const med = (a: number[]): number => a.slice().sort((p, q) => p - q)[a.length >> 1]!;
console.log(
  JSON.stringify({
    backend: getBackend(),
    shape: [32, 200, 32],
    fused_ms: +med(rows.map((r) => r[0])).toFixed(3),
    composite_ms: +med(rows.map((r) => r[1])).toFixed(3),
    rounds: rows.map((r) => r.map((v) => +v.toFixed(2))),
  }),
);
