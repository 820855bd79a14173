import { Model } from '../models/model.js';
import { toJSON } from './model-config.js';
import type { SaveOptions } from './save-model.js';
import { loadWeights, saveModel, saveWeights } from './save-model.js';

/*
 * Keras's `model.save(...)` style methods. They need Node (files), and src/models must not, so
 * this module, imported by the Node entry point, adds them to Model.prototype; declaration
 * merging gives them types.
 */
declare module '../models/model.js' {
  interface Model {
    /** Saves the whole model: `.keras` (Keras 3) or `.h5` / `.hdf5` (Keras's legacy HDF5). */
    save(path: string, options?: SaveOptions): Promise<void>;
    /** Saves the weights: `.weights.h5` (Keras 3 layout) or `.h5` / `.hdf5` (legacy). */
    saveWeights(path: string): Promise<void>;
    loadWeights(path: string): Promise<void>;
    /** Keras's `to_json()`: the model config as a JSON string. */
    toJSON(): string;
  }
}

Model.prototype.save = function (this: Model, path: string, options?: SaveOptions) {
  return saveModel(this, path, options);
};
Model.prototype.saveWeights = function (this: Model, path: string) {
  return saveWeights(this, path);
};
Model.prototype.loadWeights = function (this: Model, path: string) {
  return loadWeights(this, path);
};
Model.prototype.toJSON = function (this: Model) {
  return toJSON(this);
};
