import type { FloatArray } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Optimizer, ScalarState } from '../optimizers/optimizer.js';
import { optimizerClassName } from './optimizer-config.js';

export type OptimizerLayout = 'keras2' | 'keras3';

/** One optimizer variable as Keras saves it; `slot` is the live array behind it. */
interface Entry {
  name: string;
  kind: 'iterations' | 'learning_rate' | 'slot' | 'scalar';
  slot?: FloatArray;
  scalar?: ScalarState;
  shape: readonly number[];
  variable?: Variable;
}

/**
 * Keras 2 (tf.keras optimizer_v2, `optimizer.weights`): `Adam/iter:0` first, then scalars such as
 * Nadam's `momentum_cache`, then each slot kind for every trainable variable in turn:
 * `Adam/dense/kernel/m:0`, `Adam/dense/bias/m:0`, ..., `Adam/dense/kernel/v:0`, ...
 * Keras 3 (`optimizer.variables`): iteration, learning_rate (absent when the rate is a schedule),
 * the EMA averages when `use_ema`, then the slot groups in creation order (a group's kinds
 * interleaved per variable, e.g. Adam's momentum, velocity for each), then scalars (Nadam's
 * u_product).
 * AdamW, Lion and EMA averages have no tf.keras optimizer_v2 form: in `.h5` files they are
 * written in the same Keras 2 naming scheme (`AdamW/dense/kernel/m:0`, `.../average:0`),
 * which deepscript reads back; tf.keras may not.
 */
function entries(opt: Optimizer, vars: readonly Variable[], layout: OptimizerLayout): Entry[] {
  const cls = optimizerClassName(opt);
  const groups = opt.getSlotGroups();
  const flat = groups.flat();
  const slot = (v: Variable, k: number): Entry => {
    const base = v.name.replace(/:\d+$/, '');
    const spec = flat[k]!;
    const name =
      layout === 'keras2'
        ? `${cls}/${base}/${spec.keras2}:0`
        : `${cls.toLowerCase()}/${base.replace(/\//g, '_')}_${spec.name}`;
    return { name, kind: 'slot', slot: opt.getSlots(v)[k]!.data, shape: v.shape, variable: v };
  };
  const average = (v: Variable): Entry => {
    const base = v.name.replace(/:\d+$/, '');
    const name =
      layout === 'keras2' ? `${cls}/${base}/average:0` : `${cls.toLowerCase()}/${base.replace(/\//g, '_')}_average`;
    return { name, kind: 'slot', slot: opt.getAverage(v), shape: v.shape, variable: v };
  };
  const scalars = opt.scalarState().map((s): Entry => ({
    name: layout === 'keras2' ? `${cls}/${s.keras2}:0` : `${cls.toLowerCase()}/${s.keras3}`,
    kind: 'scalar',
    scalar: s,
    shape: [],
  }));
  const out: Entry[] = [];
  if (layout === 'keras2') {
    out.push({ name: `${cls}/iter:0`, kind: 'iterations', shape: [] });
    out.push(...scalars);
    flat.forEach((_, k) => vars.forEach((v) => out.push(slot(v, k))));
    if (opt.useEma) vars.forEach((v) => out.push(average(v)));
  } else {
    out.push({ name: `${cls.toLowerCase()}/iteration`, kind: 'iterations', shape: [] });
    if (!opt.learningRateSchedule)
      out.push({ name: `${cls.toLowerCase()}/learning_rate`, kind: 'learning_rate', shape: [] });
    if (opt.useEma) vars.forEach((v) => out.push(average(v)));
    let k0 = 0;
    for (const group of groups) {
      vars.forEach((v) => group.forEach((_, j) => out.push(slot(v, k0 + j))));
      k0 += group.length;
    }
    out.push(...scalars);
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
          : e.kind === 'scalar'
            ? new Tensor(new Float32Array([e.scalar!.get()]), [])
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
  // An optimizer Keras never stepped has only its scalars (iteration, learning_rate).
  const unbuilt = list.filter((e) => e.kind === 'iterations' || e.kind === 'learning_rate');
  if (values.length === unbuilt.length && values.length < list.length) {
    if (values[0]!.size !== 1) throw new Error(`Optimizer variable ${unbuilt[0]!.name}: expected a scalar.`);
    opt.iterations = Number(values[0]!.data[0]);
    return;
  }
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
      if (e.kind === 'scalar') e.scalar!.set(Number(t.data[0]));
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
