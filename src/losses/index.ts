export {
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  meanSquaredError,
  meanAbsoluteError,
  getLoss,
  EPSILON,
} from './losses.js';
export type { LossFn } from './losses.js';
