import type { Nested } from '../layers/graph/nest.js';
import { isPlainRecord, mapNested } from '../layers/graph/nest.js';
import type { Node } from '../layers/graph/node.js';
import type { SymbolicTensor } from '../layers/graph/symbolic-tensor.js';
import { isSymbolicTensor } from '../layers/graph/symbolic-tensor.js';
import { InputLayer } from '../layers/input-layer.js';
import type { Layer } from '../layers/layer.js';
import type { LayerEntry } from '../layers/serialization.js';
import { deserializeLayer } from '../layers/serialization.js';
import type { LayerGraph } from '../models/layer-graph.js';
import { Model } from '../models/model.js';
import type { NodeIndexUse } from '../models/node-index.js';
import { kerasNodeIndex, nodeIndexOffset } from '../models/node-index.js';

/*
 * Functional model configs, as Keras writes and reads them (docs/keras-functional-formats.md):
 * a list of layer entries, each with the calls (`inbound_nodes`) that belong to this model, and
 * `input_layers` / `output_layers` naming tensors as [layer name, node index, tensor index].
 * Keras 2 writes a call as the list of its first argument's tensors, each
 * [name, node, tensor, kwargs]; Keras 3 as {args, kwargs} with `__keras_tensor__` objects.
 */

export type ConfigStyle = 'keras2' | 'keras3';

/** How a layer's own config is written for the style (Keras 3 adds modules and dtype policies). */
export type LayerEntryWriter = (layer: Layer, inputShape: unknown) => Record<string, unknown>;

type Triple = [string, number, number];

function tripleOf(t: SymbolicTensor, use: NodeIndexUse, graph: LayerGraph): Triple {
  return [t.node.layer.name, kerasNodeIndex(t.node, use, graph), t.outputIndex];
}

function kwargsOf(node: Node, style: ConfigStyle, graph: LayerGraph): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node.kwargs)) {
    if (v === undefined) continue;
    out[toSnake(k)] = mapNested(v as Nested<SymbolicTensor>, isSymbolicTensor, (t) =>
      style === 'keras2' ? tripleOf(t, 'keras2', graph) : kerasTensor(t, graph),
    );
  }
  return out;
}

function kerasTensor(t: SymbolicTensor, graph: LayerGraph): Record<string, unknown> {
  return {
    class_name: '__keras_tensor__',
    config: { shape: [...t.shape], dtype: t.dtype, keras_history: tripleOf(t, 'keras3-node', graph) },
  };
}

function nodeConfig(node: Node, style: ConfigStyle, graph: LayerGraph): unknown {
  const kwargs = kwargsOf(node, style, graph);
  if (style === 'keras3')
    return {
      args: node.args.map((a) =>
        mapNested(a as Nested<SymbolicTensor>, isSymbolicTensor, (t) => kerasTensor(t, graph)),
      ),
      kwargs,
    };
  const first = node.args[0] as Nested<SymbolicTensor>;
  const entries: unknown[] = [];
  mapNested(first, isSymbolicTensor, (t) => entries.push([...tripleOf(t, 'keras2', graph), kwargs]));
  return entries;
}

/** input_layers / output_layers: Keras 2 always a list (or a record); Keras 3 a flat triple for one tensor. */
function ioConfig(structure: Nested<SymbolicTensor>, style: ConfigStyle, graph: LayerGraph): unknown {
  const use: NodeIndexUse = style === 'keras2' ? 'keras2' : 'keras3-io';
  const mapped = mapNested(structure, isSymbolicTensor, (t) => tripleOf(t, use, graph));
  if (style === 'keras2' && isSymbolicTensor(structure)) return [mapped];
  return mapped;
}

/** The `config` of a Functional model: its layers with their calls, and its inputs and outputs. */
export function functionalConfig(
  model: Model,
  style: ConfigStyle,
  writeEntry: LayerEntryWriter,
): Record<string, unknown> {
  const graph = model.requireGraph('saving');
  const layers = graph.layers.map((layer) => {
    const nodes = graph.nodesOf(layer);
    const inputShape = nodes[0] ? nodeInputShapes(nodes[0]) : null;
    return {
      ...writeEntry(layer, inputShape),
      name: layer.name,
      inbound_nodes: nodes.filter((n) => !n.isInput).map((n) => nodeConfig(n, style, graph)),
    };
  });
  const config: Record<string, unknown> = { name: model.name };
  if (style === 'keras3') config['trainable'] = model.trainable;
  config['layers'] = layers;
  config['input_layers'] = ioConfig(graph.inputStructure, style, graph);
  config['output_layers'] = ioConfig(graph.outputStructure, style, graph);
  return config;
}

function nodeInputShapes(node: Node): unknown {
  return mapNested(node.args[0] as Nested<SymbolicTensor>, isSymbolicTensor, (t) => [...t.shape]);
}

// ---- reading ------------------------------------------------------------------------------

interface PendingCall {
  layer: Layer;
  data: unknown;
}

/**
 * Builds a Functional model from its config (Keras 2 or Keras 3, decided per call by its JSON
 * form). Layers are made first; then their calls are replayed in list order, a call whose inputs
 * do not exist yet going back into the queue, as Keras's functional_from_config does.
 */
export function functionalFromConfig(config: Record<string, unknown>, where: string): Model {
  const entries = config['layers'];
  if (!Array.isArray(entries)) throw new Error(`${where}: a Functional config needs a layers list.`);
  const byName = new Map<string, Layer>();
  const created = new Map<Layer, Node[]>();
  const queue: PendingCall[] = [];
  let keras3 = false;
  for (const e of entries) {
    const entry = e as LayerEntry & { name?: unknown; inbound_nodes?: unknown };
    const layer = deserializeLayer(entry);
    const name = typeof entry.name === 'string' ? entry.name : layer.name;
    if (name !== layer.name)
      throw new Error(`${where}: layer entry '${name}' has config name '${layer.name}'; they must agree.`);
    if (byName.has(name)) throw new Error(`${where}: two layers are named '${name}'.`);
    byName.set(name, layer);
    created.set(layer, layer instanceof InputLayer ? [layer.inboundNodes[0]!] : []);
    if (typeof entry.module === 'string') keras3 = true;
    const nodes = entry.inbound_nodes ?? [];
    if (!Array.isArray(nodes)) throw new Error(`${where}: layer '${name}' has inbound_nodes that are not a list.`);
    for (const data of nodes) {
      if (isPlainRecord(data)) keras3 = true;
      queue.push({ layer, data });
    }
  }

  /** The output tensors of call `index` of a layer, as the file numbers calls; null if not made yet. */
  const callOutputs = (name: unknown, index: unknown, use: NodeIndexUse): readonly SymbolicTensor[] | null => {
    if (typeof name !== 'string' || !byName.has(name))
      throw new Error(`${where}: a call refers to layer '${String(name)}', which is not in the model.`);
    if (!Number.isInteger(index))
      throw new Error(`${where}: node index ${String(index)} of '${name}' is not an integer.`);
    const layer = byName.get(name)!;
    const nodes = created.get(layer)!;
    const i = (index as number) - (layer instanceof InputLayer ? 0 : nodeIndexOffset(layer, use));
    if (i < 0) throw new Error(`${where}: node index ${String(index)} of '${name}' does not exist.`);
    return i < nodes.length ? nodes[i]!.outputs : null;
  };
  const tensorAt = (name: unknown, index: unknown, tensorIndex: unknown, use: NodeIndexUse): SymbolicTensor | null => {
    const outs = callOutputs(name, index, use);
    if (!outs) return null;
    if (!Number.isInteger(tensorIndex) || (tensorIndex as number) < 0 || (tensorIndex as number) >= outs.length)
      throw new Error(`${where}: layer '${String(name)}' call ${String(index)} has no output ${String(tensorIndex)}.`);
    return outs[tensorIndex as number]!;
  };

  let progress = true;
  while (queue.length > 0 && progress) {
    progress = false;
    for (let k = 0; k < queue.length;) {
      const call = queue[k]!;
      const made = replayCall(call, tensorAt, where);
      if (made) {
        created.get(call.layer)!.push(made);
        queue.splice(k, 1);
        progress = true;
      } else k++;
    }
  }
  if (queue.length > 0)
    throw new Error(
      `${where}: the graph cannot be built: the calls of ${[...new Set(queue.map((q) => `'${q.layer.name}'`))].join(', ')} ` +
        `wait for tensors no layer makes (loops or disconnected nodes).`,
    );

  const ioUse: NodeIndexUse = keras3 ? 'keras3-io' : 'keras2';
  const readIO = (v: unknown, what: string): Nested<SymbolicTensor> => {
    const leaf = (x: unknown): x is [string, number, number] =>
      Array.isArray(x) && x.length >= 3 && typeof x[0] === 'string';
    const walk = (x: unknown): Nested<SymbolicTensor> => {
      if (leaf(x)) {
        const t = tensorAt(x[0], x[1], x[2], ioUse);
        if (!t) throw new Error(`${where}: ${what} names call ${x[1]} of '${x[0]}', which the model never makes.`);
        return t;
      }
      if (Array.isArray(x)) return x.map(walk);
      if (isPlainRecord(x)) {
        const out: Record<string, Nested<SymbolicTensor>> = {};
        for (const [k, val] of Object.entries(x)) out[k] = walk(val);
        return out;
      }
      throw new Error(
        `${where}: ${what} is not a list of [layer, node, tensor] entries: ${JSON.stringify(x)?.slice(0, 120)}.`,
      );
    };
    const s = walk(v);
    // Keras 2 wraps a single tensor in a list; Keras 3 keeps the structure it was given.
    return !keras3 && Array.isArray(s) && s.length === 1 ? s[0]! : s;
  };
  const inputs = readIO(config['input_layers'], 'input_layers');
  const outputs = readIO(config['output_layers'], 'output_layers');
  const name = typeof config['name'] === 'string' ? config['name'] : undefined;
  const model = new Model({ inputs, outputs, ...(name ? { name } : {}) });
  if (config['trainable'] === false) model.trainable = false;
  return model;
}

/** Calls a layer on the tensors one saved call names; null while some of them do not exist yet. */
function replayCall(
  call: PendingCall,
  tensorAt: (name: unknown, index: unknown, tensorIndex: unknown, use: NodeIndexUse) => SymbolicTensor | null,
  where: string,
): Node | null {
  const { layer, data } = call;
  let missing = false;
  const resolve = (triple: unknown[], use: NodeIndexUse): SymbolicTensor | null => {
    const t = tensorAt(triple[0], triple[1], triple[2], use);
    if (!t) missing = true;
    return t;
  };
  let args: unknown[];
  let kwargs: Record<string, unknown>;
  if (isPlainRecord(data)) {
    // Keras 3: {args, kwargs} with __keras_tensor__ objects.
    const revive = (v: unknown): unknown => {
      if (isPlainRecord(v) && v['class_name'] === '__keras_tensor__') {
        const c = v['config'] as { keras_history?: unknown[] } | undefined;
        if (!c || !Array.isArray(c.keras_history))
          throw new Error(`${where}: a tensor of '${layer.name}' has no keras_history.`);
        return resolve(c.keras_history, 'keras3-node');
      }
      if (isPlainRecord(v) && typeof v['class_name'] === 'string' && String(v['class_name']).startsWith('__'))
        throw new Error(
          `${where}: layer '${layer.name}' is called with a ${String(v['class_name'])} value, which is not supported.`,
        );
      if (Array.isArray(v)) return v.map(revive);
      if (isPlainRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
      return v;
    };
    args = ((data['args'] as unknown[] | undefined) ?? []).map(revive);
    kwargs = (revive(data['kwargs'] ?? {}) as Record<string, unknown>) ?? {};
  } else if (Array.isArray(data)) {
    // Keras 2: one [name, node, tensor, kwargs] per tensor of the first argument.
    if (data.length === 0) throw new Error(`${where}: layer '${layer.name}' has an empty call.`);
    const tensors = data.map((d) => {
      if (!Array.isArray(d) || d.length < 3)
        throw new Error(`${where}: unreadable call of '${layer.name}': ${JSON.stringify(d)?.slice(0, 120)}.`);
      if (d[0] === '_CONSTANT_VALUE')
        throw new Error(`${where}: layer '${layer.name}' is called on a constant, which is not supported.`);
      return resolve(d, 'keras2');
    });
    args = [tensors.length === 1 ? tensors[0] : tensors];
    const first = data[0] as unknown[];
    const raw = (first[3] ?? {}) as Record<string, unknown>;
    const revive = (v: unknown): unknown => {
      if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && Number.isInteger(v[1]))
        return resolve(v, 'keras2');
      if (Array.isArray(v)) return v.map(revive);
      if (isPlainRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
      return v;
    };
    kwargs = revive(raw) as Record<string, unknown>;
  } else {
    throw new Error(`${where}: unreadable call of '${layer.name}': ${JSON.stringify(data)?.slice(0, 120)}.`);
  }
  if (missing) return null;
  // Keras 3 writes MultiHeadAttention's call as args [query, value, key?].
  const positional = (layer as { positionalCallArguments?: readonly string[] }).positionalCallArguments;
  if (positional && args.length > 1 && args.length <= positional.length + 1) {
    args.slice(1).forEach((a, i) => (kwargs = { ...kwargs, [positional[i]!]: a }));
    args = [args[0]];
  }
  // A saved keras.ops operation (x + y) takes its tensors as positional arguments; its stand-in merge layer takes a list.
  if ((layer as { packsPositionalArguments?: boolean }).packsPositionalArguments && args.length > 1) args = [args];
  if (args.length !== 1)
    throw new Error(
      `${where}: layer '${layer.name}' (${layer.className}) is called with ${args.length} positional arguments; deepscript's layers take one.`,
    );
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) {
    if (v === null || v === undefined) continue; // an absent mask or default argument
    options[toCamel(k)] = v;
  }
  const before = layer.inboundNodes.length;
  layer.apply(args[0] as Nested<SymbolicTensor> as never, options);
  const node = layer.inboundNodes[before];
  if (!node) throw new Error(`${where}: calling '${layer.name}' made no node.`);
  return node;
}

function toSnake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function toCamel(k: string): string {
  return k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
