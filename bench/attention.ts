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
import { loadNativeBackend, nativeAddon } from '../src/backend/native/index.js';
import { loadWasmBackend } from '../src/backend/wasm/node.js';
import { backend, getBackend, setBackend } from '../src/backend/registry.js';
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

// The attention kernels alone (no projections), native only: forward with the softmax's exp as
// the AVX2 polynomial and as libm's scalar exp, alternating, and the backward pass.
const addon = getBackend() === 'native' ? nativeAddon() : null;
if (addon) {
  const be = backend();
  const [B, T, H, D] = [32, 200, 2, 32];
  const q = ops.randomNormal([B, T, H * D]).data as Float32Array;
  const k = ops.randomNormal([B, T, H * D]).data as Float32Array;
  const v = ops.randomNormal([B, T, H * D]).data as Float32Array;
  const g = ops.randomNormal([B, T, H * D]).data as Float32Array;
  const out = new Float32Array(B * T * H * D);
  const probs = new Float32Array(B * H * T * T);
  const [dq, dk, dv] = [out.slice(), out.slice(), out.slice()];
  const p = { batch: B, tq: T, tk: T, heads: H, dk: D, dv: D, scale: 1 / Math.sqrt(D), maskBatch: 1 };
  const ms = (f: () => void, n: number): number => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    return Number(process.hrtime.bigint() - t) / 1e6 / n;
  };
  const forward = (): void => be.attention(q, k, v, null, p, out, probs);
  const backward = (): void => be.attentionBackward(q, k, v, null, probs, g, p, dq, dk, dv);
  const kernelRows: [number, number, number][] = [];
  for (let r = 0; r < rounds; r++) {
    const simd = addon.setExpSimd(true);
    const a = ms(forward, 10);
    addon.setExpSimd(false);
    const b = ms(forward, 10);
    addon.setExpSimd(simd);
    kernelRows.push([a, b, ms(backward, 10)]);
  }
  console.log(
    JSON.stringify({
      kernels: 'attention',
      exp_simd: addon.setExpSimd(true),
      forward_ms: +med(kernelRows.map((r) => r[0])).toFixed(3),
      forward_libm_exp_ms: +med(kernelRows.map((r) => r[1])).toFixed(3),
      backward_ms: +med(kernelRows.map((r) => r[2])).toFixed(3),
    }),
  );
}
