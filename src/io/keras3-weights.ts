import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Layer } from '../layers/layer.js';
import { Bidirectional } from '../layers/bidirectional.js';
import { RNN } from '../layers/rnn-base.js';
import { Model } from '../models/model.js';
import { toSnakeCase } from '../utils/naming.js';
import type { Group, H5File } from './h5-file.js';
import { getDataset, getGroup, readTensor, writeInt64Scalar, writeTensor } from './h5-file.js';
import { optimizerClassName } from './optimizer-config.js';
import type { OptimizerLayout } from './optimizer-state.js';
import { optimizerWeights, restoreOptimizerWeights } from './optimizer-state.js';

/*
 * Keras 3's weights file (`model.weights.h5` inside `.keras`, and `*.weights.h5`), saving_lib.py:
 *   /vars                              the model's own variables (none), attr name
 *   /layers/<class_in_snake_case>[_N]/vars/0, 1, ...   each layer's variables in order
 *   /layers/lstm/cell/vars             a recurrent layer's variables live on its cell
 *   /layers/bidirectional/forward_layer/cell/vars, .../backward_layer/cell/vars
 *   /layers/functional/layers/...      a nested model's layers, numbered afresh
 *   /optimizer/vars/0, 1, ...          iteration, learning_rate, then slots
 * Layers are addressed by class name and position in `model.layers` (a Functional model's
 * InputLayers included, a Sequential's not), never by layer name.
 */

/** One group of variables in the file: where, which layer, and the variables in file order. */
export interface WeightGroup {
  path: string;
  layer: Layer;
  vars: Variable[];
}

/** Where a layer's variables go below its own path (Keras keeps RNN weights on their cells). */
function layerParts(layer: Layer): { sub: string; vars: Variable[] }[] {
  if (layer instanceof Bidirectional)
    return [
      { sub: 'forward_layer/cell', vars: layer.forwardLayer.weights },
      { sub: 'backward_layer/cell', vars: layer.backwardLayer.weights },
    ];
  if (layer instanceof RNN) return [{ sub: 'cell', vars: layer.weights }];
  return [{ sub: '', vars: layer.weights }];
}

/** Every variable group of a model, nested models recursively, in Keras's paths. */
export function weightGroups(model: Model, prefix = ''): WeightGroup[] {
  const used = new Map<string, number>();
  const out: WeightGroup[] = [];
  for (const layer of model.layers) {
    const base = toSnakeCase(layer.className);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    const path = `${prefix}layers/${n === undefined ? base : `${base}_${n + 1}`}`;
    if (layer instanceof Model) {
      out.push({ path, layer, vars: [] });
      out.push(...weightGroups(layer, `${path}/`));
      continue;
    }
    for (const part of layerParts(layer))
      out.push({ path: part.sub ? `${path}/${part.sub}` : path, layer, vars: part.vars });
  }
  return out;
}

function varsGroup(root: Group, path: string, name: string): Group {
  const g = path ? ensureGroup(root, path).create_group('vars') : root.create_group('vars');
  g.create_attribute('name', name);
  return g;
}

function ensureGroup(root: Group, path: string): Group {
  let g = root;
  for (const part of path.split('/')) g = getGroup(g, part) ?? g.create_group(part);
  return g;
}

export function writeKeras3Weights(f: H5File, model: Model, includeOptimizer: boolean): void {
  varsGroup(f, '', model.name);
  for (const { path, layer, vars } of weightGroups(model)) {
    const g = varsGroup(f, path, layer.name);
    vars.forEach((w, k) => writeTensor(g, String(k), w));
  }
  if (includeOptimizer && model.optimizer) {
    const g = varsGroup(f, 'optimizer', optimizerClassName(model.optimizer).toLowerCase());
    optimizerWeights(model.optimizer, model.trainableWeights, 'keras3').forEach((w, k) => {
      if (typeof w.value === 'bigint') writeInt64Scalar(g, String(k), Number(w.value));
      else writeTensor(g, String(k), w.value);
    });
  }
}

/** Keras 2.13-2.15 `.keras` files used another group name for the layer list. */
function findVars(f: H5File, path: string): Group | null {
  return (
    getGroup(f, `${path}/vars`) ??
    getGroup(f, `${path.replace(/(^|\/)layers\//g, '$1_layer_checkpoint_dependencies/')}/vars`)
  );
}

function readVars(g: Group | null, count: number, what: string): Group | null {
  const n = g ? g.keys().length : 0;
  if (n !== count) throw new Error(`${what}: the file has ${n} variables, the model expects ${count}.`);
  return g;
}

/**
 * Where a group's variables are in this file: Keras's path, or (for files deepscript wrote before
 * it followed Keras's cell paths) all of a layer's variables in the layer's own group.
 */
function locate(f: H5File, group: WeightGroup, all: WeightGroup[]): { g: Group | null; vars: Variable[] } | null {
  const g = findVars(f, group.path);
  if (g || group.vars.length === 0) return { g, vars: group.vars };
  const own = group.path.replace(/\/(forward_layer\/cell|backward_layer\/cell|cell)$/, '');
  if (own === group.path) return { g: null, vars: group.vars };
  // Only the first part of a layer reads the layer's own group; the others are then done.
  const parts = all.filter((x) => x.layer === group.layer);
  if (parts[0] !== group) return null;
  return { g: findVars(f, own), vars: group.layer.weights };
}

export function readKeras3Weights(f: H5File, model: Model, path: string): void {
  const assignments: [Variable, Tensor][] = [];
  const groups = weightGroups(model);
  for (const group of groups) {
    const found = locate(f, group, groups);
    if (!found) continue;
    const what = `'${path}': layer '${group.layer.name}' (${group.path})`;
    const g = readVars(found.g, found.vars.length, what);
    found.vars.forEach((v, k) => {
      const ds = getDataset(g!, String(k));
      if (!ds) throw new Error(`${what}: variable ${k} is missing.`);
      const shape = ds.shape ?? [];
      if (shape.length !== v.shape.length || shape.some((d, j) => d !== v.shape[j])) {
        throw new Error(
          `${what}: variable ${k} (${v.name}) has shape [${shape.join(', ')}] in the file, the layer expects [${v.shape.join(', ')}].`,
        );
      }
      assignments.push([v, readTensor(ds, v.dtype, `${what} variable ${k}`)]);
    });
  }
  for (const [v, t] of assignments) v.assign(t);
}

/** Restores optimizer state if the file has it and the model is compiled. */
export function readKeras3Optimizer(f: H5File, model: Model, path: string): void {
  const g = getGroup(f, 'optimizer/vars');
  if (!g || !model.optimizer) return;
  const n = g.keys().length;
  const layout: OptimizerLayout = 'keras3';
  // An optimizer Keras never stepped has only iteration and learning_rate.
  if (n === 2) return;
  const values = Array.from({ length: n }, (_, k) => {
    const ds = getDataset(g, String(k));
    if (!ds) throw new Error(`'${path}': optimizer variable ${k} is missing.`);
    return readTensor(ds, 'float64', `'${path}': optimizer variable ${k}`);
  });
  restoreOptimizerWeights(model.optimizer, model.trainableWeights, layout, values);
}
