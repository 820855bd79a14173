export { Dataset } from './dataset.js';
export type { BatchOptions, Batched, ShuffleOptions, Sliced } from './dataset.js';
