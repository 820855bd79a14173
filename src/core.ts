/**
 * deepscript's core API: tensors, autograd, ops, layers, models, losses, metrics, optimizers
 * and callbacks. Nothing here imports from Node, so it can run in a browser; `index.ts` adds
 * the Node edges (datasets, files, the native backend).
 */
import './ops/tensor-methods.js';

export { Tensor } from './core/tensor.js';
export { Variable } from './core/variable.js';
export type { DType } from './core/dtype.js';
export { fromBfloat16Bits, toBfloat16Bits } from './core/dtype.js';
export { noGrad, gradients, valueAndGrad } from './core/autograd.js';
export type { ValueAndGrad } from './core/autograd.js';
export { setRandomSeed } from './core/random.js';
export { setBufferPooling, clearBufferPool } from './core/buffer-pool.js';
export { setBackend, getBackend, listBackends, registerBackend } from './backend/registry.js';
export type { Backend } from './backend/backend.js';
// The wasm backend in a browser: `registerWasmBackend(await instantiateWasm(fetch(url)))`, then
// `setBackend('wasm')`. (Node's entry point loads the packaged module itself.)
export { instantiateWasm, instantiateWasmSync } from './backend/wasm/wasm-backend.js';
export type { WasmOptions } from './backend/wasm/wasm-backend.js';
export { registerWasmBackend, wasmInfo } from './backend/wasm/register.js';
export * from './ops/index.js';
export * as ops from './ops/index.js';

export * as layers from './layers/index.js';
export { DTypePolicy } from './layers/dtype-policy.js';
export * as mixedPrecision from './layers/dtype-policy.js';
export * as losses from './losses/index.js';
export * as metrics from './metrics/index.js';
export * as optimizers from './optimizers/index.js';
export * as callbacks from './callbacks/index.js';
export * as initializers from './layers/initializers.js';
export * as regularizers from './regularizers/index.js';
export * as constraints from './constraints/index.js';
export * as activations from './layers/activations.js';
export * as utils from './utils/index.js';
export * as preprocessing from './preprocessing/index.js';
export * as data from './data/index.js';
export { Model } from './models/model.js';
export type { CompileArgs, FitArgs, EvaluateArgs, PredictArgs } from './models/model.js';
export { Sequential } from './models/sequential.js';
export { Input } from './layers/input-layer.js';
