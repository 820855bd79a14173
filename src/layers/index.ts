export { Layer } from './layer.js';
export type { LayerArgs, SymbolicShape, CallOptions } from './layer.js';
export { Dense } from './dense.js';
export type { DenseArgs } from './dense.js';
export { Activation } from './activation.js';
export { Dropout } from './dropout.js';
export { Flatten } from './flatten.js';
export { ReLU } from './relu.js';
export type { ReLUArgs } from './relu.js';
export { InputLayer, Input } from './input-layer.js';
export { Embedding } from './embedding.js';
export type { EmbeddingArgs } from './embedding.js';
export { RNN } from './rnn-base.js';
export type { RNNArgs, RNNResult, RNNWeights } from './rnn-base.js';
export { LSTM } from './lstm.js';
export type { LSTMArgs } from './lstm.js';
export { GRU } from './gru.js';
export type { GRUArgs } from './gru.js';
export { SimpleRNN } from './simple-rnn.js';
export type { SimpleRNNArgs } from './simple-rnn.js';
export { Bidirectional } from './bidirectional.js';
export type { BidirectionalArgs, MergeMode } from './bidirectional.js';
// Registers Keras config loaders for the recurrent layers.
import './rnn-serialization.js';
export { Conv2D } from './conv2d.js';
export type { Conv2DArgs } from './conv2d.js';
export { Conv1D } from './conv1d.js';
export type { Conv1DArgs } from './conv1d.js';
export type { ConvArgs } from './conv-base.js';
export { Conv1DTranspose, Conv2DTranspose } from './conv-transpose.js';
export type { ConvTransposeArgs } from './conv-transpose.js';
export { DepthwiseConv1D, DepthwiseConv2D } from './depthwise-conv.js';
export type { DepthwiseConvArgs } from './depthwise-conv.js';
export { SeparableConv1D, SeparableConv2D } from './separable-conv.js';
export type { SeparableConvArgs } from './separable-conv.js';
export { MaxPooling2D } from './max-pooling2d.js';
export { AveragePooling2D } from './average-pooling2d.js';
export { MaxPooling1D } from './max-pooling1d.js';
export { AveragePooling1D } from './average-pooling1d.js';
export type { PoolingArgs } from './pooling-base.js';
export { GlobalMaxPooling2D } from './global-max-pooling2d.js';
export { GlobalAveragePooling2D } from './global-average-pooling2d.js';
export { GlobalMaxPooling1D } from './global-max-pooling1d.js';
export { GlobalAveragePooling1D } from './global-average-pooling1d.js';
export type { GlobalPoolingArgs } from './global-pooling-base.js';
export { Reshape } from './reshape.js';
export { BatchNormalization } from './batch-normalization.js';
export type { BatchNormalizationArgs } from './batch-normalization.js';
// Registers Keras config loaders for the convolution, pooling and normalization layers.
import './conv-serialization.js';
export { LayerNormalization, GroupNormalization, UnitNormalization, layerNormalization } from './normalization.js';
export type { LayerNormalizationArgs, GroupNormalizationArgs, UnitNormalizationArgs } from './normalization.js';
export { Attention, AdditiveAttention } from './attention.js';
export type { AttentionArgs, AdditiveAttentionArgs } from './attention.js';
export { MultiHeadAttention } from './multi-head-attention.js';
export type { MultiHeadAttentionArgs } from './multi-head-attention.js';
export * from './merging/index.js';
export { LeakyReLU, PReLU, ELU, Softmax } from './activation-layers.js';
export type { LeakyReLUArgs, PReLUArgs, ELUArgs, SoftmaxArgs } from './activation-layers.js';
export { GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D, SpatialDropout2D } from './noise.js';
export type { NoiseArgs, GaussianNoiseArgs, AlphaDropoutArgs, SpatialDropout2DArgs } from './noise.js';
export {
  RepeatVector,
  Permute,
  ZeroPadding1D,
  ZeroPadding2D,
  Cropping1D,
  Cropping2D,
  UpSampling1D,
  UpSampling2D,
} from './reshaping.js';
export type { ZeroPadding1DArgs, ZeroPadding2DArgs, UpSampling2DArgs, Interpolation } from './reshaping.js';
export { Masking } from './masking.js';
export type { MaskingArgs } from './masking.js';
export { TimeDistributed } from './time-distributed.js';
// Registers Keras config loaders for the activation, noise, reshaping, Masking and TimeDistributed layers.
import './structure-serialization.js';
export * from './preprocessing/index.js';
export { SymbolicTensor } from './graph/symbolic-tensor.js';
export { Node } from './graph/node.js';
export type { ApplyOptions, WeightSpec, LayerValue, ShapeValue } from './layer.js';
export { registerLayer, registerSerializable } from './serialization.js';
export type { CustomObjects, LayerFactory } from './serialization.js';
