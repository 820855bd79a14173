/** Saving and loading models in Keras's file formats (Node only). Importing this adds model.save() & co. */
import './model-methods.js';

export { saveModel, loadModel, saveWeights, loadWeights } from './save-model.js';
export type { SaveOptions, LoadOptions } from './save-model.js';
export { toJSON, modelFromJSON, modelFromConfig } from './model-config.js';
export { writeAtomic, writeFileAtomic } from './atomic-write.js';
export { DamagedFileError } from './damaged.js';
