/**
 * MultiHeadAttention's fused attention kernels (ops/attention.ts) against the composition they
 * replace (transposed heads, matmul, masked softmax, matmul), forward + backward of one
 * self-attention on the transformer workload's activations [32, 200, 32] float32 (2 heads,
 * keyDim 32), alternating in one process so both see the same load. The composition is the
 * layer's own path for returnAttentionScores, so both compute the same layer.
 *
 *   npm run build --silent && node dist/bench/attention.js [--backend native|js|wasm] [--rounds 7]
 */
import { intArg, parseArgs } from '../examples/args.js';
import { gradients } from '../src/core/autograd.js';
import { loadNativeBackend } from '../src/backend/native/index.js';
import { loadWasmBackend } from '../src/backend/wasm/node.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import * as ops from '../src/ops/index.js';
import { MultiHeadAttention } from '../src/layers/multi-head-attention.js';
import type { Tensor } from '../src/core/tensor.js';

const args = parseArgs();
const rounds = intArg(args, 'rounds', 7);
loadNativeBackend({ silent: true });
loadWasmBackend();
setBackend(args.get('backend') ?? 'native');
const x = ops.randomNormal([32, 200, 32]);
const seed = ops.randomNormal([32, 200, 32]);
x.requiresGrad = true;
const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 32 });
mha.apply(x, { value: x });
const fused = (): Tensor => mha.apply(x, { value: x });
const composite = (): Tensor => (mha.apply(x, { value: x, returnAttentionScores: true }) as unknown as Tensor[])[0]!;
const step = (f: () => Tensor): unknown => gradients(f(), [x, ...mha.trainableWeights], seed);
const time = (f: () => Tensor, n: number): number => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) step(f);
  return Number(process.hrtime.bigint() - t) / 1e6 / n;
};
for (let i = 0; i < 3; i++) [fused, composite].forEach(step);
const rows: [number, number][] = [];
for (let r = 0; r < rounds; r++) rows.push([time(fused, 10), time(composite, 10)]);
const med = (a: number[]): number => a.slice().sort((p, q) => p - q)[a.length >> 1]!;
console.log(
  JSON.stringify({
    backend: getBackend(),
    shape: [32, 200, 32],
    heads: 2,
    keyDim: 32,
    fused_ms: +med(rows.map((r) => r[0])).toFixed(3),
    composite_ms: +med(rows.map((r) => r[1])).toFixed(3),
    rounds: rows.map((r) => r.map((v) => +v.toFixed(2))),
  }),
);
