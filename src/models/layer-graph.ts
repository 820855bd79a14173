import type { Tensor } from '../core/tensor.js';
import type { Nested } from '../layers/graph/nest.js';
import { flattenNested, packLike } from '../layers/graph/nest.js';
import type { Node } from '../layers/graph/node.js';
import type { SymbolicTensor } from '../layers/graph/symbolic-tensor.js';
import { formatShape, isSymbolicTensor } from '../layers/graph/symbolic-tensor.js';
import { InputLayer } from '../layers/input-layer.js';
import { findReluFusions } from './relu-fusion.js';
import type { Layer } from '../layers/layer.js';
import { Tensor as TensorClass } from '../core/tensor.js';

const isTensor = (v: unknown): v is Tensor => v instanceof TensorClass;

/**
 * The graph of layer calls between a model's inputs and outputs (what Keras's Functional model
 * computes in `map_graph`): the nodes that lead from the inputs to the outputs, each node's depth
 * (calls between it and an output), and the layers in Keras's order: deepest first, ties in the
 * order a walk back from the outputs first met them. Running the graph calls each node once, in
 * that order, on real tensors.
 */
export class LayerGraph {
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  readonly inputStructure: Nested<SymbolicTensor>;
  readonly outputStructure: Nested<SymbolicTensor>;
  /** Nodes in the order they run (inputs first). */
  readonly nodes: readonly Node[];
  /** Layers in Keras's order, InputLayers included. */
  readonly layers: readonly Layer[];
  private readonly nodeSet: Set<Node>;
  private readonly depths: Map<Node, number>;
  /** How many nodes read each tensor (so values can be dropped once read for the last time). */
  private readonly readers = new Map<SymbolicTensor, number>();
  /** Relu calls folded into the call before them (see relu-fusion.ts): relu node by producer. */
  private readonly reluFusions: Map<Node, Node>;
  private readonly fusedRelus: Set<Node>;

  constructor(inputs: Nested<SymbolicTensor>, outputs: Nested<SymbolicTensor>, owner: string) {
    this.inputStructure = inputs;
    this.outputStructure = outputs;
    this.inputs = flattenNested(inputs, isSymbolicTensor);
    this.outputs = flattenNested(outputs, isSymbolicTensor);
    if (this.inputs.length === 0 || !sameLeafCount(inputs))
      throw new Error(`Model '${owner}': inputs must be symbolic tensors from Input(), got ${describeNest(inputs)}.`);
    if (this.outputs.length === 0 || !sameLeafCount(outputs))
      throw new Error(
        `Model '${owner}': outputs must be symbolic tensors made by calling layers on the inputs, got ${describeNest(outputs)}.`,
      );
    for (const t of this.inputs) {
      if (!(t.node.layer instanceof InputLayer))
        throw new Error(
          `Model '${owner}': input ${t.toString()} does not come from Input(); a model's inputs must be Input tensors.`,
        );
    }
    if (new Set(this.inputs).size !== this.inputs.length)
      throw new Error(`Model '${owner}': the same Input is given twice in inputs.`);

    const { order, firstSeen } = walkBack(this.inputs, this.outputs, owner);
    const depthOfNode = new Map<Node, number>();
    const depthOfLayer = new Map<Layer, number>();
    for (const node of [...order].reverse()) {
      let depth = depthOfNode.get(node) ?? 0;
      // A shared layer sits at the deepest of its calls.
      depth = Math.max(depth, depthOfLayer.get(node.layer) ?? 0);
      depthOfLayer.set(node.layer, depth);
      depthOfNode.set(node, depth);
      for (const parent of node.parents) depthOfNode.set(parent, Math.max(depth + 1, depthOfNode.get(parent) ?? 0));
    }
    for (const t of this.inputs) {
      if (!depthOfLayer.has(t.node.layer))
        throw new Error(
          `Model '${owner}': input '${t.node.layer.name}' is not used by any output; remove it from inputs or connect it.`,
        );
    }
    const byDepthDesc = <T>(m: Map<T, number>, tie: (a: T, b: T) => number): T[] =>
      [...m.keys()].sort((a, b) => m.get(b)! - m.get(a)! || tie(a, b));
    const nodeRank = new Map<Node, number>();
    [...depthOfNode.keys()].forEach((n, i) => nodeRank.set(n, i));
    this.nodes = byDepthDesc(depthOfNode, (a, b) => nodeRank.get(a)! - nodeRank.get(b)!);
    this.layers = byDepthDesc(depthOfLayer, (a, b) => firstSeen.get(a)! - firstSeen.get(b)!);
    this.nodeSet = new Set(this.nodes);
    this.depths = depthOfNode;
    checkComputable(this.nodes, this.inputs, owner);
    const names = new Map<string, number>();
    for (const l of this.layers) names.set(l.name, (names.get(l.name) ?? 0) + 1);
    for (const [name, count] of names)
      if (count > 1)
        throw new Error(
          `Model '${owner}': the name '${name}' is used by ${count} layers; layer names in a model must be unique.`,
        );
    for (const node of this.nodes) for (const t of node.inputs) this.readers.set(t, (this.readers.get(t) ?? 0) + 1);
    this.reluFusions = findReluFusions(this.nodes, this.readers, new Set(this.outputs));
    this.fusedRelus = new Set(this.reluFusions.values());
  }

  /** Whether a node belongs to this graph (a shared layer may have calls elsewhere too). */
  has(node: Node): boolean {
    return this.nodeSet.has(node);
  }

  /** Calls between a node and the nearest output (0 for the nodes that make outputs). */
  depthOf(node: Node): number {
    return this.depths.get(node) ?? 0;
  }

  /** The calls of a layer that belong to this graph, in the layer's own order. */
  nodesOf(layer: Layer): Node[] {
    return layer.inboundNodes.filter((n) => this.nodeSet.has(n));
  }

  /**
   * Runs every node on real tensors: `inputs` aligned with `this.inputs`, input masks likewise
   * (null: none). Returns the outputs and their masks, aligned with `this.outputs`.
   */
  run(
    inputs: readonly Tensor[],
    training: boolean,
    inputMasks: readonly (Tensor | null)[] | null = null,
  ): { outputs: Tensor[]; masks: (Tensor | null)[] } {
    const values = new Map<SymbolicTensor, Tensor>();
    const masks = new Map<SymbolicTensor, Tensor | null>();
    const left = new Map(this.readers);
    this.inputs.forEach((t, i) => {
      values.set(t, inputs[i]!);
      masks.set(t, inputMasks?.[i] ?? null);
    });
    const kept = new Set(this.outputs);
    const valueOf = (t: SymbolicTensor): Tensor => {
      const v = values.get(t);
      if (!v) throw new Error(`Graph: ${t.toString()} was read before it was computed.`);
      return v;
    };
    for (const node of this.nodes) {
      if (node.isInput || this.fusedRelus.has(node)) continue;
      const reluNode = this.reluFusions.get(node);
      const result = this.callNode(node, valueOf, (t) => masks.get(t) ?? null, training, reluNode !== undefined);
      node.outputs.forEach((t, i) => {
        values.set(t, result.outputs[i]!);
        masks.set(t, result.masks[i]!);
      });
      if (reluNode) {
        // The relu's output is this call's (fused) output; a relu passes its input's mask on.
        const [from, to] = [node.outputs[0]!, reluNode.outputs[0]!];
        values.set(to, values.get(from)!);
        masks.set(to, masks.get(from) ?? null);
        values.delete(from);
      }
      // Drop what no later node reads, so long graphs do not hold every activation.
      for (const t of node.inputs) {
        const n = (left.get(t) ?? 1) - 1;
        left.set(t, n);
        if (n === 0 && !kept.has(t)) values.delete(t);
      }
    }
    return { outputs: this.outputs.map(valueOf), masks: this.outputs.map((t) => masks.get(t) ?? null) };
  }

  /** How many nodes of the graph read a tensor. */
  readersOf(t: SymbolicTensor): number {
    return this.readers.get(t) ?? 0;
  }

  /**
   * Runs one node on real tensors (`valueOf` / `maskOf` give the values and masks of the tensors
   * it reads): its outputs and their masks, aligned with `node.outputs`, shapes checked.
   */
  callNode(
    node: Node,
    valueOf: (t: SymbolicTensor) => Tensor,
    maskOf: (t: SymbolicTensor) => Tensor | null,
    training: boolean,
    withRelu = false,
  ): { outputs: Tensor[]; masks: (Tensor | null)[] } {
    const args = node.args.map((a) => replace(a, valueOf));
    const { training: fixed, mask: given, ...rest } = node.kwargs;
    const kwargs = replace(rest, valueOf) as Record<string, unknown>;
    // A mask passed to the call (layer.apply(x, { mask })) wins over the one its inputs carry.
    const mask = given !== undefined && given !== null ? replace(given, valueOf) : replace(node.args[0], maskOf);
    // The masks of tensors passed as keyword arguments (MultiHeadAttention's value and key).
    const kwargMasks: Record<string, Tensor | null> = {};
    for (const [k, v] of Object.entries(rest)) if (isSymbolicTensor(v)) kwargMasks[k] = maskOf(v);
    const mode = typeof fixed === 'boolean' ? fixed : training;
    // withRelu: the call's only reader is a plain relu, applied in this layer's kernels (relu-fusion.ts).
    const result = withRelu
      ? node.layer.callInGraphWithRelu(args, kwargs, mode, mask)
      : node.layer.callInGraph(args, kwargs, mode, mask, kwargMasks);
    const produced = flattenNested(result.outputs, isTensor);
    if (produced.length !== node.outputs.length)
      throw new Error(
        `Layer '${node.layer.name}' (${node.layer.className}) returned ${produced.length} tensors where its call in the graph made ${node.outputs.length}.`,
      );
    node.outputs.forEach((t, i) => {
      const got = produced[i]!;
      if (!shapeFits(t.shape, got.shape))
        throw new Error(
          `Layer '${node.layer.name}' (${node.layer.className}) returned shape ${formatShape(got.shape)} where ${formatShape(t.shape)} was expected.`,
        );
    });
    return { outputs: produced, masks: alignMasks(result.mask, produced.length) };
  }

  /** Packs values aligned with the outputs into the outputs' structure. */
  packOutputs<T>(values: readonly T[]): Nested<T> {
    return packLike(this.outputStructure, isSymbolicTensor, values);
  }
}

/** Keras's `_build_map`: nodes from the inputs to the outputs, each after the nodes it reads. */
function walkBack(
  inputs: readonly SymbolicTensor[],
  outputs: readonly SymbolicTensor[],
  owner: string,
): { order: Node[]; firstSeen: Map<Layer, number> } {
  const order: Node[] = [];
  const finished = new Set<Node>();
  const inProgress = new Set<Node>();
  const firstSeen = new Map<Layer, number>();
  const inputSet = new Set(inputs);
  // Iterative, so deep graphs cannot overflow the stack.
  for (const output of outputs) {
    const stack: { tensor: SymbolicTensor; next: number }[] = [{ tensor: output, next: -1 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const node = top.tensor.node;
      if (top.next === -1) {
        if (finished.has(node)) {
          stack.pop();
          continue;
        }
        if (inProgress.has(node)) throw new Error(`Model '${owner}': layer '${node.layer.name}' is part of a cycle.`);
        if (!firstSeen.has(node.layer)) firstSeen.set(node.layer, firstSeen.size);
        inProgress.add(node);
        top.next = 0;
        if (node.isInput && !inputSet.has(top.tensor))
          throw new Error(
            `Model '${owner}': an output depends on Input '${node.layer.name}', which is not among the model's inputs ` +
              `(${inputs.map((t) => `'${t.node.layer.name}'`).join(', ')}).`,
          );
      }
      const parents = inputSet.has(top.tensor) ? [] : node.inputs;
      if (top.next < parents.length) {
        stack.push({ tensor: parents[top.next++]!, next: -1 });
      } else {
        inProgress.delete(node);
        finished.add(node);
        order.push(node);
        stack.pop();
      }
    }
  }
  return { order, firstSeen };
}

/** Keras's "graph disconnected" check: every node's inputs are made before it runs. */
function checkComputable(nodes: readonly Node[], inputs: readonly SymbolicTensor[], owner: string): void {
  const computable = new Set<SymbolicTensor>(inputs);
  for (const node of nodes) {
    for (const t of node.inputs) {
      if (!computable.has(t))
        throw new Error(
          `Model '${owner}': graph disconnected: cannot compute ${t.toString()} needed by layer '${node.layer.name}'.`,
        );
    }
    for (const t of node.outputs) computable.add(t);
  }
}

function replace(value: unknown, fn: (t: SymbolicTensor) => unknown): unknown {
  if (isSymbolicTensor(value)) return fn(value);
  if (Array.isArray(value)) return value.map((v) => replace(v, fn));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = replace(v, fn);
    return out;
  }
  return value;
}

function alignMasks(mask: unknown, n: number): (Tensor | null)[] {
  if (Array.isArray(mask)) {
    const list = mask.map((m) => (isTensor(m) ? m : null));
    return Array.from({ length: n }, (_, i) => list[i] ?? null);
  }
  return Array.from({ length: n }, () => (isTensor(mask) ? mask : null));
}

function shapeFits(expected: readonly (number | null)[], got: readonly number[]): boolean {
  return expected.length === got.length && expected.every((d, i) => i === 0 || d === null || d === got[i]);
}

function sameLeafCount(v: unknown): boolean {
  if (isSymbolicTensor(v)) return true;
  if (Array.isArray(v)) return v.length > 0 && v.every(sameLeafCount);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return Object.keys(v).length > 0 && Object.values(v).every(sameLeafCount);
  return false;
}

function describeNest(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (isSymbolicTensor(v)) return v.toString();
  if (isTensor(v)) return `a real tensor of shape ${formatShape(v.shape)} (use Input() to make symbolic inputs)`;
  if (Array.isArray(v)) return `[${v.map(describeNest).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).join(', ')}}`;
  return String(v);
}
