import type { Backend } from '../backend.js';
import { binary, cast, clip, reluGrad, unary } from './elementwise.js';
import { activation, activationGrad } from './activation.js';
import { dropout } from './dropout.js';
import { argReduce, reduce } from './reduce.js';
import { matmul } from './matmul.js';
import { matmulBf16 } from './matmul-bf16.js';
import { gather, scatterAdd, transpose } from './layout.js';
import { col2im, im2col, maxPool, maxPoolGrad } from './window.js';
import { convBackward, convForward } from './convolution.js';
import { depthwiseConvBackward, depthwiseConvForward } from './depthwise-conv.js';
import { softmax, softmaxCrossEntropy } from './softmax.js';
import { layerNorm, layerNormBackward } from './layer-norm.js';
import { attention, attentionBackward } from './attention.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './optimizers.js';
import { rnnBackward, rnnForward } from './recurrent.js';
import { batchNormGradSums, batchNormInputGrad, batchNormStats, channelAffine } from './batch-norm.js';

/** The TypeScript reference backend: correct first, the yardstick native kernels are tested against. */
export const jsBackend: Backend = {
  name: 'js',
  unary,
  clip,
  binary,
  cast,
  reduce,
  argReduce,
  matmul,
  matmulBf16,
  transpose,
  gather,
  scatterAdd,
  im2col,
  col2im,
  convForward,
  convBackward,
  depthwiseConvForward,
  depthwiseConvBackward,
  maxPool,
  maxPoolGrad,
  softmax,
  softmaxCrossEntropy,
  layerNorm,
  layerNormBackward,
  attention,
  attentionBackward,
  dropout,
  reluGrad,
  activation,
  activationGrad,
  batchNormStats,
  channelAffine,
  batchNormGradSums,
  batchNormInputGrad,
  adamUpdate,
  sgdUpdate,
  rmspropUpdate,
  rnnForward,
  rnnBackward,
};
