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
export function gradients(root: Tensor, wrt: readonly Tensor[], seed: Tensor): (Tensor | null)[] {
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, seed);
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

/** prev + g for two gradients of the same tensor (same shape by construction). */
function accumulate(prev: Tensor, g: Tensor): Tensor {
  // add writes every element: no need for a zero-filled array.
  const out = allocateUninitialized(prev.dtype, prev.size);
  backend().binary('add', prev.data, prev.shape, g.data, g.shape, out, prev.shape);
  return new Tensor(out, prev.shape, prev.dtype);
}
