export { Dataset } from './dataset.js';
export type { BatchOptions, Batched, MapOptions, ShuffleOptions, Sliced } from './dataset.js';
