export { Layer } from './layer.js';
export type { LayerArgs, SymbolicShape, CallOptions } from './layer.js';
export { Dense } from './dense.js';
export type { DenseArgs } from './dense.js';
export { Activation } from './activation.js';
export { Dropout } from './dropout.js';
export { Flatten } from './flatten.js';
export { InputLayer, Input } from './input-layer.js';
