import { inferenceKernels } from '../backend/inference-kernels.js';
import type { NativePlanHandle } from '../backend/inference-kernels.js';
import { getBackend } from '../backend/registry.js';
import { noGrad } from '../core/autograd.js';
import { Tensor } from '../core/tensor.js';
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

/**
 * A model's forward pass prepared once for inference (`predict` / `predictOnBatch`): runs of
 * float32 Dense, Conv2D, MaxPooling2D, relu/softmax Activation, Flatten, Reshape and Dropout
 * layers become one native call each (no autograd records, no buffer pool, intermediate
 * activations kept by the plan, Conv2D kernels kept in their transformed form); any other layer
 * runs through its own `apply` without gradients, as `predict` runs it.
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
  /** The input shape the plan was made for, batch axis first (null: any batch size). */
  readonly inputShape: SymbolicShape;
  readonly outputShape: SymbolicShape;
  /** One line per step: the layers a native call runs, or the layer run through `apply`. */
  readonly steps: readonly string[];
  /** The model's output for x [batch, ...inputShape.slice(1)] (any batch size >= 1). */
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

interface LayerStep {
  kind: 'layer';
  layer: Layer;
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

/**
 * Plans the forward pass of `layers` (built, in order, as a Sequential runs them) for inputs of
 * `inputShape` (batch axis first; give it as null). Throws, naming the layer, when a layer is not
 * built or does not accept the shape.
 */
export function planInference(layers: readonly Layer[], inputShape: SymbolicShape): InferencePlan {
  if (layers.length === 0) throw new Error('planInference: no layers.');
  if (inputShape.length < 2)
    throw new Error(
      `planInference: the input shape needs a batch axis and sample axes, got ${formatShape(inputShape)}.`,
    );
  const input: SymbolicShape = [null, ...inputShape.slice(1)];
  const kernels = inferenceKernels();
  const steps: (Segment | LayerStep)[] = [];
  let shape = input;
  let open: { names: string[]; native: NativeStep[]; layers: Layer[]; inLen: number; weightCount: number } | null =
    null;
  // Once a layer may start a mask (Embedding with maskZero), later layers run as Sequential runs
  // them, with the mask passed along.
  let masked = false;
  const close = (): void => {
    if (!open) return;
    const o = open;
    open = null;
    if (o.native.length === 0) {
      // Only views: a layer step that reshapes (copying, as predict's output is its own).
      for (const l of o.layers)
        steps.push({ kind: 'layer', layer: l, outShape: l.computeOutputShape(shape) as SymbolicShape });
      return;
    }
    const meta = new Float64Array(1 + o.native.length * STEP_META_WIDTH);
    meta[0] = o.native.length;
    o.native.forEach((s, i) => meta.set(s.meta, 1 + i * STEP_META_WIDTH));
    const weightsOf = o.native.flatMap((s) => s.weights.map((l) => () => s.take(l)));
    steps.push({
      kind: 'native',
      names: o.names,
      layers: o.layers,
      meta,
      handle: kernels!.create(meta),
      weightsOf,
      inLen: o.inLen,
      outShape: shape,
    });
  };
  for (const layer of layers) {
    if (!layer.built && needsBuild(layer)) {
      throw new Error(`planInference: layer '${layer.name}' (${layer.className}) is not built; build the model first.`);
    }
    const out = layer.computeOutputShape(shape) as SymbolicShape;
    if ((layer as { maskZero?: boolean }).maskZero === true) masked = true;
    const step = kernels && !masked ? nativeStep(layer, shape, out, open ? open.weightCount : 0) : null;
    if (step === null) {
      close();
      steps.push({ kind: 'layer', layer, outShape: out });
    } else {
      open ??= { names: [], native: [], layers: [], inLen: sizeOfKnown(shape.slice(1)), weightCount: 0 };
      open.names.push(`${layer.name} (${layer.className})`);
      open.layers.push(layer);
      if (step !== 'view') {
        for (const s of step) {
          open.native.push(s);
          open.weightCount += s.weights.reduce((n, l) => n + s.take(l).length, 0);
        }
      }
    }
    shape = out;
  }
  close();
  const outputShape = shape;
  const describe = steps.map((s) =>
    s.kind === 'native' ? `native: ${s.names.join(' -> ')}` : `apply: ${s.layer.name} (${s.layer.className})`,
  );

  const checkInput = (x: Tensor): void => {
    const ok =
      x.rank === input.length && x.shape[0]! >= 1 && input.every((d, i) => i === 0 || d === null || d === x.shape[i]);
    if (!ok)
      throw new Error(
        `InferencePlan.run: expected input shape ${formatShape(input)} with batch >= 1, got ${formatShape(x.shape)}.`,
      );
  };

  const run = (x: Tensor): Tensor => {
    checkInput(x);
    const batch = x.shape[0]!;
    const useNative = getBackend() === 'native';
    let h = x;
    let mask: Tensor | null = null;
    for (const s of steps) {
      if (s.kind === 'layer' || !useNative) {
        const ls = s.kind === 'layer' ? [s.layer] : s.layers;
        for (const layer of ls) {
          const next = layer.computeMask(h, mask);
          const input = h;
          const m = mask;
          h = noGrad(() => layer.apply(input, { training: false, mask: m }));
          mask = next as Tensor | null;
        }
        continue;
      }
      const xin = h.dtype === 'float32' ? h : noGrad(() => astype(h, 'float32'));
      const outShape = [batch, ...(s.outShape.slice(1) as number[])];
      const out = new Float32Array(batch * sizeOfKnown(s.outShape.slice(1)));
      const weights: Float32Array[] = [];
      for (const w of s.weightsOf) weights.push(...w());
      kernels!.run(s.handle!, weights, xin.data as Float32Array, batch, out);
      h = new Tensor(out, outShape, 'float32');
    }
    return h;
  };
  return { inputShape: input, outputShape, steps: describe, run };
}

/** Layers with weights need a build before a plan can read them. */
function needsBuild(layer: Layer): boolean {
  return layer instanceof Dense || layer instanceof BaseConv;
}
