import { inferenceKernels } from '../backend/inference-kernels.js';
import type { NativePlanHandle } from '../backend/inference-kernels.js';
import { getBackend } from '../backend/registry.js';
import { noGrad } from '../core/autograd.js';
import { Tensor } from '../core/tensor.js';
import type { Node } from '../layers/graph/node.js';
import type { SymbolicTensor } from '../layers/graph/symbolic-tensor.js';
import { isSymbolicTensor } from '../layers/graph/symbolic-tensor.js';
import { astype } from '../ops/cast.js';
import { windowMap } from '../ops/conv-windows.js';
import { Activation } from '../layers/activation.js';
import { BaseConv } from '../layers/conv-base.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import type { Layer, SymbolicShape } from '../layers/layer.js';
import { formatShape } from '../layers/layer.js';
import { BasePooling } from '../layers/pooling-base.js';
import { Reshape } from '../layers/reshape.js';
import type { LayerGraph } from './layer-graph.js';

/**
 * A graph model's forward pass (Functional or Sequential) prepared once for inference (`predict`
 * / `predictOnBatch`): chains of float32 Dense, Conv2D, MaxPooling2D, relu/softmax Activation,
 * Flatten, Reshape and Dropout calls become one native call each (no autograd records, no buffer
 * pool, intermediate activations kept by the plan, Conv2D kernels kept in their transformed form);
 * any other call runs as the graph runs it (`callInGraph`, without gradients).
 *
 * The plan reads the layers' weights at every run, so it follows training, `setWeights` and
 * loading: Dense kernels are used in place, and a Conv2D kernel is compared with the copy its
 * transform was made from and transformed again when it changed.
 *
 * Results: where the plan calls the kernels `predict` calls (Dense with more than 4 rows in the
 * batch, Conv2D, pooling, softmax) they match bit for bit; Dense with at most 4 rows (batch 1 to
 * 4 for a 2-D input) uses a matrix-times-few-vectors kernel that reads the kernel in place and
 * sums in another order, which differs from the GEMM by float32 rounding (tested against the
 * worst-case bound (k + 2) 2^-24 of the sum of |x| |w| terms, and within 1e-6 on the lecture
 * models' softmax outputs).
 *
 * A plan is used from one thread at a time. Its intermediate buffers grow to the largest batch
 * it has run (two of them, each batch x the largest per-sample activation: 86 KB per sample for
 * the lecture CNN) and are kept for later runs, so callers should feed it batches (as predict's
 * batchSize does), not a whole data set at once.
 */
export interface InferencePlan {
  /** The first input's shape the plan was made for, batch axis first (null: any batch size). */
  readonly inputShape: SymbolicShape;
  /** Every input's shape, aligned with the graph's inputs. */
  readonly inputShapes: readonly SymbolicShape[];
  readonly outputShape: SymbolicShape;
  readonly outputShapes: readonly SymbolicShape[];
  /** One line per step: the layers a native call runs, or a layer run as the graph runs it. */
  readonly steps: readonly string[];
  /** The outputs (aligned with the graph's outputs) for inputs aligned with its inputs. */
  runAll(xs: readonly Tensor[]): Tensor[];
  /** The output of a one-input, one-output graph for x [batch, ...inputShape.slice(1)] (batch >= 1). */
  run(x: Tensor): Tensor;
}

/** Numbers per step in a native plan's meta (native/infer.cc's kMetaWidth). */
export const STEP_META_WIDTH = 24;
const enum Kind {
  Dense = 0,
  Conv = 1,
  MaxPool = 2,
  Softmax = 3,
  Relu = 4,
}
const enum Act {
  Linear = 0,
  Relu = 1,
  Softmax = 2,
}

interface NativeStep {
  meta: number[];
  /** The layers whose weights the step reads (through take), appended to the run's weight list. */
  weights: Layer[];
  take: (layer: Layer) => Float32Array[];
}

interface Segment {
  kind: 'native';
  names: string[];
  layers: Layer[];
  meta: Float64Array;
  handle: NativePlanHandle | null;
  weightsOf: (() => Float32Array[])[];
  inLen: number;
  outShape: SymbolicShape;
}

const sizeOfKnown = (shape: SymbolicShape): number => shape.reduce<number>((p, d) => p * d!, 1);
const known = (shape: SymbolicShape): boolean => shape.every((d) => d !== null);

function stepMeta(kind: Kind, inLen: number, outLen: number, fields: Partial<Record<string, number>>): number[] {
  const m = new Array<number>(STEP_META_WIDTH).fill(0);
  m[0] = kind;
  m[1] = inLen;
  m[2] = outLen;
  const order = [
    'act',
    'w',
    'b',
    'rows',
    'k',
    'n',
    'h',
    'wd',
    'c',
    'kh',
    'kw',
    'sh',
    'sw',
    'dh',
    'dw',
    'pt',
    'pl',
    'oh',
    'ow',
    'f',
  ] as const;
  order.forEach((key, i) => (m[3 + i] = fields[key] ?? (key === 'w' || key === 'b' ? -1 : 0)));
  return m;
}

/**
 * The native step(s) of one layer for an input of per-sample shape `inShape` (batch axis first,
 * null), or null when the layer must run through `apply`. `weightBase` is the index its weights
 * get in the segment's weight list; 'view' means the layer only reshapes (no step).
 */
function nativeStep(
  layer: Layer,
  inShape: SymbolicShape,
  outShape: SymbolicShape,
  weightBase: number,
): NativeStep[] | 'view' | null {
  // Float32 kernels only: a layer computing in bfloat16 (mixed_bfloat16) runs through its apply.
  if (
    layer.dtype !== 'float32' ||
    layer.computeDtype !== 'float32' ||
    !known(inShape.slice(1)) ||
    !known(outShape.slice(1))
  )
    return null;
  const inLen = sizeOfKnown(inShape.slice(1));
  const outLen = sizeOfKnown(outShape.slice(1));
  if (layer instanceof Flatten || layer instanceof Reshape || layer instanceof Dropout) return 'view';
  if (layer instanceof Activation) {
    const name = layer.activation.name;
    if (name === 'linear') return 'view';
    if (name === 'relu') return [{ meta: stepMeta(Kind.Relu, inLen, outLen, {}), weights: [], take: () => [] }];
    if (name === 'softmax') {
      const n = inShape[inShape.length - 1]!;
      return [{ meta: stepMeta(Kind.Softmax, inLen, outLen, { n }), weights: [], take: () => [] }];
    }
    return null;
  }
  if (layer instanceof Dense) {
    const act = layer.activation.name;
    if (act !== 'linear' && act !== 'relu' && act !== 'softmax') return null;
    const k = inShape[inShape.length - 1]!;
    const bias = layer.useBias;
    return [
      {
        meta: stepMeta(Kind.Dense, inLen, outLen, {
          act: act === 'relu' ? Act.Relu : act === 'softmax' ? Act.Softmax : Act.Linear,
          w: weightBase,
          b: bias ? weightBase + 1 : -1,
          rows: inLen / k,
          k,
          n: layer.units,
        }),
        weights: [layer],
        take: (l) => {
          const d = l as Dense;
          return d.bias
            ? [d.kernel!.data as Float32Array, d.bias.data as Float32Array]
            : [d.kernel!.data as Float32Array];
        },
      },
    ];
  }
  if (layer instanceof BaseConv && layer.rank === 2) {
    const act = layer.activation.name;
    if (act !== 'linear' && act !== 'relu') return null;
    const [, h, w, c] = inShape as [null, number, number, number];
    const map = windowMap(
      {
        inH: h,
        inW: w,
        kH: layer.kernelSize[0]!,
        kW: layer.kernelSize[1]!,
        strides: layer.strides,
        dilation: layer.dilationRate,
        padding: layer.padding,
      },
      `planInference: layer '${layer.name}' (${layer.className})`,
    );
    return [
      {
        meta: stepMeta(Kind.Conv, inLen, outLen, {
          act: act === 'relu' ? Act.Relu : Act.Linear,
          w: weightBase,
          b: layer.useBias ? weightBase + 1 : -1,
          ...geometry(h, w, c, map),
          f: layer.filters,
        }),
        weights: [layer],
        take: (l) => {
          const d = l as BaseConv;
          return d.bias
            ? [d.kernel!.data as Float32Array, d.bias.data as Float32Array]
            : [d.kernel!.data as Float32Array];
        },
      },
    ];
  }
  if (layer instanceof BasePooling && layer.rank === 2 && layer.kind === 'max') {
    const [, h, w, c] = inShape as [null, number, number, number];
    const map = windowMap(
      {
        inH: h,
        inW: w,
        kH: layer.poolSize[0]!,
        kW: layer.poolSize[1]!,
        strides: layer.strides,
        dilation: [1, 1],
        padding: layer.padding,
      },
      `planInference: layer '${layer.name}' (${layer.className})`,
    );
    return [{ meta: stepMeta(Kind.MaxPool, inLen, outLen, geometry(h, w, c, map)), weights: [], take: () => [] }];
  }
  return null;
}

function geometry(h: number, w: number, c: number, map: ReturnType<typeof windowMap>): Record<string, number> {
  return {
    h,
    wd: w,
    c,
    kh: map.kH,
    kw: map.kW,
    sh: map.strideH,
    sw: map.strideW,
    dh: map.dilationH,
    dw: map.dilationW,
    pt: map.padTop,
    pl: map.padLeft,
    oh: map.outH,
    ow: map.outW,
  };
}

/** A run of single-input nodes, each reading only the previous one's output: one native call. */
interface Chain {
  kind: 'chain';
  nodes: Node[];
  input: SymbolicTensor;
  output: SymbolicTensor;
  native: NativeStep[];
  weightCount: number;
  inLen: number;
  outShape: SymbolicShape;
  /** Made when the chain is complete (null: the chain only reshapes, so its nodes run as layers). */
  segment: Segment | null;
}

interface NodeStep {
  kind: 'node';
  node: Node;
}

/**
 * Plans the forward pass of a layer graph (a Functional model's, or a Sequential's chain) for
 * inputs of `inputShapes` (one per graph input, batch axis first as null; one shape for a single
 * input). Nodes run in the graph's order; every run of single-input nodes with a native step,
 * each reading only the previous one's output (read by nothing else, not a model output), becomes
 * one native call; merge layers, layers with several inputs or call arguments, nested models and
 * any layer without a native step run as the graph runs them (`callInGraph`, no gradients), masks
 * included. A chain whose input carries a mask at run time runs through its layers too, so masks
 * are honoured as the eager forward pass honours them.
 */
export function planInference(graph: LayerGraph, inputShapes: SymbolicShape | readonly SymbolicShape[]): InferencePlan {
  const shapes = (isShapeList(inputShapes) ? inputShapes : [inputShapes]) as readonly SymbolicShape[];
  if (shapes.length !== graph.inputs.length)
    throw new Error(`planInference: the graph has ${graph.inputs.length} inputs, got ${shapes.length} input shapes.`);
  shapes.forEach((s, i) => {
    if (s.length < 2)
      throw new Error(`planInference: input ${i} needs a batch axis and sample axes, got ${formatShape(s)}.`);
  });
  const inputs: SymbolicShape[] = shapes.map((s) => [null, ...s.slice(1)]);
  const kernels = inferenceKernels();
  const shapeOf = new Map<SymbolicTensor, SymbolicShape>();
  graph.inputs.forEach((t, i) => shapeOf.set(t, inputs[i]!));
  const outputs = new Set(graph.outputs);
  const steps: (Chain | NodeStep)[] = [];
  const openChains = new Map<SymbolicTensor, Chain>();

  for (const node of graph.nodes) {
    if (node.isInput) continue;
    const single = singleInput(node);
    if (single === null) {
      node.outputs.forEach((t) => shapeOf.set(t, t.shape));
      steps.push({ kind: 'node', node });
      continue;
    }
    const layer = node.layer;
    if (!layer.built && needsBuild(layer))
      throw new Error(`planInference: layer '${layer.name}' (${layer.className}) is not built; build the model first.`);
    const inShape = shapeOf.get(single) ?? single.shape;
    const out = node.outputs[0]!;
    // The output shape for these sample shapes (sharper than the declared one when the model's
    // input has free axes). With every sample axis known, a refusal is the layer's answer to the
    // data (predict reports it as Keras does, batch as None); with free axes the layer may just be
    // unable to say, so it keeps its declared shape and runs as a node.
    let outShape: SymbolicShape;
    try {
      outShape = layer.computeOutputShape(inShape) as SymbolicShape;
    } catch (e) {
      if (inShape.slice(1).every((d) => d !== null)) throw e;
      shapeOf.set(out, out.shape);
      steps.push({ kind: 'node', node });
      continue;
    }
    shapeOf.set(out, outShape);
    const open = openChains.get(single);
    const extend = open !== undefined && graph.readersOf(single) === 1 && !outputs.has(single);
    const step = kernels ? nativeStep(layer, inShape, outShape, extend ? open.weightCount : 0) : null;
    if (step === null) {
      steps.push({ kind: 'node', node });
      continue;
    }
    let chain: Chain;
    if (extend) {
      chain = open;
      openChains.delete(single);
    } else {
      chain = {
        kind: 'chain',
        nodes: [],
        input: single,
        output: out,
        native: [],
        weightCount: 0,
        inLen: sizeOfKnown(inShape.slice(1)),
        outShape,
        segment: null,
      };
      // A chain runs where its first node would: it reads only its input, made before that.
      steps.push(chain);
    }
    chain.nodes.push(node);
    chain.output = out;
    chain.outShape = outShape;
    openChains.set(out, chain);
    if (step !== 'view') {
      for (const s of step) {
        chain.native.push(s);
        chain.weightCount += s.weights.reduce((n, l) => n + s.take(l).length, 0);
      }
    }
  }
  for (const step of steps) {
    if (step.kind !== 'chain' || step.native.length === 0) continue;
    const meta = new Float64Array(1 + step.native.length * STEP_META_WIDTH);
    meta[0] = step.native.length;
    step.native.forEach((s, i) => meta.set(s.meta, 1 + i * STEP_META_WIDTH));
    step.segment = {
      kind: 'native',
      names: step.nodes.map((n) => `${n.layer.name} (${n.layer.className})`),
      layers: step.nodes.map((n) => n.layer),
      meta,
      handle: kernels!.create(meta),
      weightsOf: step.native.flatMap((s) => s.weights.map((l) => () => s.take(l))),
      inLen: step.inLen,
      outShape: step.outShape,
    };
  }
  const describe = steps.flatMap((s) =>
    s.kind === 'chain' && s.segment
      ? [`native: ${s.segment.names.join(' -> ')}`]
      : (s.kind === 'chain' ? s.nodes : [s.node]).map((n) => `apply: ${n.layer.name} (${n.layer.className})`),
  );

  const checkInputs = (xs: readonly Tensor[]): void => {
    if (xs.length !== inputs.length)
      throw new Error(`InferencePlan.run: expected ${inputs.length} input tensors, got ${xs.length}.`);
    xs.forEach((x, k) => {
      const want = inputs[k]!;
      const ok =
        x.rank === want.length && x.shape[0]! >= 1 && want.every((d, i) => i === 0 || d === null || d === x.shape[i]);
      if (!ok)
        throw new Error(
          `InferencePlan.run: expected input ${inputs.length > 1 ? `${k} ` : ''}shape ${formatShape(want)} with batch >= 1, got ${formatShape(x.shape)}.`,
        );
    });
  };

  const runAll = (xs: readonly Tensor[]): Tensor[] => {
    checkInputs(xs);
    const useNative = getBackend() === 'native';
    const values = new Map<SymbolicTensor, Tensor>();
    const masks = new Map<SymbolicTensor, Tensor | null>();
    const left = new Map<SymbolicTensor, number>();
    graph.inputs.forEach((t, i) => values.set(t, xs[i]!));
    const valueOf = (t: SymbolicTensor): Tensor => {
      const v = values.get(t);
      if (!v) throw new Error(`InferencePlan.run: ${t.toString()} was read before it was computed.`);
      return v;
    };
    const maskOf = (t: SymbolicTensor): Tensor | null => masks.get(t) ?? null;
    // Drops what no later step reads, as the graph's own run does.
    const consumed = (ts: readonly SymbolicTensor[]): void => {
      for (const t of ts) {
        const n = (left.get(t) ?? graph.readersOf(t)) - 1;
        left.set(t, n);
        if (n <= 0 && !outputs.has(t)) values.delete(t);
      }
    };
    const runNode = (node: Node): void => {
      const r = noGrad(() => graph.callNode(node, valueOf, maskOf, false));
      node.outputs.forEach((t, i) => {
        values.set(t, r.outputs[i]!);
        masks.set(t, r.masks[i]!);
      });
      consumed(node.inputs);
    };
    for (const s of steps) {
      if (s.kind === 'node') {
        runNode(s.node);
        continue;
      }
      if (!s.segment || !useNative || maskOf(s.input) !== null) {
        for (const node of s.nodes) runNode(node);
        continue;
      }
      const h = valueOf(s.input);
      const batch = h.shape[0]!;
      const seg = s.segment;
      const xin = h.dtype === 'float32' ? h : noGrad(() => astype(h, 'float32'));
      const out = new Float32Array(batch * sizeOfKnown(seg.outShape.slice(1)));
      const weights: Float32Array[] = [];
      for (const w of seg.weightsOf) weights.push(...w());
      // Looked up at each run, so a wrapper registered later (a test counting calls) sees it.
      inferenceKernels()!.run(seg.handle!, weights, xin.data as Float32Array, batch, out);
      values.set(s.output, new Tensor(out, [batch, ...(seg.outShape.slice(1) as number[])], 'float32'));
      masks.set(s.output, null);
      consumed([s.input]);
    }
    return graph.outputs.map(valueOf);
  };
  const outputShapes = graph.outputs.map((t) => shapeOf.get(t) ?? t.shape);
  return {
    inputShape: inputs[0]!,
    inputShapes: inputs,
    outputShape: outputShapes[0]!,
    outputShapes,
    steps: describe,
    runAll,
    run: (x: Tensor): Tensor => {
      if (inputs.length !== 1 || graph.outputs.length !== 1)
        throw new Error(
          `InferencePlan.run: the graph has ${inputs.length} inputs and ${graph.outputs.length} outputs; use runAll.`,
        );
      return runAll([x])[0]!;
    },
  };
}

/** The one tensor a node reads, when it is called on one tensor with no call arguments. */
function singleInput(node: Node): SymbolicTensor | null {
  if (node.args.length !== 1 || Object.keys(node.kwargs).length > 0 || node.outputs.length !== 1) return null;
  const a = node.args[0];
  return isSymbolicTensor(a) ? a : null;
}

function isShapeList(v: SymbolicShape | readonly SymbolicShape[]): v is readonly SymbolicShape[] {
  return v.length > 0 && Array.isArray(v[0]);
}

/** Layers with weights need a build before a plan can read them. */
function needsBuild(layer: Layer): boolean {
  return layer instanceof Dense || layer instanceof BaseConv;
}
