import { noGrad } from '../core/autograd.js';
import type { DType } from '../core/dtype.js';
import { isFloat } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import { astype } from '../ops/cast.js';
import { zeros } from '../ops/creation.js';
import { toSnakeCase, uniqueName } from '../utils/naming.js';
import type { Nested } from './graph/nest.js';
import { flattenNested, isPlainRecord, mapNested, packLike } from './graph/nest.js';
import { Node } from './graph/node.js';
import type { SymbolicShape } from './graph/symbolic-tensor.js';
import { SymbolicTensor, formatShape, isSymbolicTensor } from './graph/symbolic-tensor.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer } from './initializers.js';
import { optionNames } from '../utils/option-names.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint, serializeConstraint, setVariableConstraint } from '../constraints/index.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import { div } from '../ops/binary.js';
import { DTypePolicy, getGlobalPolicy } from './dtype-policy.js';

export type { SymbolicShape };
export { formatShape };

/** A layer's input or output: one tensor, an array of them or a record of them by name. */
export type LayerValue<T> = Nested<T>;

/** Input shapes as a layer's `build` and `computeOutputShape` see them, structured like the inputs. */
export type ShapeValue = SymbolicShape | readonly ShapeValue[] | { readonly [key: string]: ShapeValue };

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample, without the batch axis (Keras's `input_shape`). */
  inputShape?: readonly (number | null)[];
  /** Shorthand for `inputShape: [inputDim]`. */
  inputDim?: number;
  /** Full input shape including the batch axis. */
  batchInputShape?: readonly (number | null)[];
  /**
   * Keras's `dtype`: a dtype name, a policy name (`'mixed_bfloat16'`) or a DTypePolicy; without it
   * the global policy (`mixedPrecision.setGlobalPolicy`) at construction time.
   */
  dtype?: DType | string | DTypePolicy;
  /** A penalty on the layer's outputs, divided by the batch size and added to the loss (Keras's activity_regularizer). */
  activityRegularizer?: RegularizerIdentifier | null;
}

/** The keys every layer takes (each layer adds its own; see utils/option-names.ts). */
export const LAYER_ARG_NAMES = optionNames<LayerArgs>()([
  'name',
  'trainable',
  'inputShape',
  'inputDim',
  'batchInputShape',
  'dtype',
  'activityRegularizer',
]);

export type CallOptions<M = Tensor | null> = {
  training: boolean;
  /**
   * Keras's input mask, [batch, time] (nonzero = a real step), as made by Embedding with maskZero
   * and carried through models. For a layer with several inputs, one mask (or null) per input.
   * Layers that use it say so with `supportsMasking`.
   */
  mask?: M;
  /**
   * Apply relu to the output as well, in the layer's own kernel pass: set by the graph runner
   * (models/relu-fusion.ts) only on layers whose `fusesRelu` is true, when the call's only
   * reader is a plain relu.
   */
  reluAfter?: boolean;
};

/**
 * What `apply` takes besides the inputs. In a graph, `training` fixes the mode of this one call
 * (Keras's `layer(x, training=False)`, e.g. a frozen base); other keys are the layer's own call
 * arguments (symbolic tensors allowed inside a graph).
 */
export interface ApplyOptions {
  training?: boolean;
  mask?: unknown;
  [argument: string]: unknown;
}

/** Everything `addWeight` accepts (Keras's `add_weight`). */
export interface WeightSpec {
  name: string;
  shape: readonly number[];
  initializer?: InitializerIdentifier | Initializer;
  trainable?: boolean;
  dtype?: DType;
  /** A penalty on the weight, added to the training loss while the weight is trainable. */
  regularizer?: RegularizerIdentifier | Regularizer | null;
  /** A projection applied to the weight after each optimizer step. */
  constraint?: ConstraintIdentifier | Constraint | null;
}

/** The regularizer of each regularized variable (Keras keeps it on the variable). */
const VARIABLE_REGULARIZERS = new WeakMap<Variable, Regularizer>();

export function variableRegularizer(v: Variable): Regularizer | null {
  return VARIABLE_REGULARIZERS.get(v) ?? null;
}

/** Keras config entries `<weight>_regularizer` / `<weight>_constraint` for the given weights. */
export function weightPenaltyConfig(
  entries: Readonly<Record<string, { regularizer: Regularizer | null; constraint: Constraint | null }>>,
): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [w, e] of Object.entries(entries)) config[`${w}_regularizer`] = serializeRegularizer(e.regularizer);
  for (const [w, e] of Object.entries(entries)) config[`${w}_constraint`] = serializeConstraint(e.constraint);
  return config;
}

/** Nesting of eager layer calls: the outermost call clears the losses of the previous one (Keras's call context). */
let callDepth = 0;

const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;
const isAnyTensor = (v: unknown): v is Tensor | SymbolicTensor => v instanceof Tensor || v instanceof SymbolicTensor;
export const isShape = (v: unknown): v is SymbolicShape =>
  Array.isArray(v) && v.every((d) => d === null || typeof d === 'number');

/**
 * Base of every layer and model, with Keras's anatomy: `build(inputShape)` creates weights once
 * the input shape is known, `call(inputs, options)` computes, `computeOutputShape` answers
 * without computing (by default it runs `call` on small placeholder inputs), and `getConfig`
 * returns Keras's constructor arguments so configs round-trip.
 *
 * `apply(x)` is the one entry point: on real tensors it computes; on symbolic tensors (from
 * `Input`) it records a `Node` and returns symbolic outputs, which is how Functional models are
 * built. Sublayers and variables kept in a layer's properties are tracked automatically, so a
 * custom layer or a subclassed model needs no bookkeeping of its own.
 */
export abstract class Layer {
  name: string;
  built = false;
  /** Keras's `dtype_policy`: the compute and variable dtypes. */
  readonly dtypePolicy: DTypePolicy;
  /** The variables' dtype (Keras: `layer.dtype` is an alias of `variable_dtype`). */
  readonly dtype: DType;
  /** Set by layers given an input shape; includes the batch axis. */
  batchInputShape: SymbolicShape | null;
  /** The input shape(s) the layer was built for (null dimensions are free), once built. */
  inputShapeSeen: ShapeValue | null = null;
  /** The calls of this layer on symbolic tensors, in order (Keras's `_inbound_nodes`). */
  readonly inboundNodes: Node[] = [];
  /** Integer inputs pass through as they are (Embedding); others are cast to the layer dtype. */
  protected acceptsIntegerInput = false;
  /** Accepts an input mask (Keras's supports_masking): uses it, or passes it on unchanged. */
  protected supportsMasking = false;
  /**
   * How the layer meets a bfloat16 compute dtype. 'native': its call takes bfloat16 inputs (cast on
   * entry) and reads its variables cast to bfloat16 (Dense). 'float32' (the default, for layers with
   * no bfloat16 kernels): it computes in float32 on its float32 variables and its floating outputs
   * are rounded to bfloat16, so its outputs have Keras's dtype (BatchNormalization does the same in
   * Keras; softmax, the LSTM cell state and losses stay float32 this way). 'container': models,
   * whose layers apply their own policies.
   */
  protected bf16Compute: 'native' | 'float32' | 'container' = 'float32';
  /** Call arguments this layer takes besides `training` and `mask` (others are refused by name). */
  protected callArguments: readonly string[] = [];
  /** Penalty on this layer's outputs (Keras's activity_regularizer); settable on any layer. */
  activityRegularizer: Regularizer | null;
  private trainableFlag = true;
  /** Losses added during the last outermost call (addLoss, activity regularization). */
  private readonly addedLosses: Tensor[] = [];
  private readonly ownVariables: Variable[] = [];
  /** The variables created trainable: `trainable = true` gives back exactly these. */
  private readonly createdTrainable = new Set<Variable>();

  constructor(args: LayerArgs = {}) {
    this.name = args.name ?? uniqueName(toSnakeCase(this.className));
    if (typeof this.name !== 'string')
      throw new Error(`${this.className}: a layer name must be a string, got ${JSON.stringify(args.name)}.`);
    this.dtypePolicy = layerPolicy(args.dtype, this.className);
    this.dtype = this.dtypePolicy.variableDtype as DType;
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this.batchInputShape = [null, ...args.inputShape];
    else if (args.inputDim !== undefined) this.batchInputShape = [null, args.inputDim];
    else this.batchInputShape = null;
    this.trainableFlag = args.trainable ?? true;
    this.activityRegularizer = getRegularizer(args.activityRegularizer, `${this.className} activityRegularizer`);
  }

  /** The dtype the layer computes in (Keras's `compute_dtype`). */
  get computeDtype(): DType {
    return this.dtypePolicy.computeDtype as DType;
  }

  /** The dtype of the layer's variables (Keras's `variable_dtype`). */
  get variableDtype(): DType {
    return this.dtypePolicy.variableDtype as DType;
  }

  /** How this call meets the compute dtype: 'off' unless it computes in bfloat16 (see bf16Compute). */
  private bf16Mode(): 'off' | 'native' | 'float32' {
    if (this.computeDtype !== 'bfloat16' || this.bf16Compute === 'container' || float32Scope > 0) return 'off';
    return this.bf16Compute;
  }

  /** Adds a scalar loss during `call` (Keras's add_loss); it joins the training loss of this step. */
  addLoss(loss: Tensor): void {
    if (!(loss instanceof Tensor))
      throw new Error(`Layer '${this.name}': addLoss takes a tensor, got ${describe(loss)}.`);
    this.addedLosses.push(loss);
  }

  /**
   * Keras's `layer.losses`: the losses added during the last call (by this layer and its
   * sublayers: addLoss, activity regularizers) and the penalties of the trainable weights'
   * regularizers on their current values.
   */
  get losses(): Tensor[] {
    const out: Tensor[] = [];
    const seen = new Set<Layer>();
    const visit = (layer: Layer): void => {
      if (seen.has(layer)) return;
      seen.add(layer);
      out.push(...layer.addedLosses);
      for (const l of layer.sublayers()) visit(l);
    };
    visit(this);
    for (const v of this.trainableWeights) {
      const r = VARIABLE_REGULARIZERS.get(v);
      if (r) out.push(r.call(v));
    }
    return out;
  }

  /** Forgets the losses added by the last call, here and in every sublayer. */
  clearLosses(): void {
    const seen = new Set<Layer>();
    const visit = (layer: Layer): void => {
      if (seen.has(layer)) return;
      seen.add(layer);
      layer.addedLosses.length = 0;
      for (const l of layer.sublayers()) visit(l);
    };
    visit(this);
  }

  /** The Keras class name (used in summaries and configs). */
  get className(): string {
    return this.constructor.name;
  }

  /**
   * Whether training updates this layer's weights. Setting it applies to every sublayer and to
   * the variables created trainable (Keras 3), and takes effect at the next training step.
   */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    if (typeof value !== 'boolean')
      throw new Error(`Layer '${this.name}': trainable must be true or false, got ${JSON.stringify(value)}.`);
    this.trainableFlag = value;
    for (const v of this.createdTrainable) v.trainable = value;
    for (const l of this.sublayers()) l.trainable = value;
  }

  /** Creates weights for the given input shape(s). Layers without weights keep the default. */
  build(inputShape: ShapeValue): void {
    this.inputShapeSeen = inputShape;
    this.built = true;
  }

  /** The computation, on real tensors structured as the layer takes them. */
  abstract call(inputs: LayerValue<Tensor>, options: CallOptions<unknown>): LayerValue<Tensor>;

  /**
   * The mask of this layer's output given its input and input mask (Keras's compute_mask): by
   * default a layer that supports masking passes the mask on, and one that doesn't refuses it, as
   * Keras does, rather than silently treating padding as data.
   */
  computeMask(_inputs: LayerValue<Tensor>, mask: unknown): unknown {
    const masks = flattenNested(mask as Nested<Tensor>, isTensor);
    if (masks.length > 0 && !this.supportsMasking)
      throw new Error(
        `Layer '${this.name}' (${this.className}) does not support masking, but was passed an input mask ` +
          `(e.g. from Embedding with maskZero=true). Remove maskZero or put a layer that consumes the mask ` +
          `(LSTM, GRU, SimpleRNN) before this one.`,
      );
    return mask ?? null;
  }

  /**
   * Output shape(s) for input shape(s). Layers that know theirs override this; the default runs
   * `call` on small zero-filled inputs (each free dimension tried at two sizes, so dimensions that
   * follow them stay free), which is right for any layer whose output shape depends only on the
   * input shapes.
   */
  computeOutputShape(inputShape: ShapeValue): ShapeValue {
    const probe = (size: number): SymbolicShape[] => {
      const inputs = mapNested(inputShape as Nested<SymbolicShape>, isShape, (s) =>
        zeros(
          s.map((d) => d ?? size),
          this.acceptsIntegerInput ? 'int32' : this.dtype,
        ),
      );
      const out = noGrad(() => this.call(inputs as LayerValue<Tensor>, { training: false, mask: null }));
      return flattenNested(out, isTensor).map((t) => t.shape);
    };
    const [a, b] = [probe(2), probe(3)];
    const merged = a.map((s, i) => s.map((d, j) => (d === b[i]![j] ? d : null)));
    // The batch axis stays free whatever the probe gave.
    const shapes = merged.map((s) => (s.length > 0 ? [null, ...s.slice(1)] : s));
    return shapes.length === 1 ? shapes[0]! : shapes;
  }

  /** The output's dtype: the compute dtype (InputLayer passes its input's on). */
  protected outputDType(): DType {
    return this.bf16Mode() === 'off' ? this.dtype : 'bfloat16';
  }

  /**
   * Calls the layer. On real tensors it builds on first use, checks the input shapes and computes;
   * on symbolic tensors it records the call (a Node) and returns symbolic outputs. The type
   * parameter names what comes back when it is not one tensor (`lstm.apply<SymbolicTensor[]>(x)`
   * with returnState).
   */
  apply<O = Tensor>(inputs: LayerValue<Tensor>, options?: ApplyOptions): NoInfer<O>;
  apply<O = SymbolicTensor>(inputs: LayerValue<SymbolicTensor>, options?: ApplyOptions): NoInfer<O>;
  apply(inputs: LayerValue<Tensor | SymbolicTensor>, options: ApplyOptions = {}): unknown {
    const flat = flattenNested(inputs, isAnyTensor);
    if (flat.length === 0 || !onlyTensors(inputs))
      throw new Error(
        `Layer '${this.name}' (${this.className}) expects a tensor, an array or a record of tensors, got ${describe(inputs)}.`,
      );
    for (const key of Object.keys(options))
      if (key !== 'training' && key !== 'mask' && !this.callArguments.includes(key))
        throw new Error(
          `Layer '${this.name}' (${this.className}) got an unknown call argument '${key}'; it takes ${['training', 'mask', ...this.callArguments].join(', ')}.`,
        );
    if (options.training !== undefined && typeof options.training !== 'boolean')
      throw new Error(
        `Layer '${this.name}' (${this.className}): training must be true or false, got ${describe(options.training)}.`,
      );
    const symbolic = flat.filter(isSymbolicTensor).length;
    if (symbolic > 0 && symbolic < flat.length)
      throw new Error(
        `Layer '${this.name}' (${this.className}) was called on symbolic tensors (from Input) mixed with real ones; ` +
          `inside a model, every input must come from Input or another layer.`,
      );
    return symbolic > 0
      ? this.applySymbolic(inputs as LayerValue<SymbolicTensor>, options)
      : this.applyEager(inputs as LayerValue<Tensor>, options);
  }

  /**
   * Whether `call` honours `reluAfter` (applying relu to its one output in the same pass). Layers
   * whose kernels can fuse it override this; the graph runner asks before fusing.
   */
  get fusesRelu(): boolean {
    return false;
  }

  private applyEager(inputs: LayerValue<Tensor>, options: ApplyOptions, reluAfter = false): LayerValue<Tensor> {
    const mode = this.bf16Mode();
    const cast = mapNested(inputs, isTensor, (t) =>
      this.castInput(t, mode === 'native' ? 'bfloat16' : mode === 'float32' ? 'float32' : this.dtype),
    );
    const shapes = mapNested(cast, isTensor, (t) => [null, ...t.shape.slice(1)] as SymbolicShape);
    this.maybeBuild(shapes as ShapeValue);
    this.checkInputShapes(
      mapNested(cast, isTensor, (t) => t.shape),
      false,
    );
    const { training = false, mask = null, ...rest } = options;
    if (callDepth === 0) this.clearLosses();
    callDepth++;
    // Sublayers called inside a float32 computation compute in float32 too (Keras's autocast scope).
    if (mode === 'float32') float32Scope++;
    let outputs: LayerValue<Tensor>;
    try {
      outputs = this.call(cast, reluAfter ? { ...rest, training, mask, reluAfter } : { ...rest, training, mask });
    } finally {
      callDepth--;
      if (mode === 'float32') float32Scope--;
    }
    if (mode === 'float32')
      outputs = mapNested(outputs, isTensor, (t) => (isFloat(t.dtype) ? astype(t, 'bfloat16') : t));
    if (this.activityRegularizer) {
      // Keras 3: the penalty of each output, divided by its batch size.
      for (const out of flattenNested(outputs, isTensor)) {
        const penalty = this.activityRegularizer.call(out);
        this.addLoss(out.shape.length > 0 && out.shape[0]! > 0 ? div(penalty, out.shape[0]!) : penalty);
      }
    }
    return outputs;
  }

  private applySymbolic(inputs: LayerValue<SymbolicTensor>, options: ApplyOptions): LayerValue<SymbolicTensor> {
    const shapes = mapNested(inputs, isSymbolicTensor, (t) => t.shape) as ShapeValue;
    this.maybeBuild(shapes);
    this.checkInputShapes(shapes, true);
    const outShapes = this.computeOutputShape(shapes);
    const node = new Node(this, [inputs], options);
    const leaves = flattenNested(outShapes as Nested<SymbolicShape>, isShape).map(
      (s, i) => new SymbolicTensor(s, this.outputDType(), node, i),
    );
    const outputs = packLike(outShapes as Nested<SymbolicShape>, isShape, leaves) as LayerValue<SymbolicTensor>;
    node.setOutputs(outputs);
    this.inboundNodes.push(node);
    return outputs;
  }

  /**
   * Runs one recorded call inside a graph on real tensors: its outputs and their masks. Models
   * override it to hand back the masks their own graph computed; `kwargMasks` holds the masks of
   * tensors passed as keyword arguments (by argument name), for layers that use them.
   */
  callInGraph(
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>>,
    training: boolean,
    mask: unknown,
    _kwargMasks: Readonly<Record<string, Tensor | null>> = {},
  ): { outputs: LayerValue<Tensor>; mask: unknown } {
    const inputs = args[0] as LayerValue<Tensor>;
    const outMask = this.computeMask(inputs, mask);
    const outputs = this.apply<LayerValue<Tensor>>(inputs, { ...kwargs, training, mask });
    return { outputs, mask: outMask };
  }

  /**
   * callInGraph for a call whose only reader is a plain relu, with that relu applied by this
   * layer's own kernel (`fusesRelu` layers only; on real tensors, so no symbolic path).
   */
  callInGraphWithRelu(
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>>,
    training: boolean,
    mask: unknown,
  ): { outputs: LayerValue<Tensor>; mask: unknown } {
    if (!this.fusesRelu) throw new Error(`Layer '${this.name}' (${this.className}) cannot apply a fused relu.`);
    const inputs = args[0] as LayerValue<Tensor>;
    const outMask = this.computeMask(inputs, mask);
    const flat = flattenNested(inputs, isAnyTensor);
    if (flat.length === 0 || !flat.every(isTensor))
      throw new Error(`Layer '${this.name}' (${this.className}): a fused relu needs real tensors.`);
    const outputs = this.applyEager(inputs, { ...kwargs, training, mask } as ApplyOptions, true);
    return { outputs, mask: outMask };
  }

  private castInput(x: Tensor, to: DType): Tensor {
    return this.acceptsIntegerInput || x.dtype === to || !isFloatOrInt(x.dtype) ? x : astype(x, to);
  }

  private maybeBuild(shapes: ShapeValue): void {
    if (this.built) return;
    // A declared input shape wins over the first batch (so unknown lengths stay unknown).
    const shape = this.batchInputShape && isShape(shapes) ? this.batchInputShape : shapes;
    try {
      this.build(shape);
    } catch (e) {
      // Say which layer could not be built (a weight too large to allocate, a shape it cannot take).
      if (e instanceof Error && !e.message.includes(`'${this.name}'`)) {
        const where = `layer '${this.name}' (${this.className})`;
        // An error that carries the problem on its own (io's DamagedFileError) keeps its form.
        const withProblem = e as Error & { problem?: unknown };
        if (typeof withProblem.problem === 'string' && e.message.endsWith(withProblem.problem)) {
          const problem = `${where}: ${withProblem.problem}`;
          e.message = e.message.slice(0, e.message.length - withProblem.problem.length) + problem;
          withProblem.problem = problem;
        } else e.message = `Cannot build ${where}: ${e.message}`;
      }
      throw e;
    }
    if (!this.built) this.built = true;
    if (!this.inputShapeSeen) this.inputShapeSeen = shapes;
  }

  /** Validates rank and fixed dimensions against the shapes the layer was built for. */
  protected checkInputShapes(shapes: unknown, symbolic: boolean): void {
    const verb = symbolic ? 'is called on' : 'got';
    const expectedValue = this.inputShapeSeen;
    if (!expectedValue) return;
    const expected = flattenNested(expectedValue as Nested<SymbolicShape>, isShape);
    const actual = flattenNested(shapes as Nested<SymbolicShape>, isShape);
    const fits = (e: SymbolicShape, a: SymbolicShape): boolean =>
      e.length === a.length && e.every((d, i) => i === 0 || d === null || a[i] === null || d === a[i]);
    if (expected.length === actual.length && expected.every((e, i) => fits(e, actual[i]!))) return;
    const fmt = (v: unknown): string => {
      const list = flattenNested(v as Nested<SymbolicShape>, isShape).map(formatShape);
      return isShape(v) ? list[0]! : `[${list.join(', ')}]`;
    };
    const shared =
      symbolic && this.inboundNodes.length > 0
        ? ' (the shape of its first call; a layer called again must get compatible inputs)'
        : '';
    throw new Error(
      `Layer '${this.name}' (${this.className}) expected input shape ${fmt(expectedValue)}${shared}, ${verb} ${fmt(shapes)}.`,
    );
  }

  /** Kept for layers that check a single input themselves. */
  protected checkInput(x: Tensor): void {
    this.checkInputShapes(x.shape, false);
  }

  /**
   * Creates a weight (Keras's add_weight), named `<layer>/<name>:0`. Call it from `build`, or
   * from the constructor when the shape is known there.
   */
  addWeight(spec: WeightSpec): Variable;
  addWeight(name: string, shape: readonly number[], initializer: Initializer, trainable?: boolean): Variable;
  addWeight(
    specOrName: WeightSpec | string,
    shape?: readonly number[],
    initializer?: Initializer,
    trainable = true,
  ): Variable {
    const spec: WeightSpec =
      typeof specOrName === 'string' ? { name: specOrName, shape: shape!, initializer, trainable } : specOrName;
    for (const key of Object.keys(spec))
      if (!WEIGHT_SPEC_KEYS.includes(key))
        throw new Error(
          `Layer '${this.name}': addWeight got unknown option '${key}'; expected one of ${WEIGHT_SPEC_KEYS.join(', ')}.`,
        );
    const regularizer = getRegularizer(spec.regularizer, `Layer '${this.name}' weight '${String(spec.name)}'`);
    const constraint = getConstraint(spec.constraint, `Layer '${this.name}' weight '${String(spec.name)}'`);
    if (typeof spec.name !== 'string' || !Array.isArray(spec.shape))
      throw new Error(`Layer '${this.name}': addWeight needs a name and a shape, got ${describe(spec)}.`);
    const init =
      spec.initializer && typeof spec.initializer === 'object' && 'init' in spec.initializer
        ? spec.initializer
        : getInitializer((spec.initializer as InitializerIdentifier | undefined) ?? 'glorot_uniform');
    const wantTrainable = spec.trainable ?? true;
    const dtype = spec.dtype ?? this.dtype;
    if (dtype === 'bfloat16')
      throw new Error(
        `Layer '${this.name}' (${this.className}): weight '${spec.name}' would be stored in bfloat16 (dtype policy ` +
          `'${this.dtypePolicy.name}'), which deepscript's optimizers and layer kernels do not take; ` +
          `use 'mixed_bfloat16' (float32 variables, bfloat16 compute).`,
      );
    const v = new Variable(
      init.init(spec.shape, dtype),
      `${this.name}/${spec.name}:0`,
      wantTrainable && this.trainable,
    );
    this.ownVariables.push(v);
    if (wantTrainable) this.createdTrainable.add(v);
    if (regularizer) VARIABLE_REGULARIZERS.set(v, regularizer);
    setVariableConstraint(v, constraint);
    return v;
  }

  /**
   * The layers this one contains: those held in its properties, directly or in arrays and
   * records (Keras's attribute tracking). Models with a graph list the graph's layers instead.
   */
  sublayers(): Layer[] {
    const found: Layer[] = [];
    const seen = new Set<Layer>([this]);
    const take = (v: unknown, depth: number): void => {
      if (v instanceof Layer) {
        if (!seen.has(v)) {
          seen.add(v);
          found.push(v);
        }
      } else if (depth < 2 && Array.isArray(v)) v.forEach((e) => take(e, depth + 1));
      else if (depth < 2 && isPlainRecord(v)) Object.values(v).forEach((e) => take(e, depth + 1));
    };
    for (const key of Object.keys(this)) if (key !== 'inboundNodes') take((this as Record<string, unknown>)[key], 0);
    return found;
  }

  /** This layer's variables and those of its sublayers, in creation order, each once. */
  get weights(): Variable[] {
    return this.collectWeights(() => true);
  }

  /** The weights training updates: none while the layer (or an enclosing one) is frozen. */
  get trainableWeights(): Variable[] {
    return this.trainable ? this.collectWeights((v, frozen) => !frozen && v.trainable) : [];
  }

  get nonTrainableWeights(): Variable[] {
    return this.collectWeights((v, frozen) => frozen || !this.trainable || !v.trainable);
  }

  private collectWeights(keep: (v: Variable, frozen: boolean) => boolean): Variable[] {
    const out: Variable[] = [];
    const seenVars = new Set<Variable>();
    const seenLayers = new Set<Layer>();
    const visit = (layer: Layer, frozen: boolean): void => {
      if (seenLayers.has(layer)) return;
      seenLayers.add(layer);
      const f = frozen || !layer.trainable;
      for (const v of layer.ownVariableList()) {
        if (!seenVars.has(v) && keep(v, f)) {
          seenVars.add(v);
          out.push(v);
        }
      }
      for (const l of layer.sublayers()) visit(l, f);
    };
    visit(this, false);
    return out;
  }

  /** Variables created by this layer itself, plus any assigned to its properties directly. */
  protected ownVariableList(): Variable[] {
    const extra = Object.keys(this)
      .map((k) => (this as Record<string, unknown>)[k])
      .filter((v): v is Variable => v instanceof Variable && !this.ownVariables.includes(v));
    return extra.length > 0 ? [...this.ownVariables, ...extra] : this.ownVariables;
  }

  countParams(): number {
    return this.weights.reduce((n, v) => n + v.size, 0);
  }

  /** Copies of the current weight values, in creation order (Keras's get_weights). */
  getWeights(): Tensor[] {
    return this.weights.map((v) => v.value());
  }

  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new Error(`Layer '${this.name}' has ${ws.length} weights, got ${values.length}.`);
    }
    ws.forEach((v, i) => v.assign(values[i]!));
  }

  /** Keras's config: constructor arguments in Keras's snake_case names. */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {
      name: this.name,
      trainable: this.trainable,
      dtype: this.dtypePolicy.name,
    };
    if (this.batchInputShape) config['batch_input_shape'] = [...this.batchInputShape];
    if (this.activityRegularizer) config['activity_regularizer'] = serializeRegularizer(this.activityRegularizer);
    return config;
  }
}

const WEIGHT_SPEC_KEYS = ['name', 'shape', 'initializer', 'trainable', 'dtype', 'regularizer', 'constraint'];

function isFloatOrInt(d: DType): boolean {
  return isFloat(d) || d === 'bfloat16' || d === 'int32' || d === 'uint8';
}

/** Depth of layer calls computing in float32 for a bfloat16 policy (see Layer.bf16Compute). */
let float32Scope = 0;

/**
 * A layer's policy from its `dtype` argument, else the global one. float16 compute is refused here
 * (no kernels); bfloat16 variables when a weight is made (Layer.addWeight).
 */
function layerPolicy(dtype: DType | string | DTypePolicy | undefined, className: string): DTypePolicy {
  let policy: DTypePolicy;
  if (dtype === undefined || dtype === null) policy = getGlobalPolicy();
  else if (dtype instanceof DTypePolicy) policy = dtype;
  else if (typeof dtype === 'string') {
    try {
      policy = new DTypePolicy(dtype === 'float' ? 'float32' : dtype === 'double' ? 'float64' : dtype);
    } catch (e) {
      throw new Error(`${className}: ${(e as Error).message}`);
    }
  } else
    throw new Error(
      `${className}: dtype must be a dtype name, a policy name or a DTypePolicy, got ${describe(dtype)}.`,
    );
  if (policy.computeDtype === 'float16')
    throw new Error(
      `${className}: dtype policy '${policy.name}' computes in float16, which deepscript has no kernels for; use 'mixed_bfloat16'.`,
    );
  return policy;
}

function onlyTensors(v: unknown): boolean {
  if (isAnyTensor(v)) return true;
  if (Array.isArray(v)) return v.length > 0 && v.every(onlyTensors);
  if (isPlainRecord(v)) return Object.keys(v).length > 0 && Object.values(v).every(onlyTensors);
  return false;
}

/** A short description of a wrong argument for error messages (never throws, never huge). */
export function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (v instanceof Tensor) return `a tensor of shape ${formatShape(v.shape)}`;
  if (v instanceof SymbolicTensor) return v.toString();
  if (Array.isArray(v)) return `[${v.slice(0, 4).map(describe).join(', ')}${v.length > 4 ? ', ...' : ''}]`;
  if (typeof v === 'object') return `an object with keys ${Object.keys(v).slice(0, 8).join(', ') || '(none)'}`;
  return `${typeof v} ${String(v).slice(0, 40)}`;
}
