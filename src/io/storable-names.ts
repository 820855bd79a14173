/** What a save checks before writing anything (browser-safe; shared by every writer). */
import type { Layer } from '../layers/layer.js';
import type { Model } from '../models/model.js';
import { Model as ModelClass } from '../models/model.js';

export interface SaveOptions {
  /** Save optimizer state so training can resume exactly. Default true. */
  includeOptimizer?: boolean;
}

/**
 * Layer and weight names become HDF5 group and dataset paths (legacy `.h5`) or attributes; a name
 * that cannot be stored and read back is refused before anything is written. Keras 3 likewise
 * refuses '/' in names; deepscript keeps Keras 2's nested groups for '/', but not the empty name,
 * NUL, an absolute path or '.' / '..' parts, which HDF5 cannot hold or would put elsewhere.
 */
export function checkStorableNames(model: Model, what: string, path: string): void {
  const problem = (name: string): string | null => {
    if (name === '') return 'it is empty';
    if (name.includes('\0')) return 'it contains a NUL character';
    if (name.startsWith('/')) return "it starts with '/'";
    const parts = name.split('/');
    if (parts.some((p) => p === '.' || p === '..')) return "it has a '.' or '..' part";
    if (parts.some((p) => p === '')) return "it has an empty part ('//' or a trailing '/')";
    return null;
  };
  const seen = new Set<string>();
  // Nested models' layers become groups and paths too.
  const all: Layer[] = [];
  const collect = (m: Model): void => {
    for (const l of m.layers) {
      all.push(l);
      if (l instanceof ModelClass) collect(l);
    }
  };
  collect(model);
  for (const layer of all) {
    const p = problem(layer.name);
    if (p)
      throw new Error(
        `${what}: cannot store layer name ${JSON.stringify(layer.name)} in '${path}': ${p}. Rename the layer.`,
      );
    if (seen.has(layer.name) && model.layers.includes(layer))
      throw new Error(`${what}: two layers are named '${layer.name}'; '${path}' needs unique layer names.`);
    seen.add(layer.name);
    for (const w of layer.weights) {
      const q = problem(w.name);
      if (q)
        throw new Error(
          `${what}: cannot store weight name ${JSON.stringify(w.name)} of layer '${layer.name}' in '${path}': ${q}.`,
        );
    }
  }
}
