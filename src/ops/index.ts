/** Every differentiable and utility op, as free functions (also available as Tensor methods). */
export {
  tensor,
  fromArray,
  full,
  zeros,
  ones,
  zerosLike,
  onesLike,
  arange,
  randomUniform,
  randomNormal,
  truncatedNormal,
  oneHot,
  linspace,
  eye,
  randomCategorical,
} from './creation.js';
export { scalar } from './operand.js';
export { astype } from './cast.js';
export {
  neg,
  abs,
  exp,
  log,
  sqrt,
  rsqrt,
  square,
  reciprocal,
  relu,
  sigmoid,
  tanh,
  softplus,
  sign,
  step,
  floor,
  round,
  clip,
  erf,
} from './unary.js';
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  equal,
  notEqual,
  greater,
  greaterEqual,
  less,
  lessEqual,
  floorDiv,
} from './binary.js';
export { where, logicalAnd, logicalOr, logicalXor, logicalNot, isNaN, isFinite, isInf, ceil } from './logical.js';
export { sort, argsort, topk } from './sorting.js';
export { cumsum, cumprod } from './cumulative.js';
export { tile, repeat, split } from './tile.js';
export { norm, moments, einsum } from './linalg.js';
export type { NormOptions, NormOrd } from './linalg.js';
export { sum, mean, max, min, argmax, argmin } from './reduce.js';
export { matmul, dense } from './matmul.js';
export { transpose } from './transpose.js';
export { reshape, flatten, expandDims, squeeze } from './reshape.js';
export { broadcastTo } from './broadcast-to.js';
export { slice, gather, take } from './slice.js';
export { concat, stack } from './concat.js';
export { softmax, logSoftmax, softmaxCrossEntropy } from './softmax.js';
export { dropout } from './dropout.js';
export { pad } from './pad.js';
export { conv1d, conv2d } from './conv.js';
export { convTranspose1d, convTranspose2d } from './conv-transpose.js';
export { depthwiseConv1d, depthwiseConv2d } from './depthwise-conv.js';
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d } from './pool.js';
export { unstack } from './unstack.js';
export { embeddingLookup } from './embedding-lookup.js';
export { simpleRnnSequence, lstmSequence, gruSequence } from './recurrent.js';
export type { RecurrentSequenceOptions, RecurrentSequenceResult, GruSequenceOptions } from './recurrent.js';
export { batchNormTraining, batchNormInference } from './batch-norm.js';
