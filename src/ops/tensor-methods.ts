import type { DType } from '../core/dtype.js';
import { gradients } from '../core/autograd.js';
import { Tensor } from '../core/tensor.js';
import type { Operand } from './operand.js';
import * as ops from './index.js';

/** Method-style access to the ops (`x.add(y).relu()`), attached to Tensor's prototype. */
declare module '../core/tensor.js' {
  interface Tensor {
    add(b: Operand): Tensor;
    sub(b: Operand): Tensor;
    mul(b: Operand): Tensor;
    div(b: Operand): Tensor;
    pow(b: Operand): Tensor;
    maximum(b: Operand): Tensor;
    minimum(b: Operand): Tensor;
    equal(b: Operand): Tensor;
    greater(b: Operand): Tensor;
    less(b: Operand): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    clip(lo: number, hi: number): Tensor;
    sum(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    mean(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    max(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    min(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    argmax(axis?: number): Tensor;
    argmin(axis?: number): Tensor;
    matmul(b: Tensor): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    reshape(shape: readonly number[]): Tensor;
    flatten(): Tensor;
    expandDims(axis: number): Tensor;
    squeeze(axes?: readonly number[]): Tensor;
    astype(dtype: DType | string): Tensor;
    slice(begin: readonly number[], size?: readonly number[]): Tensor;
    take(indices: Tensor | readonly number[] | Int32Array): Tensor;
    gather(indices: Tensor | readonly number[] | Int32Array, axis?: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    /** PyTorch-style: fills `.grad` of every leaf that requires a gradient. */
    backward(grad?: Tensor): void;
  }
}

const proto = Tensor.prototype;
proto.add = function (b) {
  return ops.add(this, b);
};
proto.sub = function (b) {
  return ops.sub(this, b);
};
proto.mul = function (b) {
  return ops.mul(this, b);
};
proto.div = function (b) {
  return ops.div(this, b);
};
proto.pow = function (b) {
  return ops.pow(this, b);
};
proto.maximum = function (b) {
  return ops.maximum(this, b);
};
proto.minimum = function (b) {
  return ops.minimum(this, b);
};
proto.equal = function (b) {
  return ops.equal(this, b);
};
proto.greater = function (b) {
  return ops.greater(this, b);
};
proto.less = function (b) {
  return ops.less(this, b);
};
proto.neg = function () {
  return ops.neg(this);
};
proto.abs = function () {
  return ops.abs(this);
};
proto.exp = function () {
  return ops.exp(this);
};
proto.log = function () {
  return ops.log(this);
};
proto.sqrt = function () {
  return ops.sqrt(this);
};
proto.square = function () {
  return ops.square(this);
};
proto.relu = function () {
  return ops.relu(this);
};
proto.sigmoid = function () {
  return ops.sigmoid(this);
};
proto.tanh = function () {
  return ops.tanh(this);
};
proto.clip = function (lo, hi) {
  return ops.clip(this, lo, hi);
};
proto.sum = function (axes, keepDims) {
  return ops.sum(this, axes, keepDims);
};
proto.mean = function (axes, keepDims) {
  return ops.mean(this, axes, keepDims);
};
proto.max = function (axes, keepDims) {
  return ops.max(this, axes, keepDims);
};
proto.min = function (axes, keepDims) {
  return ops.min(this, axes, keepDims);
};
proto.argmax = function (axis) {
  return ops.argmax(this, axis);
};
proto.argmin = function (axis) {
  return ops.argmin(this, axis);
};
proto.matmul = function (b) {
  return ops.matmul(this, b);
};
proto.transpose = function (perm) {
  return ops.transpose(this, perm);
};
proto.reshape = function (shape) {
  return ops.reshape(this, shape);
};
proto.flatten = function () {
  return ops.flatten(this);
};
proto.expandDims = function (axis) {
  return ops.expandDims(this, axis);
};
proto.squeeze = function (axes) {
  return ops.squeeze(this, axes);
};
proto.astype = function (dtype) {
  return ops.astype(this, dtype);
};
proto.slice = function (begin, size) {
  return ops.slice(this, begin, size);
};
proto.take = function (indices) {
  return ops.take(this, indices);
};
proto.gather = function (indices, axis) {
  return ops.gather(this, indices, axis);
};
proto.softmax = function (axis) {
  return ops.softmax(this, axis);
};
proto.logSoftmax = function (axis) {
  return ops.logSoftmax(this, axis);
};
proto.backward = function (grad) {
  const leaves: Tensor[] = [];
  const seen = new Set<Tensor>([this]);
  // Iterative: a recursive walk overflowed the call stack on deep graphs (~10k ops).
  const pending: Tensor[] = [this];
  while (pending.length > 0) {
    const t = pending.pop()!;
    if (!t.node && t.requiresGrad) leaves.push(t);
    for (const input of t.node?.inputs ?? []) {
      if (!seen.has(input)) {
        seen.add(input);
        pending.push(input);
      }
    }
  }
  const seed = grad ?? ops.onesLike(this);
  const grads = gradients(this, leaves, seed);
  leaves.forEach((leaf, i) => {
    const g = grads[i];
    if (g) leaf.grad = leaf.grad ? ops.add(leaf.grad, g) : g;
  });
};
