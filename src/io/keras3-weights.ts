import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Layer } from '../layers/layer.js';
import { Bidirectional } from '../layers/bidirectional.js';
import { RNN } from '../layers/rnn-base.js';
import { TimeDistributed } from '../layers/time-distributed.js';
import { Model } from '../models/model.js';
import { toSnakeCase } from '../utils/naming.js';
import { DamagedFileError } from './damaged-error.js';
import type { Dataset, Group, H5File } from './h5-objects.js';
import {
  datasetShape,
  getDataset,
  getGroup,
  memberNames,
  readTensor,
  requireGroup,
  writeInt64Scalar,
  writeTensor,
} from './h5-objects.js';
import type { LoadBudget } from './load-budget.js';
import { optimizerClassName } from './optimizer-config.js';
import type { OptimizerLayout } from './optimizer-state.js';
import { optimizerWeights, restoreOptimizerWeights } from './optimizer-state.js';

/*
 * Keras 3's weights file (`model.weights.h5` inside `.keras`, and `*.weights.h5`), saving_lib.py:
 *   /vars                              the model's own variables (none), attr name
 *   /layers/<class_in_snake_case>[_N]/vars/0, 1, ...   each layer's variables in order
 *   /layers/lstm/cell/vars             a recurrent layer's variables live on its cell
 *   /layers/bidirectional/forward_layer/cell/vars, .../backward_layer/cell/vars
 *   /layers/time_distributed/layer/vars  a wrapper's layer (its own parts below it, e.g. layer/cell)
 *   /layers/functional/layers/...      a nested model's layers, numbered afresh
 *   /optimizer/vars/0, 1, ...          iteration, learning_rate, then slots
 * Layers are addressed by class name and position in `model.layers` (a Functional model's
 * InputLayers included, a Sequential's not), never by layer name.
 */

/** One group of variables in the file: where, which layer, and the variables in file order. */
export interface WeightGroup {
  path: string;
  /** Another path Keras versions have used for the same variables (read only). */
  altPath?: string;
  layer: Layer;
  vars: Variable[];
}

/** Where a layer's variables go below its own path (Keras keeps RNN weights on their cells). */
function layerParts(layer: Layer): { sub: string; alt?: string; vars: Variable[] }[] {
  if (layer instanceof Bidirectional)
    return [
      { sub: 'forward_layer/cell', vars: layer.forwardLayer.weights },
      { sub: 'backward_layer/cell', vars: layer.backwardLayer.weights },
    ];
  if (layer instanceof RNN) return [{ sub: 'cell', vars: layer.weights }];
  // Layers with sublayer-shaped variables in Keras (MultiHeadAttention's EinsumDense projections).
  const custom = (layer as { keras3WeightParts?: () => { sub: string; alt?: string; vars: Variable[] }[] })
    .keras3WeightParts;
  if (typeof custom === 'function') return custom.call(layer);
  if (layer instanceof TimeDistributed)
    return layerParts(layer.layer).map((p) => ({ sub: p.sub ? `layer/${p.sub}` : 'layer', vars: p.vars }));
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
      out.push({
        path: part.sub ? `${path}/${part.sub}` : path,
        ...(part.alt ? { altPath: `${path}/${part.alt}` } : {}),
        layer,
        vars: part.vars,
      });
  }
  return out;
}

function varsGroup(root: Group, path: string, name: string): Group {
  const g = path ? requireGroup(root, path).create_group('vars') : root.create_group('vars');
  g.create_attribute('name', name);
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
  const n = g ? memberNames(g).length : 0;
  if (n !== count) throw new Error(`${what}: the file has ${n} variables, the model expects ${count}.`);
  return g;
}

/**
 * Where a group's variables are in this file: Keras's path, or (for files deepscript wrote before
 * it followed Keras's cell paths) all of a layer's variables in the layer's own group.
 */
function locate(f: H5File, group: WeightGroup, all: WeightGroup[]): { g: Group | null; vars: Variable[] } | null {
  const g = findVars(f, group.path) ?? (group.altPath ? findVars(f, group.altPath) : null);
  if (g || group.vars.length === 0) return { g, vars: group.vars };
  const own = group.path.replace(/\/(forward_layer\/cell|backward_layer\/cell|cell)$/, '');
  if (own === group.path) return { g: null, vars: group.vars };
  // Only the first part of a layer reads the layer's own group; the others are then done.
  const parts = all.filter((x) => x.layer === group.layer);
  if (parts[0] !== group) return null;
  return { g: findVars(f, own), vars: group.layer.weights };
}

/**
 * The shapes of every variable in the file's layer groups (any `vars` group below `layers/`,
 * nested models and RNN cells included), read before the model is built so its config can be
 * held to them; their total must be within the budget.
 */
export function keras3WeightShapes(f: H5File, path: string, budget: LoadBudget): number[][] {
  const shapes: number[][] = [];
  let total = 0;
  const walk = (g: Group, where: string, depth: number): void => {
    if (depth > 64) throw new DamagedFileError(path, `its weight groups nest deeper than 64 levels (at ${where}).`);
    for (const name of memberNames(g)) {
      const sub = getGroup(g, name);
      if (!sub) continue;
      if (name === 'vars') {
        for (const k of memberNames(sub)) {
          const ds = getDataset(sub, k);
          if (!ds) continue;
          const shape = datasetShape(ds, `${where}/vars/${k}`, budget.maxBytes);
          total += shape.reduce((a, b) => a * b, 1) * 4;
          if (total > budget.maxBytes)
            throw new DamagedFileError(
              path,
              `its weights add up to more than the ${budget.maxBytes} bytes allowed (LoadOptions.maxBytes).`,
            );
          shapes.push(shape);
        }
      } else walk(sub, `${where}/${name}`, depth + 1);
    }
  };
  for (const top of ['layers', '_layer_checkpoint_dependencies']) {
    const g = getGroup(f, top);
    if (g) walk(g, top, 0);
  }
  return shapes;
}

export function readKeras3Weights(f: H5File, model: Model, path: string, budget: LoadBudget): void {
  const found: { v: Variable; ds: Dataset; what: string }[] = [];
  const groups = weightGroups(model);
  // Every shape is checked before any weight is read.
  for (const group of groups) {
    const located = locate(f, group, groups);
    if (!located) continue;
    const what = `'${path}': layer '${group.layer.name}' (${group.path})`;
    const g = readVars(located.g, located.vars.length, what);
    located.vars.forEach((v, k) => {
      const ds = getDataset(g!, String(k));
      if (!ds) throw new Error(`${what}: variable ${k} is missing.`);
      const where = `layer '${group.layer.name}' (${group.path}) variable ${k}`;
      const shape = datasetShape(ds, where, budget.maxBytes);
      if (shape.length !== v.shape.length || shape.some((d, j) => d !== v.shape[j])) {
        throw new Error(
          `${what}: variable ${k} (${v.name}) has shape [${shape.join(', ')}] in the file, the layer expects [${v.shape.join(', ')}].`,
        );
      }
      found.push({ v, ds, what: where });
    });
  }
  const assignments: [Variable, Tensor][] = found.map(({ v, ds, what }) => [
    v,
    readTensor(ds, v.dtype, what, budget.maxBytes),
  ]);
  for (const [v, t] of assignments) v.assign(t);
}

/** Restores optimizer state if the file has it and the model is compiled. */
export function readKeras3Optimizer(f: H5File, model: Model, path: string, budget: LoadBudget): void {
  const g = getGroup(f, 'optimizer/vars');
  if (!g || !model.optimizer) return;
  const n = memberNames(g).length;
  const layout: OptimizerLayout = 'keras3';
  // An optimizer Keras never stepped has only iteration (and learning_rate): restore handles it.
  const values = Array.from({ length: n }, (_, k) => {
    const ds = getDataset(g, String(k));
    if (!ds) throw new DamagedFileError(path, `optimizer variable ${k} is missing.`);
    return readTensor(ds, 'float64', `optimizer variable ${k}`, budget.maxBytes);
  });
  restoreOptimizerWeights(model.optimizer, model.trainableWeights, layout, values);
}
