import { Tensor } from './tensor.js';
import { allocateUninitialized } from './dtype.js';
import { backend } from '../backend/registry.js';

/**
 * Reverse-mode autograd, recorded while ops run (define-by-run). An op that produced a tensor
 * from inputs that need gradients attaches a GradNode saying how to send an output gradient
 * back to each input. Each op's derivative lives in its own op file, next to its forward.
 */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /**
   * Given d(loss)/d(output), returns d(loss)/d(input) for each input. Rules return null for
   * inputs with `requiresGrad` false (data, labels, masks) instead of computing what nobody reads.
   */
  readonly backward: (grad: Tensor) => readonly (Tensor | null)[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording gradients (inference, metrics, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Attaches the backward rule to `out` when any input needs a gradient. Returns `out`. */
/** Whether `record` with these inputs will keep a backward node (kernels use it to skip saving values). */
export function willRecord(inputs: readonly (Tensor | null)[]): boolean {
  return gradEnabled && inputs.some((t) => t !== null && t.requiresGrad);
}

export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward']): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
  }
  return out;
}

/** Tensors reachable from root through grad nodes, inputs before the tensors made from them. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long RNN unrolls) must not overflow the call stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const child = inputs[i]!;
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * d(root)/d(w) for each w in wrt. `seed` is d(something)/d(root); it defaults to ones, which
 * for a scalar root gives plain gradients. Tensors in wrt that root does not depend on get null.
 */
export function gradients(root: Tensor, wrt: readonly Tensor[], seed?: Tensor | null): (Tensor | null)[] {
  if (!(root instanceof Tensor)) throw new Error(`gradients: the root must be a Tensor, got ${String(root)}.`);
  if (seed !== undefined && seed !== null) {
    if (!(seed instanceof Tensor)) throw new Error(`gradients: the seed must be a Tensor, got ${String(seed)}.`);
    if (seed.size !== root.size)
      throw new Error(
        `gradients: the seed has shape [${seed.shape.join(', ')}] but the root has shape [${root.shape.join(', ')}].`,
      );
  }
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, seed ?? onesOf(root));
  const order = topologicalOrder(root);
  const wanted = new Set(wrt);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (!g || !t.node) continue;
      // Free the gradient of intermediates as soon as it has been passed on.
      if (!wanted.has(t)) grads.delete(t);
      const inputGrads = t.node.backward(g);
      t.node.inputs.forEach((input, j) => {
        const ig = inputGrads[j];
        if (!ig || !input.requiresGrad) return;
        const prev = grads.get(input);
        grads.set(input, prev ? accumulate(prev, ig) : ig);
      });
    }
  });
  return wrt.map((w) => grads.get(w) ?? null);
}

/** d(root)/d(root): ones of the root's shape and dtype. */
function onesOf(root: Tensor): Tensor {
  const data = allocateUninitialized(root.dtype, root.size);
  data.fill(root.dtype === 'bfloat16' ? 0x3f80 : 1);
  return new Tensor(data, root.shape, root.dtype);
}

/** prev + g for two gradients of the same tensor (same shape by construction). */
function accumulate(prev: Tensor, g: Tensor): Tensor {
  // add writes every element: no need for a zero-filled array.
  const out = allocateUninitialized(prev.dtype, prev.size);
  backend().binary('add', prev.data, prev.shape, g.data, g.shape, out, prev.shape);
  return new Tensor(out, prev.shape, prev.dtype);
}

/** What a function made by `valueAndGrad` returns: the loss and d(loss)/d(variable) for each variable. */
export interface ValueAndGrad {
  value: Tensor;
  /** Aligned with the variables; null for a variable the loss does not depend on. */
  grads: (Tensor | null)[];
}

/**
 * Wraps `fn` (returning a scalar loss) into a function that also returns the loss's gradients
 * with respect to `variables` (JAX's `value_and_grad`, Keras 3's JAX custom-step style).
 * `variables` may be a function, read at each call, for models whose weights exist only once
 * they have seen data. Pair with `optimizer.applyGradients(variables, grads)`.
 * Why not a GradientTape: ops here always record (define-by-run), so a tape would only be a
 * scope to open, watch and close; a function of the loss has nothing to leave open, and its
 * gradients are always those of the value it returns.
 */
export function valueAndGrad<A extends unknown[]>(
  fn: (...args: A) => Tensor,
  variables: readonly Tensor[] | (() => readonly Tensor[]),
): (...args: A) => ValueAndGrad {
  if (typeof fn !== 'function') throw new Error(`valueAndGrad: fn must be a function, got ${String(fn)}.`);
  return (...args: A): ValueAndGrad => {
    if (!gradEnabled) throw new Error('valueAndGrad: called inside noGrad(), where no gradients are recorded.');
    const value = fn(...args);
    if (!(value instanceof Tensor))
      throw new Error(`valueAndGrad: fn must return a Tensor (the loss), got ${String(value)}.`);
    if (value.size !== 1)
      throw new Error(`valueAndGrad: fn must return a scalar loss, got shape [${value.shape.join(', ')}].`);
    const vars = typeof variables === 'function' ? variables() : variables;
    return { value, grads: gradients(value, vars) };
  };
}
