import type {
  Backend,
  BinaryOp,
  ConvParams,
  MatmulParams,
  RecurrentParams,
  UnaryOp,
  WindowGeometry,
} from '../backend.js';
import {
  ARITHMETIC_OPS,
  FUSED_ACTIVATION_CODE,
  COMPARE_OPS,
  RECURRENT_ACTIVATIONS,
  RECURRENT_CELLS,
  UNARY_OPS,
  writeAttentionMeta,
} from '../backend.js';
import { writeBroadcastLayout } from '../broadcast-layout.js';
import { jsBackend } from '../js/js-backend.js';
import { sizeOf } from '../../core/shape.js';
import type { NativeAddon } from './load-native.js';

// Op codes are positions in the interface's op lists; native/elementwise.h uses the same order.
const UNARY_CODE = new Map<UnaryOp, number>(UNARY_OPS.map((op, i) => [op, i]));
const BINARY_CODE = new Map<BinaryOp, number>([...ARITHMETIC_OPS, ...COMPARE_OPS].map((op, i) => [op, i]));
const REDUCE_CODE = { sum: 0, max: 1, min: 2 } as const;
const ARG_CODE = { argmax: 0, argmin: 1 } as const;

const MAX_RANK = 64;
// Shapes and matmul parameters travel in one reused buffer: no allocation per call.
const meta = new Float64Array(1 + 3 * MAX_RANK);

function code<K>(map: Map<K, number>, op: K): number {
  const c = map.get(op);
  if (c === undefined) throw new Error(`native backend: unknown op '${String(op)}'.`);
  return c;
}

function writeFlatLayout(n: number, aStride: number, bStride: number): void {
  meta[0] = 1;
  meta[1] = n;
  meta[2] = aStride;
  meta[3] = bStride;
}

function writeMatmul(p: MatmulParams): void {
  meta[0] = p.batch;
  meta[1] = p.m;
  meta[2] = p.n;
  meta[3] = p.k;
  meta[4] = p.transA ? 1 : 0;
  meta[5] = p.transB ? 1 : 0;
  meta[6] = p.aBatchStride;
  meta[7] = p.bBatchStride;
  meta[8] = FUSED_ACTIVATION_CODE[p.activation ?? 'linear'];
}

// Fused recurrent kernels: meta = [cell, batch, time, units, activation, recurrentActivation], codes
// being positions in RECURRENT_CELLS / RECURRENT_ACTIVATIONS (native/recurrent.h uses the same order).
function writeRecurrent(p: RecurrentParams): void {
  meta[0] = RECURRENT_CELLS.indexOf(p.cell);
  meta[1] = p.batch;
  meta[2] = p.time;
  meta[3] = p.units;
  meta[4] = RECURRENT_ACTIVATIONS.indexOf(p.activation);
  meta[5] = RECURRENT_ACTIVATIONS.indexOf(p.recurrentActivation);
}

function writeWindow(g: WindowGeometry): void {
  meta[0] = g.n;
  meta[1] = g.h;
  meta[2] = g.w;
  meta[3] = g.c;
  meta[4] = g.kh;
  meta[5] = g.kw;
  meta[6] = g.strideH;
  meta[7] = g.strideW;
  meta[8] = g.dilationH;
  meta[9] = g.dilationW;
  meta[10] = g.padTop;
  meta[11] = g.padLeft;
  meta[12] = g.outH;
  meta[13] = g.outW;
}

function writeConv(g: WindowGeometry, p: ConvParams): void {
  writeWindow(g);
  meta[14] = p.filters;
  meta[15] = FUSED_ACTIVATION_CODE[p.activation];
}

/**
 * Adapts the addon to the Backend interface. Every kernel and dtype runs natively (float32 and
 * float64 everywhere, int32/uint8 where the interface allows them; bfloat16 casts and matmul).
 * Delegations to the reference kernels: a binary op whose two inputs have different storage
 * types, which ops never issue (they promote first), and transpose / gather of bfloat16 storage,
 * which are plain copies the addon has no 16-bit version of.
 */
export function createNativeBackend(addon: NativeAddon): Backend {
  return {
    name: 'native',
    unary(op, x, out) {
      addon.unary(code(UNARY_CODE, op), x, out);
    },
    clip(x, lo, hi, out) {
      addon.clip(x, lo, hi, out);
    },
    binary(op, a, aShape, b, bShape, out, outShape) {
      if (a.constructor !== b.constructor) {
        jsBackend.binary(op, a, aShape, b, bShape, out, outShape);
        return;
      }
      const n = sizeOf(outShape);
      if (n === 0) return;
      if (a.length === n && b.length === n) writeFlatLayout(n, 1, 1);
      else if (b.length === 1 && a.length === n) writeFlatLayout(n, 1, 0);
      else if (a.length === 1 && b.length === n) writeFlatLayout(n, 0, 1);
      else {
        if (outShape.length > MAX_RANK) throw new Error(`native backend: rank ${outShape.length} exceeds ${MAX_RANK}.`);
        writeBroadcastLayout(meta, 0, aShape, bShape, outShape);
      }
      addon.binary(code(BINARY_CODE, op), a, b, out, meta);
    },
    cast(x, out) {
      // A Uint16Array is bfloat16 storage.
      if (x instanceof Uint16Array || out instanceof Uint16Array) {
        if (x instanceof Uint16Array && out instanceof Uint16Array) out.set(x);
        else addon.castBf16(x, out);
        return;
      }
      addon.cast(x, out);
    },
    reduce(op, x, outer, n, inner, out) {
      addon.reduce(REDUCE_CODE[op], x, outer, n, inner, out);
    },
    argReduce(op, x, outer, n, inner, out) {
      addon.argReduce(ARG_CODE[op], x, outer, n, inner, out);
    },
    matmul(a, b, out, p) {
      writeMatmul(p);
      addon.matmul(a, b, out, p.bias ?? null, p.preActivation ?? null, meta);
    },
    matmulBf16(a, b, out, p) {
      writeMatmul(p);
      addon.matmulBf16(a, b, out, p.bias ?? null, meta);
    },
    transpose(x, shape, perm, out) {
      const r = shape.length;
      if (r > MAX_RANK) throw new Error(`native backend: rank ${r} exceeds ${MAX_RANK}.`);
      if (perm.length !== r) throw new Error(`transpose: perm has ${perm.length} axes for a rank-${r} tensor.`);
      meta[0] = r;
      for (let d = 0; d < r; d++) {
        meta[1 + d] = shape[d]!;
        meta[1 + r + d] = perm[d]!;
      }
      // bfloat16 (Uint16Array) has no native copy kernels: the reference moves it.
      if (x instanceof Uint16Array) jsBackend.transpose(x, shape, perm, out);
      else addon.transpose(x, out, meta);
    },
    gather(x, outer, axisSize, inner, indices, out) {
      if (x instanceof Uint16Array) jsBackend.gather(x, outer, axisSize, inner, indices, out);
      else addon.gather(x, outer, axisSize, inner, indices, out);
    },
    scatterAdd(updates, outer, axisSize, inner, indices, out) {
      addon.scatterAdd(updates, outer, axisSize, inner, indices, out);
    },
    im2col(x, g, out) {
      writeWindow(g);
      addon.im2col(x, out, meta);
    },
    col2im(cols, g, out) {
      writeWindow(g);
      addon.col2im(cols, out, meta);
    },
    convForward(x, g, kernel, p, out) {
      writeConv(g, p);
      addon.convForward(x, kernel, p.bias ?? null, out, p.preActivation ?? null, meta);
    },
    convBackward(x, g, kernel, p, y, grad, d) {
      writeConv(g, p);
      addon.convBackward(x, kernel, y, grad, d.x, d.kernel, d.bias, meta);
    },
    depthwiseConvForward(x, g, kernel, multiplier, out) {
      writeWindow(g);
      meta[14] = multiplier;
      addon.depthwiseConvForward(x, kernel, out, meta);
    },
    depthwiseConvBackward(x, g, kernel, multiplier, grad, d) {
      writeWindow(g);
      meta[14] = multiplier;
      addon.depthwiseConvBackward(x, kernel, grad, d.x, d.kernel, meta);
    },
    maxPool(x, g, out, argmax) {
      writeWindow(g);
      addon.maxPool(x, out, argmax, meta);
    },
    maxPoolGrad(grad, argmax, g, out) {
      writeWindow(g);
      addon.maxPoolGrad(grad, argmax, out, meta);
    },
    softmax(x, rows, n, log, out) {
      addon.softmax(x, rows, n, log, out);
    },
    softmaxCrossEntropy(logits, labels, rows, n, loss, probs) {
      addon.softmaxCrossEntropy(logits, labels, rows, n, loss, probs);
    },
    layerNorm(x, gamma, beta, rows, n, epsilon, out, mean, rstd) {
      addon.layerNorm(x, gamma, beta, rows, n, epsilon, out, mean, rstd);
    },
    layerNormBackward(grad, x, gamma, mean, rstd, rows, n, dx, dGamma, dBeta) {
      addon.layerNormBackward(grad, x, gamma, mean, rstd, rows, n, dx, dGamma, dBeta);
    },
    dropout(x, p, out) {
      addon.dropout(x, p.seed0 >>> 0, p.seed1 >>> 0, p.rate, out);
    },
    reluGrad(grad, y, out) {
      addon.reluGrad(grad, y, out);
    },
    activation(act, x, alpha, out) {
      addon.activation(FUSED_ACTIVATION_CODE[act], x, alpha, out);
    },
    activationGrad(act, grad, x, alpha, out) {
      addon.activationGrad(FUSED_ACTIVATION_CODE[act], grad, x, alpha, out);
    },
    batchNormStats(x, rows, channels, mean, variance) {
      addon.batchNormStats(x, rows, channels, mean, variance);
    },
    channelAffine(x, rows, channels, scale, shift, relu, out) {
      addon.channelAffine(x, rows, channels, scale, shift, relu, out);
    },
    batchNormGradSums(dy, x, center, rows, channels, sumDy, sumDyXc, relu) {
      addon.batchNormGradSums(dy, x, center, rows, channels, sumDy, sumDyXc, relu?.scale ?? null, relu?.shift ?? null);
    },
    batchNormInputGrad(dy, x, rows, channels, a, b, d, out, relu) {
      addon.batchNormInputGrad(dy, x, rows, channels, a, b, d, out, relu?.scale ?? null, relu?.shift ?? null);
    },
    adamUpdate(param, grad, m, v, p) {
      addon.adamUpdate(param, grad, m, v, p.lr, p.beta1, p.beta2, p.epsilon, p.step);
    },
    sgdUpdate(param, grad, velocity, p) {
      addon.sgdUpdate(param, grad, velocity, p.lr, p.momentum, p.nesterov);
    },
    rmspropUpdate(param, grad, ms, mom, mg, p) {
      addon.rmspropUpdate(param, grad, ms, mom, mg, p.lr, p.rho, p.momentum, p.epsilon, p.centered);
    },
    attention(q, k, v, keep, p, out, probs) {
      writeAttentionMeta(meta, p);
      addon.attention(q, k, v, keep, out, probs, meta);
    },
    attentionBackward(q, k, v, keep, probs, grad, p, dq, dk, dv) {
      writeAttentionMeta(meta, p);
      addon.attentionBackward(q, k, v, keep, probs, grad, dq, dk, dv, meta);
    },
    rnnForward(projected, recurrentKernel, recurrentBias, recurrentMask, stepMask, p, hseq, cache) {
      writeRecurrent(p);
      addon.rnnForward(projected, recurrentKernel, recurrentBias, recurrentMask, stepMask, hseq, cache, meta);
    },
    rnnBackward(recurrentKernel, recurrentMask, stepMask, cache, dHseq, dhLast, dcLast, p, dProjected, dKernel, dBias) {
      writeRecurrent(p);
      addon.rnnBackward(
        recurrentKernel,
        recurrentMask,
        stepMask,
        cache,
        dHseq,
        dhLast,
        dcLast,
        dProjected,
        dKernel,
        dBias,
        meta,
      );
    },
  };
}
