import type { FloatArray } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { optimizerClassName } from './optimizer-config.js';

export type OptimizerLayout = 'keras2' | 'keras3';

/** One optimizer variable as Keras saves it; `slot` is the live array behind it. */
interface Entry {
  name: string;
  kind: 'iterations' | 'learning_rate' | 'slot';
  slot?: FloatArray;
  shape: readonly number[];
  variable?: Variable;
}

/** Slot names deepscript and Keras 2 share; Keras 3 renamed them. */
const KERAS3_SLOT_NAMES: Record<string, string> = {
  m: 'momentum',
  v: 'velocity',
  rms: 'velocity',
  momentum: 'momentum',
  mg: 'average_gradient',
};

/**
 * Keras 2 (tf.keras optimizer_v2, `optimizer.weights`): `Adam/iter:0` first, then each slot kind
 * for every trainable variable in turn: `Adam/dense/kernel/m:0`, `Adam/dense/bias/m:0`, ...,
 * `Adam/dense/kernel/v:0`, ...
 * Keras 3 (`optimizer.variables`): iteration, learning_rate, then the slots; Adam creates them
 * interleaved per variable (momentum, velocity for each), RMSprop and SGD one kind at a time.
 */
function entries(opt: Optimizer, vars: readonly Variable[], layout: OptimizerLayout): Entry[] {
  const cls = optimizerClassName(opt);
  const slotNames = vars.length ? opt.getSlots(vars[0]!).map((s) => s.name) : [];
  const slot = (v: Variable, k: number): Entry => {
    const base = v.name.replace(/:\d+$/, '');
    const kind = slotNames[k]!;
    const name =
      layout === 'keras2'
        ? `${cls}/${base}/${kind}:0`
        : `${cls.toLowerCase()}/${base.replace(/\//g, '_')}_${KERAS3_SLOT_NAMES[kind] ?? kind}`;
    return { name, kind: 'slot', slot: opt.getSlots(v)[k]!.data, shape: v.shape, variable: v };
  };
  const out: Entry[] = [];
  if (layout === 'keras2') {
    out.push({ name: `${cls}/iter:0`, kind: 'iterations', shape: [] });
    slotNames.forEach((_, k) => vars.forEach((v) => out.push(slot(v, k))));
  } else {
    out.push({ name: `${cls.toLowerCase()}/iteration`, kind: 'iterations', shape: [] });
    out.push({ name: `${cls.toLowerCase()}/learning_rate`, kind: 'learning_rate', shape: [] });
    if (cls === 'Adam') vars.forEach((v) => slotNames.forEach((_, k) => out.push(slot(v, k))));
    else slotNames.forEach((_, k) => vars.forEach((v) => out.push(slot(v, k))));
  }
  return out;
}

export interface SavedOptimizerWeight {
  name: string;
  /** A tensor, or the int64 iteration count. */
  value: Tensor | bigint;
}

/** The optimizer's state, named and ordered as Keras saves it. */
export function optimizerWeights(
  opt: Optimizer,
  vars: readonly Variable[],
  layout: OptimizerLayout,
): SavedOptimizerWeight[] {
  return entries(opt, vars, layout).map((e) => ({
    name: e.name,
    value:
      e.kind === 'iterations'
        ? BigInt(opt.iterations)
        : e.kind === 'learning_rate'
          ? new Tensor(new Float32Array([opt.learningRate]), [])
          : new Tensor(e.slot!.slice(), e.shape, e.variable!.dtype),
  }));
}

/** Restores state read back in that order; shapes and the count must match. */
export function restoreOptimizerWeights(
  opt: Optimizer,
  vars: readonly Variable[],
  layout: OptimizerLayout,
  values: readonly Tensor[],
): void {
  const list = entries(opt, vars, layout);
  if (values.length !== list.length) {
    throw new Error(
      `Saved optimizer state has ${values.length} variables, but ${optimizerClassName(opt)} on this model has ${list.length} (${list.map((e) => e.name).join(', ')}).`,
    );
  }
  list.forEach((e, i) => {
    const t = values[i]!;
    if (e.kind !== 'slot') {
      if (t.size !== 1)
        throw new Error(`Optimizer variable ${e.name}: expected a scalar, got shape [${t.shape.join(', ')}].`);
      if (e.kind === 'iterations') opt.iterations = Number(t.data[0]);
      // Keras 3 stores the rate as float32; the config keeps the exact value.
      return;
    }
    if (t.shape.length !== e.shape.length || t.shape.some((d, j) => d !== e.shape[j])) {
      throw new Error(
        `Optimizer variable ${e.name}: saved shape [${t.shape.join(', ')}], expected [${e.shape.join(', ')}].`,
      );
    }
    e.slot!.set(t.data as FloatArray);
  });
}
