import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Model } from '../models/model.js';
import type { Sequential } from '../models/sequential.js';
import { toSnakeCase } from '../utils/naming.js';
import { DamagedFileError } from './damaged.js';
import type { Dataset, Group, H5File } from './h5-file.js';
import {
  datasetShape,
  getDataset,
  getGroup,
  memberNames,
  readTensor,
  requireGroup,
  writeInt64Scalar,
  writeTensor,
} from './h5-file.js';
import type { LoadBudget } from './legacy-h5.js';
import { optimizerClassName } from './optimizer-config.js';
import type { OptimizerLayout } from './optimizer-state.js';
import { optimizerWeights, restoreOptimizerWeights } from './optimizer-state.js';

/*
 * Keras 3's weights file (`model.weights.h5` inside `.keras`, and `*.weights.h5`), saving_lib.py:
 *   /vars                              the model's own variables (none), attr name
 *   /layers/<class_in_snake_case>[_N]/vars/0, 1, ...   each layer's variables in order
 *   /optimizer/vars/0, 1, ...          iteration, learning_rate, then slots
 * Layers are addressed by class name and position, not by layer name.
 */

/** `dense`, `dense_1`, `dropout`, ... as Keras 3 names Sequential layers in this file. */
export function layerPaths(model: Sequential): string[] {
  const used = new Map<string, number>();
  return model.layers.map((l) => {
    const base = toSnakeCase(l.className);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return `layers/${n === undefined ? base : `${base}_${n + 1}`}`;
  });
}

function varsGroup(root: Group, path: string, name: string): Group {
  const g = path ? requireGroup(root, path).create_group('vars') : root.create_group('vars');
  g.create_attribute('name', name);
  return g;
}

export function writeKeras3Weights(f: H5File, model: Sequential, includeOptimizer: boolean): void {
  varsGroup(f, '', model.name);
  const paths = layerPaths(model);
  model.layers.forEach((layer, i) => {
    const g = varsGroup(f, paths[i]!, layer.name);
    layer.weights.forEach((w, k) => writeTensor(g, String(k), w));
  });
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
    getGroup(f, `${path}/vars`) ?? getGroup(f, `${path.replace(/^layers/, '_layer_checkpoint_dependencies')}/vars`)
  );
}

function readVars(g: Group | null, count: number, what: string): Group | null {
  const n = g ? memberNames(g).length : 0;
  if (n !== count) throw new Error(`${what}: the file has ${n} variables, the model expects ${count}.`);
  return g;
}

/**
 * The shapes of every layer variable in the file (`layers/<name>/vars/<k>`), read before the model
 * is built so its config can be held to them; their total must be within the budget.
 */
export function keras3WeightShapes(f: H5File, path: string, budget: LoadBudget): number[][] {
  const shapes: number[][] = [];
  let total = 0;
  for (const top of ['layers', '_layer_checkpoint_dependencies']) {
    const g = getGroup(f, top);
    if (!g) continue;
    for (const name of memberNames(g)) {
      const vars = getGroup(g, `${name}/vars`);
      if (!vars) continue;
      for (const k of memberNames(vars)) {
        const ds = getDataset(vars, k);
        if (!ds) continue;
        const shape = datasetShape(ds, `${top}/${name}/vars/${k}`, budget.maxBytes);
        total += shape.reduce((a, b) => a * b, 1) * 4;
        if (total > budget.maxBytes)
          throw new DamagedFileError(
            path,
            `its weights add up to more than the ${budget.maxBytes} bytes allowed (LoadOptions.maxBytes).`,
          );
        shapes.push(shape);
      }
    }
  }
  return shapes;
}

export function readKeras3Weights(f: H5File, model: Model, path: string, budget: LoadBudget): void {
  const seq = model as Sequential;
  const paths = layerPaths(seq);
  const found: { v: Variable; ds: Dataset; what: string }[] = [];
  // Every shape is checked before any weight is read.
  seq.layers.forEach((layer, i) => {
    const what = `'${path}': layer '${layer.name}' (${paths[i]})`;
    const g = readVars(findVars(f, paths[i]!), layer.weights.length, what);
    layer.weights.forEach((v, k) => {
      const ds = getDataset(g!, String(k));
      if (!ds) throw new Error(`${what}: variable ${k} is missing.`);
      const shape = datasetShape(ds, `layer '${layer.name}' (${paths[i]}) variable ${k}`, budget.maxBytes);
      if (shape.length !== v.shape.length || shape.some((d, j) => d !== v.shape[j])) {
        throw new Error(
          `${what}: variable ${k} (${v.name}) has shape [${shape.join(', ')}] in the file, the layer expects [${v.shape.join(', ')}].`,
        );
      }
      found.push({ v, ds, what: `layer '${layer.name}' (${paths[i]}) variable ${k}` });
    });
  });
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
  // An optimizer Keras never stepped has only iteration and learning_rate.
  if (n === 2) return;
  const values = Array.from({ length: n }, (_, k) => {
    const ds = getDataset(g, String(k));
    if (!ds) throw new DamagedFileError(path, `optimizer variable ${k} is missing.`);
    return readTensor(ds, 'float64', `optimizer variable ${k}`, budget.maxBytes);
  });
  restoreOptimizerWeights(model.optimizer, model.trainableWeights, layout, values);
}
