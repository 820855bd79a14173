import { gradients, noGrad } from '../core/autograd.js';
import { bufferScope, endPoolSession, startPoolSession } from '../core/buffer-pool.js';
import type { Tensor } from '../core/tensor.js';
import type { Callback, CallbackModel, Logs, TrainingParams } from '../callbacks/callback.js';
import { CallbackList } from '../callbacks/callback-list.js';
import { History } from '../callbacks/history.js';
import { ProgbarLogger } from '../callbacks/progbar-logger.js';
import type { ResolvedLoss } from '../losses/losses.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { getOptimizer } from '../optimizers/get-optimizer.js';
import { onesLike, zeros } from '../ops/creation.js';
import { add } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';
import { concat } from '../ops/concat.js';
import type { Nested } from '../layers/graph/nest.js';
import { flattenNested, isPlainRecord, mapNested } from '../layers/graph/nest.js';
import type { SymbolicTensor } from '../layers/graph/symbolic-tensor.js';
import type { SymbolicShape } from '../layers/graph/symbolic-tensor.js';
import { formatShape, isSymbolicTensor } from '../layers/graph/symbolic-tensor.js';
import type { CallOptions, LayerValue, ShapeValue } from '../layers/layer.js';
import { Layer, isShape } from '../layers/layer.js';
import { toSnakeCase, uniqueName } from '../utils/naming.js';
import { printLine } from '../utils/output.js';
import { checkOptionNames } from '../utils/option-names.js';
import { Progbar } from '../utils/progbar.js';
import { LayerGraph } from './layer-graph.js';
import { planInference, type InferencePlan } from './inference-plan.js';
import type { DataLike, ModelData } from './model-data.js';
import { alignData, isTensor, sampleCount, sliceData, toTensorData } from './model-data.js';
import type { BatchSource, DataBatch } from './data-adapter.js';
import { ArraySource, EpochIterator, IterableSource, isBatchSource } from './data-adapter.js';
import type { ClassWeight } from './sample-weights.js';
import { alignSampleWeights } from './sample-weights.js';
import { optionNames } from '../utils/option-names.js';
import type { ObjectiveArgs, ResolvedMetric } from './objectives.js';
import { Objectives, resolveObjectives } from './objectives.js';
import type { SummaryOptions } from './summary.js';
import { modelSummaryLines } from './summary.js';
import type { ModelGraphView } from './graph-view.js';
import { modelGraphView } from './graph-view.js';

export interface CompileArgs extends ObjectiveArgs {
  optimizer?: string | Optimizer;
}

/**
 * What fit, evaluate and predict take as x (and y): tensors, nested number arrays, typed arrays
 * (one per input/output, or a record by name), or, as x alone, a `data.Dataset`, an iterable, an
 * async iterable or an iterator of batches `[x, y]`, `[x, y, sampleWeight]` or `{ x, y, sampleWeight }`.
 */
export type InputData = ModelData | DataLike | Iterable<unknown> | AsyncIterable<unknown> | Iterator<unknown>;

export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback[];
  validationSplit?: number;
  /** `[x, y]`, `[x, y, sampleWeight]`, or a Dataset / iterable of batches. */
  validationData?:
    | readonly [InputData, InputData]
    | readonly [InputData, InputData, InputData | null]
    | Iterable<unknown>
    | AsyncIterable<unknown>;
  shuffle?: boolean;
  initialEpoch?: number;
  /** Per-sample weights (per output: an array or record), scaling each sample's loss as Keras does. */
  sampleWeight?: InputData;
  /** Weight per class index; each sample's loss is scaled by its class's weight (single-output models). */
  classWeight?: ClassWeight;
  /** Batches per epoch; the data's iterator then continues across epochs (Keras's steps_per_epoch). */
  stepsPerEpoch?: number;
  /** Batches per validation run (validation from a Dataset or iterable). */
  validationSteps?: number;
  /** Batch size of array validation data (default: batchSize). */
  validationBatchSize?: number;
}

export interface EvaluateArgs {
  batchSize?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback[];
  /** Per-sample weights for the loss (per output: an array or record). */
  sampleWeight?: InputData;
  /** Batches to evaluate (default: all). */
  steps?: number;
}

export interface PredictArgs {
  batchSize?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback[];
  /** Batches to predict (default: all). */
  steps?: number;
}

/** `new Model({ inputs, outputs })`: a Functional model; `{ name }` alone for a subclassed one. */
export interface ModelArgs<O extends Nested<SymbolicTensor> = SymbolicTensor> {
  inputs?: Nested<SymbolicTensor>;
  outputs?: O;
  name?: string;
  trainable?: boolean;
}

const MODEL_ARGS = ['inputs', 'outputs', 'name', 'trainable'];
const FIT_ARGS = optionNames<FitArgs>()([
  'batchSize',
  'epochs',
  'verbose',
  'callbacks',
  'validationSplit',
  'validationData',
  'shuffle',
  'initialEpoch',
  'sampleWeight',
  'classWeight',
  'stepsPerEpoch',
  'validationSteps',
  'validationBatchSize',
]);
const EVALUATE_ARGS = optionNames<EvaluateArgs>()(['batchSize', 'verbose', 'callbacks', 'sampleWeight', 'steps']);
const PREDICT_ARGS = optionNames<PredictArgs>()(['batchSize', 'verbose', 'callbacks', 'steps']);
const COMPILE_ARGS = optionNames<CompileArgs>()(['loss', 'optimizer', 'metrics', 'lossWeights', 'weightedMetrics']);

/** Lets long runs hand control back to the event loop (servers, timers) without slowing batches. */
const YIELD_EVERY_MS = 50;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Keras's Model: a layer that can be trained. Three ways to get one, one implementation:
 * - `new Model({ inputs, outputs })`: a Functional model, the graph of layer calls between
 *   `Input` tensors and outputs (shared layers, several inputs and outputs, nested models);
 * - `Sequential`: a Functional model built from a list of layers;
 * - a subclass with its own `call`: sublayers kept in its properties are tracked.
 * A model is a layer, so it can be called inside another model.
 */
/** What a model with symbolic outputs `O` returns on real data: a tensor where O has a symbolic one. */
export type Realized<O> = O extends SymbolicTensor
  ? Tensor
  : O extends readonly (infer E)[]
    ? Realized<E>[]
    : O extends { readonly [key: string]: unknown }
      ? { [K in keyof O]: Realized<O[K]> }
      : Tensor;

export class Model<O extends Nested<SymbolicTensor> = SymbolicTensor> extends Layer implements CallbackModel {
  stopTraining = false;
  optimizer: Optimizer | null = null;
  history: History | null = null;
  /** The layer graph of a Functional or Sequential model; null for a subclassed model. */
  protected graph: LayerGraph | null = null;
  private objectives: Objectives | null = null;
  private compileArgs: CompileArgs | null = null;
  /** The graph the objectives were resolved against (a deferred Sequential gets one at its first batch). */
  private objectivesGraph: LayerGraph | null = null;
  private fitting = false;
  /** The plan predict and predictOnBatch run, for this graph and these sample shapes. */
  private plan: { graph: LayerGraph; key: string; plan: InferencePlan } | null = null;

  constructor(args: ModelArgs<O> = {}) {
    if (args === null || typeof args !== 'object')
      throw new Error(`Model: expected an options object, got ${String(args)}.`);
    checkOptionNames('Model', args, MODEL_ARGS);
    const graphArgs = args.inputs !== undefined || args.outputs !== undefined;
    const base = new.target === Model ? 'functional' : toSnakeCase(new.target.name);
    super({
      name: args.name ?? uniqueName(base),
      ...(args.trainable === undefined ? {} : { trainable: args.trainable }),
    });
    this.acceptsIntegerInput = true;
    this.supportsMasking = true;
    this.bf16Compute = 'container';
    if (graphArgs) {
      if (args.inputs === undefined || args.outputs === undefined)
        throw new Error(`Model '${this.name}': give both inputs and outputs (or neither, for a subclassed model).`);
      this.setGraph(new LayerGraph(args.inputs, args.outputs, this.name));
    }
  }

  override get className(): string {
    return this.constructor === Model && this.graph ? 'Functional' : this.constructor.name;
  }

  /** Installs the graph the model computes (Functional models at construction, Sequential when built). */
  protected setGraph(graph: LayerGraph): void {
    this.graph = graph;
    this.built = true;
    this.inputShapeSeen = mapNested(graph.inputStructure, isSymbolicTensor, (t) => t.shape) as ShapeValue;
  }

  /** Whether the model computes a layer graph (Functional, or Sequential once built). */
  get isGraphNetwork(): boolean {
    return this.graph !== null;
  }

  /** The model's layer graph, for io and summaries; throws for subclassed or unbuilt models. */
  requireGraph(what = 'this'): LayerGraph {
    if (!this.graph)
      throw new Error(
        `Model '${this.name}' (${this.className}) has no layer graph (${what} needs one): it is subclassed, or not built yet.`,
      );
    return this.graph;
  }

  /** The model's symbolic inputs and outputs (Functional and built Sequential models). */
  get inputs(): SymbolicTensor[] {
    return [...this.requireGraph('inputs').inputs];
  }

  get outputs(): SymbolicTensor[] {
    return [...this.requireGraph('outputs').outputs];
  }

  /** The output shape (Keras's `output_shape`): one shape, or one per output. */
  get outputShape(): SymbolicShape | SymbolicShape[] {
    const outs = this.requireGraph('outputShape').outputs.map((t) => t.shape);
    return outs.length === 1 ? outs[0]! : outs;
  }

  /** Input names: the keys of a record of inputs, else the Input layers' names. */
  get inputNames(): string[] {
    const g = this.requireGraph('inputNames');
    return isPlainRecord(g.inputStructure) ? Object.keys(g.inputStructure) : g.inputs.map((t) => t.node.layer.name);
  }

  /** Output names, as Keras names them: record keys, else the names of the layers that make them. */
  get outputNames(): string[] {
    if (!this.graph) return ['output_1'];
    const g = this.graph;
    return isPlainRecord(g.outputStructure) ? Object.keys(g.outputStructure) : g.outputs.map((t) => t.node.layer.name);
  }

  /** The layers (Keras's `model.layers`): a graph's in Keras's order, else the tracked sublayers. */
  get layers(): Layer[] {
    return this.graph ? [...this.graph.layers] : this.sublayers();
  }

  /** A layer by name (Keras's `get_layer`). */
  getLayer(name: string): Layer {
    const found = this.layers.find((l) => l.name === name);
    if (!found)
      throw new Error(
        `Model '${this.name}' has no layer '${name}'; its layers are ${this.layers.map((l) => l.name).join(', ')}.`,
      );
    return found;
  }

  override sublayers(): Layer[] {
    return this.graph ? [...this.graph.layers] : super.sublayers();
  }

  /**
   * Builds a subclassed model by running it once on zeros of the given input shape (free
   * dimensions as 1), so its sublayers create their weights and `summary()` can list them.
   */
  override build(inputShape: ShapeValue): void {
    if (this.graph) return;
    if (!this.built) {
      this.built = true;
      const inputs = mapNested(inputShape as Nested<readonly (number | null)[]>, isShape, (s) =>
        zeros(s.map((d) => d ?? 1)),
      );
      noGrad(() => this.call(inputs as LayerValue<Tensor>, { training: false, mask: null }));
    }
    this.inputShapeSeen = inputShape;
  }

  /**
   * On real data the graph's own layers check their inputs (so errors name the layer that
   * cannot take the data); a model called inside another graph checks its input shapes itself.
   */
  protected override checkInputShapes(shapes: unknown, symbolic: boolean): void {
    if (symbolic || !this.graph) super.checkInputShapes(shapes, symbolic);
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    if (!this.graph) return super.computeOutputShape(inputShape);
    return mapNested(this.graph.outputStructure, isSymbolicTensor, (t) => t.shape) as ShapeValue;
  }

  /** The forward pass: a graph model runs its graph; a subclassed model overrides this. */
  override call(inputs: LayerValue<Tensor>, options: CallOptions<unknown>): LayerValue<Tensor> {
    return this.runGraph(inputs, options.training, options.mask).outputs;
  }

  override callInGraph(
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>>,
    training: boolean,
    mask: unknown,
  ): { outputs: LayerValue<Tensor>; mask: unknown } {
    if (!this.graph) return super.callInGraph(args, kwargs, training, mask);
    const { outputs, masks } = this.runGraph(args[0] as LayerValue<Tensor>, training, mask);
    return { outputs, mask: masks };
  }

  private runGraph(
    inputs: LayerValue<Tensor>,
    training: boolean,
    mask: unknown,
  ): { outputs: LayerValue<Tensor>; masks: (Tensor | null)[] } {
    if (!this.graph)
      throw new Error(
        `Model '${this.name}' (${this.className}) has no call(): give it { inputs, outputs }, or override call() in the subclass.`,
      );
    const names = this.inputNames;
    const flat = alignData(inputs, names, `Model '${this.name}' inputs`);
    const masks = mask === null || mask === undefined ? null : alignMasks(mask, names.length);
    const result = this.graph.run(flat, training, masks);
    return { outputs: this.graph.packOutputs(result.outputs) as LayerValue<Tensor>, masks: result.masks };
  }

  /** Prints Keras 2's summary table (pass printFn to capture the lines instead). */
  summary(printFn: (line: string) => void = printLine, options: SummaryOptions = {}): void {
    if (!this.built)
      throw new Error(
        `${this.className} '${this.name}' has not been built yet: give the first layer an inputShape (or start with Input), or call build() or fit() first.`,
      );
    for (const line of modelSummaryLines(this, options)) printFn(line);
  }

  /** The layer graph as plain data, for `viz.plotModel`. */
  graphView(): ModelGraphView {
    return modelGraphView(this);
  }

  // ---- training ---------------------------------------------------------------------------

  /** The loss of a single-output model (or the first output's), as compile resolved it. */
  get loss(): ResolvedLoss | null {
    return this.objectives?.outputs.find((o) => o.loss)?.loss ?? null;
  }

  /** The metrics of a single-output model (the first output's for several). */
  get metrics(): ResolvedMetric[] {
    return this.objectives?.outputs[0]?.metrics ?? [];
  }

  /** compile's losses and metrics, per output. */
  get compiledObjectives(): Objectives | null {
    return this.objectives;
  }

  /** The log keys of training and evaluation, in the order evaluate returns them. */
  get metricsNames(): string[] {
    return this.objectives?.names ?? ['loss'];
  }

  compile(args: CompileArgs): void {
    if (!args || args.loss === undefined)
      throw new Error(`compile: a loss is required, e.g. { loss: 'categorical_crossentropy' }.`);
    checkKeys('compile', args, COMPILE_ARGS);
    this.compileArgs = args;
    this.optimizer = getOptimizer(args.optimizer ?? 'rmsprop');
    this.resolveObjectives();
  }

  private resolveObjectives(): void {
    const args = this.compileArgs!;
    let names = this.outputNames;
    // A subclassed model says how many outputs it has through per-output losses.
    if (!this.graph && Array.isArray(args.loss)) names = args.loss.map((_, i) => `output_${i + 1}`);
    this.objectives = resolveObjectives(args, names);
    this.objectivesGraph = this.graph;
  }

  private requireCompiled(what: string): Objectives {
    if (!this.objectives || !this.optimizer) throw new Error(`${what}: call compile() first.`);
    if (this.graph !== this.objectivesGraph) this.resolveObjectives();
    return this.objectives;
  }

  /** Model outputs as a list aligned with the output names. */
  private outputList(out: LayerValue<Tensor>): Tensor[] {
    if (this.graph) return flattenNested(out, isTensor);
    return isTensor(out) ? [out] : flattenNested(out, isTensor);
  }

  private targetList(y: unknown, count: number): Tensor[] {
    if (this.graph || !Array.isArray(y)) return alignData(y, this.outputNames, `Model '${this.name}' targets (y)`);
    return alignData(
      y,
      Array.from({ length: count }, (_, i) => `output_${i + 1}`),
      `Model '${this.name}' targets (y)`,
    );
  }

  /** Loss and per-output values on one batch; the loss tensor is differentiable when grads are on. */
  private forwardLoss(
    x: Nested<Tensor>,
    y: unknown,
    training: boolean,
    sampleWeight?: unknown,
  ): { loss: Tensor; track: () => void } {
    const yPred = this.outputList(this.apply<LayerValue<Tensor>>(x as LayerValue<Tensor>, { training }));
    const objectives = this.requireCompiled('training');
    const yTrue = this.targetList(y, yPred.length);
    if (yTrue.length !== yPred.length)
      throw new Error(`Model '${this.name}': ${yTrue.length} targets for ${yPred.length} outputs.`);
    const weights =
      sampleWeight === undefined || sampleWeight === null
        ? undefined
        : alignSampleWeights(
            sampleWeight,
            objectives.outputs.map((o) => o.name),
            `Model '${this.name}' sample weights`,
          );
    const { total, parts } = objectives.loss(yTrue, yPred, weights);
    // As Keras 3: the layers' losses (weight regularizers, activity regularizers, addLoss) join the total.
    const extra = this.losses;
    this.clearLosses(); // the step's tensors are not kept past the step
    const loss = extra.reduce((acc, l) => add(acc, sum(l)), total);
    // track() adds the batch to the loss trackers and metrics (inside the batch's buffer scope).
    return {
      loss,
      track: () =>
        objectives.updateState(
          yTrue,
          yPred,
          loss.item(),
          parts.map((p) => p.item()),
          weights,
        ),
    };
  }

  /**
   * One optimisation step on a batch; returns the loss before the update and the metrics on this
   * batch (Keras 3 resets the metrics first), in `metricsNames` order.
   */
  trainOnBatch(x: ModelData | DataLike, y: ModelData | DataLike, sampleWeight?: ModelData | DataLike): number[] {
    this.requireCompiled('trainOnBatch');
    this.resetMetrics();
    this.trainStepInto(x, y, sampleWeight);
    return this.objectives!.results();
  }

  /** One step whose loss and metrics join the running state (fit's batches). */
  private trainStepInto(x: ModelData | DataLike, y: ModelData | DataLike, sampleWeight?: ModelData | DataLike): void {
    this.requireCompiled('trainOnBatch');
    const b = this.convertBatch({ x: x as Nested<Tensor>, y, sampleWeight }, 'trainOnBatch');
    // Intermediates of the step are reused by the next one; what the model keeps survives.
    bufferScope([this, this.optimizer], () => {
      const { loss, track } = this.forwardLoss(b.x, b.y, true, b.sampleWeight);
      // Read every step, so freezing or unfreezing a layer takes effect at once.
      const vars = this.trainableWeights;
      const grads = gradients(loss, vars, onesLike(loss));
      track();
      this.optimizer!.applyGradients(vars, grads);
    });
  }

  /**
   * One training step on a batch, `data` = [x, y] or [x, y, sampleWeight] (Keras 3's `train_step`:
   * fit passes the sample weights, from `sampleWeight`, `classWeight` or the batches, as the third
   * element when there are any), returning the logs that fit passes to callbacks and the progress
   * bar. Override it for a custom step (a gradient penalty, two optimizers): use `valueAndGrad`
   * and `this.optimizer.applyGradients`. As in Keras 3, fit shows an overriding step's logs as
   * returned (keep running means yourself and reset them in `resetMetrics`, which fit calls at
   * each epoch start); the built-in step's per-batch values are averaged over the epoch by fit.
   */
  trainStep(data: StepData): Logs {
    const [x, y, sampleWeight] = unpackStepData(data, 'trainStep');
    this.trainStepInto(x, y, sampleWeight);
    return this.objectives!.logs();
  }

  /** One evaluation step on `data` = [x, y] or [x, y, sampleWeight] (Keras 3's `test_step`); see trainStep. */
  testStep(data: StepData): Logs {
    this.requireCompiled('testStep');
    const [x, y, sampleWeight] = unpackStepData(data, 'testStep');
    const b = this.convertBatch({ x: x as Nested<Tensor>, y, sampleWeight }, 'testStep');
    bufferScope([this], () => noGrad(() => this.forwardLoss(b.x, b.y, false, b.sampleWeight).track()));
    return this.objectives!.logs();
  }

  /**
   * The compiled loss (weighted over outputs, sample weights applied as compile's losses apply
   * them) of predictions `yPred` against targets `y`, a differentiable scalar (Keras 3's
   * `compute_loss`), for custom trainSteps.
   */
  computeLoss(y: ModelData, yPred: LayerValue<Tensor>, sampleWeight?: ModelData | null): Tensor {
    const objectives = this.requireCompiled('computeLoss');
    const pred = this.outputList(yPred);
    const yTrue = this.targetList(y, pred.length);
    if (yTrue.length !== pred.length)
      throw new Error(`Model '${this.name}' computeLoss: ${yTrue.length} targets for ${pred.length} outputs.`);
    const weights =
      sampleWeight === undefined || sampleWeight === null
        ? undefined
        : alignSampleWeights(
            toTensorData(sampleWeight, this.outputNames, null, 'computeLoss (sampleWeight)'),
            objectives.outputs.map((o) => o.name),
            `Model '${this.name}' computeLoss sample weights`,
          );
    return objectives.loss(yTrue, pred, weights).total;
  }

  /**
   * Clears the loss trackers and every compiled metric's state (Keras's `reset_metrics`); fit calls
   * it at each epoch start, evaluate before it runs. Override it (calling super) to reset a custom
   * step's own trackers too.
   */
  resetMetrics(): void {
    this.objectives?.resetState();
  }

  private get customTrainStep(): boolean {
    return this.trainStep !== Model.prototype.trainStep;
  }

  private get customTestStep(): boolean {
    return this.testStep !== Model.prototype.testStep;
  }

  /** Loss and metrics on one batch without updating anything (metrics reset first, as Keras 3). */
  testOnBatch(x: ModelData | DataLike, y: ModelData | DataLike, sampleWeight?: ModelData | DataLike): number[] {
    this.requireCompiled('testOnBatch');
    const b = this.convertBatch({ x: x as Nested<Tensor>, y, sampleWeight }, 'testOnBatch');
    this.resetMetrics();
    bufferScope([this], () => noGrad(() => this.forwardLoss(b.x, b.y, false, b.sampleWeight).track()));
    return this.objectives!.results();
  }

  /**
   * Trains on x and y (tensors, nested arrays, typed arrays), or on x alone when it is a
   * `data.Dataset`, an iterable, an async iterable or an iterator of batches: `fit(dataset, { epochs })`.
   */
  async fit(x: InputData, y?: InputData | FitArgs, args?: FitArgs): Promise<History> {
    if (isBatchSource(x) && args === undefined && isPlainRecord(y) && !hasTensorLeaf(y)) {
      args = y as FitArgs;
      y = undefined;
    }
    const options = args ?? {};
    this.requireCompiled('fit');
    checkKeys('fit', options, FIT_ARGS);
    if (this.fitting)
      throw new Error(
        `fit: model '${this.name}' is already training (an earlier fit() has not finished); await it before starting another.`,
      );
    this.fitting = true;
    startPoolSession();
    try {
      return await this.fitLoop(x, y as InputData | undefined, options);
    } finally {
      endPoolSession();
      this.fitting = false;
    }
  }

  /** Converts a batch's JavaScript arrays to tensors, naming the model's inputs and outputs in errors. */
  private convertBatch(b: DataBatch, what: string): DataBatch {
    const inputNames = this.graph ? this.inputNames : ['input'];
    const inputShapes = this.graph ? this.graph.inputs.map((t) => t.shape) : null;
    const outputNames = this.outputNames;
    return {
      x: toTensorData(b.x, inputNames, inputShapes, `${what} (x)`),
      y: b.y === undefined ? undefined : toTensorData(b.y, outputNames, null, `${what} (y)`),
      sampleWeight:
        b.sampleWeight === undefined || b.sampleWeight === null
          ? undefined
          : toTensorData(b.sampleWeight, outputNames, null, `${what} (sampleWeight)`),
    };
  }

  /** The batch source for fit/evaluate/predict data, refusing options that do not apply to it (as Keras). */
  private batchSource(
    x: InputData,
    y: InputData | undefined,
    opts: {
      sampleWeight?: InputData | undefined;
      classWeight?: ClassWeight | undefined;
      batchSize?: number | undefined;
      shuffle?: boolean;
      withTargets: boolean;
    },
    what: string,
  ): BatchSource {
    if (isBatchSource(x)) {
      const kind = 'a Dataset, iterable or generator';
      if (y !== undefined && y !== null)
        throw new Error(`${what}: y must not be given when x is ${kind}; its batches hold the targets ([x, y]).`);
      if (opts.sampleWeight !== undefined)
        throw new Error(
          `${what}: sampleWeight must not be given when x is ${kind}; yield [x, y, sampleWeight] batches instead.`,
        );
      if (opts.batchSize !== undefined)
        throw new Error(
          `${what}: batchSize must not be given when x is ${kind} (it yields batches; use dataset.batch(n)).`,
        );
      if (opts.shuffle !== undefined)
        throw new Error(`${what}: shuffle does not apply when x is ${kind}; use dataset.shuffle(bufferSize).`);
      return new IterableSource(x, opts.withTargets, opts.classWeight, what);
    }
    if (opts.withTargets && (y === undefined || y === null))
      throw new Error(`${what}: targets (y) are required with in-memory x.`);
    if (opts.classWeight !== undefined && opts.sampleWeight !== undefined)
      throw new Error(`${what}: classWeight and sampleWeight cannot be used at the same time, as in Keras.`);
    const b = this.convertBatch({ x: x as Nested<Tensor>, y, sampleWeight: opts.sampleWeight }, what);
    const batchSize = opts.batchSize ?? 32;
    checkPositiveInt('batchSize', batchSize);
    return new ArraySource(
      b.x,
      b.y as Nested<Tensor> | undefined,
      b.sampleWeight as Nested<Tensor> | undefined,
      batchSize,
      opts.shuffle ?? false,
      opts.classWeight,
      what,
    );
  }

  private async fitLoop(x: InputData, y: InputData | undefined, args: FitArgs): Promise<History> {
    const epochs = args.epochs ?? 1;
    const verbose = args.verbose ?? 1;
    const initialEpoch = args.initialEpoch ?? 0;
    checkPositiveInt('epochs', epochs);
    if (args.stepsPerEpoch !== undefined) checkPositiveInt('stepsPerEpoch', args.stepsPerEpoch);
    if (args.validationSteps !== undefined) checkPositiveInt('validationSteps', args.validationSteps);

    let train: BatchSource;
    let validation: BatchSource | null = null;
    const vd = args.validationData;
    if (vd !== undefined && vd !== null) {
      const vbs = args.validationBatchSize ?? args.batchSize;
      if (isBatchSource(vd)) {
        if (args.validationBatchSize !== undefined)
          throw new Error('fit: validationBatchSize does not apply to validation data from a Dataset or iterable.');
        validation = this.batchSource(vd, undefined, { withTargets: true }, 'fit (validation data)');
      } else {
        const arr = vd as readonly unknown[];
        if (!Array.isArray(arr) || arr.length < 2 || arr.length > 3)
          throw new Error(
            'fit: validationData must be [x, y], [x, y, sampleWeight], or a Dataset / iterable of batches.',
          );
        validation = this.batchSource(
          arr[0] as InputData,
          arr[1] as InputData,
          { sampleWeight: (arr[2] ?? undefined) as InputData | undefined, batchSize: vbs, withTargets: true },
          'fit (validation data)',
        );
      }
      if (validation.samples === 0)
        throw new Error('evaluate: no samples (x has 0 rows); a loss over nothing is undefined.');
    }
    if (validation === null && args.validationSplit) {
      const vs = args.validationSplit;
      if (!(vs > 0 && vs < 1)) throw new Error(`fit: validationSplit must be in (0, 1), got ${vs}.`);
      if (isBatchSource(x))
        throw new Error('fit: validationSplit is only supported for in-memory data (tensors or arrays), as in Keras.');
      if (args.classWeight !== undefined && args.sampleWeight !== undefined)
        throw new Error('fit: classWeight and sampleWeight cannot be used at the same time, as in Keras.');
      const all = this.convertBatch({ x: x as Nested<Tensor>, y, sampleWeight: args.sampleWeight }, 'fit');
      if (all.y === undefined) throw new Error('fit: targets (y) are required with in-memory x.');
      const total = sampleCount(all.x, 'fit (x)');
      // Keras takes the last fraction, before any shuffling.
      const splitAt = Math.floor(total * (1 - vs));
      const part = (d: unknown, start: number, size: number): Nested<Tensor> | undefined =>
        d === undefined ? undefined : sliceData(d as Nested<Tensor>, start, size);
      const batchSize = args.batchSize ?? 32;
      checkPositiveInt('batchSize', batchSize);
      train = new ArraySource(
        part(all.x, 0, splitAt)!,
        part(all.y, 0, splitAt),
        part(all.sampleWeight, 0, splitAt),
        batchSize,
        args.shuffle ?? true,
        args.classWeight,
        'fit',
      );
      const rest = total - splitAt;
      validation = new ArraySource(
        part(all.x, splitAt, rest)!,
        part(all.y, splitAt, rest),
        part(all.sampleWeight, splitAt, rest),
        args.validationBatchSize ?? batchSize,
        false,
        undefined,
        'fit (validation data)',
      );
    } else {
      train = this.batchSource(
        x,
        y,
        {
          sampleWeight: args.sampleWeight,
          classWeight: args.classWeight,
          batchSize: args.batchSize,
          shuffle: isBatchSource(x) ? args.shuffle : (args.shuffle ?? true),
          withTargets: true,
        },
        'fit',
      );
    }
    if (train.samples === 0) throw new Error('fit: no training samples.');

    const warn = (m: string): void => console.warn(`WARNING: fit: ${m}`);
    const batches = new EpochIterator(train, args.stepsPerEpoch, warn);
    const valBatches = validation ? new EpochIterator(validation, args.validationSteps, warn) : null;
    const history = new History();
    this.history = history;
    const callbacks = new CallbackList([...(verbose ? [new ProgbarLogger()] : []), ...(args.callbacks ?? []), history]);
    let names = this.objectives!.names;
    const params: TrainingParams = {
      epochs,
      steps: batches.knownSteps as number,
      verbose,
      batchSize: args.batchSize ?? (isBatchSource(x) ? (null as unknown as number) : 32),
      samples: train.samples as number,
      doValidation: validation !== null,
      metrics: names,
    };
    callbacks.setModel(this);
    callbacks.setParams(params);

    this.stopTraining = false;
    await callbacks.onTrainBegin();
    let lastYield = Date.now();
    let epochLogs: Logs = {};
    const custom = this.customTrainStep;
    for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      // As Keras: metric state runs over the epoch, from a reset at its start.
      this.resetMetrics();
      params.steps = batches.knownSteps as number;
      await callbacks.onEpochBegin(epoch);
      batches.beginEpoch();
      for (let step = 0; ; step++) {
        const next = await batches.next();
        if (next === null) break;
        // The batch copies join the step's scope, so their buffers are reused too.
        await callbacks.onTrainBatchBegin(step, {
          batch: step,
          ...(next.size === undefined ? {} : { size: next.size }),
        });
        const customLogs = bufferScope([this, this.optimizer], () => {
          const b = this.convertBatch(next(), `fit, batch ${step}`);
          sampleCount(b.x, `fit, batch ${step} (x)`);
          if (custom) return this.trainStep(stepData(b));
          this.trainStepInto(b.x as ModelData, b.y as ModelData, b.sampleWeight as ModelData | undefined);
          return null;
        });
        if (customLogs) {
          // An overriding trainStep: its logs are shown as returned (Keras 3).
          epochLogs = { ...customLogs };
          await callbacks.onTrainBatchEnd(step, { ...customLogs });
          if (this.stopTraining) break;
          continue;
        }
        // A model built by its first batch knows its output shapes only now.
        names = this.objectives!.names;
        await callbacks.onTrainBatchEnd(step, this.objectives!.logs());
        if (Date.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = Date.now();
        }
        if (this.stopTraining) break;
      }
      if (batches.stepsSeen === 0) {
        warn(
          `epoch ${epoch + 1} got no batches: the input ran out of data (a generator is read once; give stepsPerEpoch ` +
            'and enough batches, or a Dataset with .repeat()). Training stops here.',
        );
        this.stopTraining = true;
        break;
      }
      if (!custom) epochLogs = this.objectives!.logs();
      if (valBatches) {
        // As in Keras, validation runs the test hooks of the user's callbacks.
        const valResults = await this.evaluateLoop(valBatches, 0, args.callbacks, 'fit (validation data)');
        for (const [name, value] of Object.entries(valResults)) epochLogs[`val_${name}`] = value;
      }
      await callbacks.onEpochEnd(epoch, epochLogs);
      await yieldToEventLoop();
      lastYield = Date.now();
    }
    // Keras: with use_ema the weights take their moving averages once training ends.
    if (epochs > initialEpoch) this.optimizer!.finalizeVariableValues(this.trainableWeights);
    await callbacks.onTrainEnd(epochLogs);
    return history;
  }

  /**
   * Loss and metrics over the data, in `metricsNames` order: the per-batch values averaged with
   * each batch's sample count as weight (Keras's loss tracker); sample weights scale the loss.
   */
  async evaluate(x: InputData, y?: InputData | EvaluateArgs, args?: EvaluateArgs): Promise<number[]> {
    if (isBatchSource(x) && args === undefined && isPlainRecord(y) && !hasTensorLeaf(y)) {
      args = y as EvaluateArgs;
      y = undefined;
    }
    const options = args ?? {};
    this.requireCompiled('evaluate');
    checkKeys('evaluate', options, EVALUATE_ARGS);
    if (options.steps !== undefined) checkPositiveInt('steps', options.steps);
    startPoolSession();
    try {
      const source = this.batchSource(
        x,
        y as InputData | undefined,
        { sampleWeight: options.sampleWeight, batchSize: options.batchSize, withTargets: true },
        'evaluate',
      );
      if (source.samples === 0)
        throw new Error('evaluate: no samples (x has 0 rows); a loss over nothing is undefined.');
      const batches = new EpochIterator(source, options.steps, (m) => console.warn(`WARNING: evaluate: ${m}`));
      const logs = await this.evaluateLoop(batches, options.verbose ?? 1, options.callbacks, 'evaluate');
      // Keras's order: the compiled names first, then any other keys a custom testStep returned.
      const names = this.metricsNames.filter((n) => n in logs);
      return [...names, ...Object.keys(logs).filter((k) => !names.includes(k))].map((k) => logs[k]!);
    } finally {
      endPoolSession();
    }
  }

  private async evaluateLoop(
    batches: EpochIterator,
    verbose: number,
    callbackList: Callback[] | undefined,
    what: string,
  ): Promise<Logs> {
    const objectives = this.requireCompiled('evaluate');
    const callbacks = new CallbackList(callbackList ?? []);
    callbacks.setModel(this);
    const bar = new Progbar(batches.knownSteps, verbose);
    const custom = this.customTestStep;
    let customLogs: Logs = {};
    this.resetMetrics();
    await callbacks.onTestBegin();
    batches.beginEpoch();
    for (let step = 0; ; step++) {
      const next = await batches.next();
      if (next === null) break;
      await callbacks.onTestBatchBegin(step);
      if (custom) {
        customLogs = bufferScope([this], () =>
          noGrad(() => {
            const b = this.convertBatch(next(), `${what}, batch ${step}`);
            return this.testStep(stepData(b));
          }),
        );
        await callbacks.onTestBatchEnd(step, { ...customLogs });
        bar.update(step + 1, customLogs);
        continue;
      }
      bufferScope([this], () =>
        noGrad(() => {
          const b = this.convertBatch(next(), `${what}, batch ${step}`);
          sampleCount(b.x, `${what}, batch ${step} (x)`);
          this.forwardLoss(b.x, b.y, false, b.sampleWeight).track();
        }),
      );
      const logs = objectives.logs();
      await callbacks.onTestBatchEnd(step, logs);
      bar.update(step + 1, logs, batches.knownSteps !== null && step + 1 >= batches.knownSteps);
    }
    if (batches.stepsSeen === 0)
      throw new Error(`${what}: no batches (the input is empty or ran out of data); a loss over nothing is undefined.`);
    if (!custom && (batches.knownSteps === null || batches.stepsSeen < batches.knownSteps))
      bar.update(batches.stepsSeen, objectives.logs(), true);
    const results = custom ? customLogs : objectives.logs();
    await callbacks.onTestEnd({ ...results });
    return results;
  }

  /**
   * Outputs for every sample, computed in batches without gradients (one tensor per output).
   * Synchronous, as in Keras: x is in-memory data or a synchronous Dataset / iterable of batches.
   */
  predict<R = Realized<O>>(x: InputData, args: PredictArgs = {}): NoInfer<R> {
    checkKeys('predict', args, PREDICT_ARGS);
    if (args.steps !== undefined) checkPositiveInt('steps', args.steps);
    const source = this.batchSource(x, undefined, { batchSize: args.batchSize, withTargets: false }, 'predict');
    if (source.samples === 0) throw new Error('predict: no samples.');
    const callbacks = new CallbackList(args.callbacks ?? []);
    callbacks.setModel(this);
    const batches: LayerValue<Tensor>[] = [];
    callbacks.onPredictBegin();
    startPoolSession();
    try {
      noGrad(() => {
        const it = source.openSync();
        for (let step = 0; args.steps === undefined || step < args.steps; step++) {
          const r = it.next();
          if (r.done) break;
          const make = r.value;
          // Each batch's output survives its scope (it is the scope's result; earlier ones are roots).
          const out = bufferScope([this, batches], () => {
            const b = this.convertBatch(make(), `predict, batch ${step}`);
            const size = sampleCount(b.x, `predict, batch ${step} (x)`);
            callbacks.onPredictBatchBegin(step, { batch: step, size });
            const run = this.inferenceRunner(b.x);
            return run ? run(b.x) : this.apply<LayerValue<Tensor>>(b.x as LayerValue<Tensor>, { training: false });
          });
          batches.push(out);
          callbacks.onPredictBatchEnd(step, { batch: step });
        }
      });
    } finally {
      endPoolSession();
    }
    callbacks.onPredictEnd();
    if (batches.length === 0) throw new Error('predict: the input gave no batches.');
    if (batches.length === 1) return batches[0]! as R;
    const first = batches[0]!;
    const lists = batches.map((b) => flattenNested(b, isTensor));
    const joined = lists[0]!.map((_, i) =>
      concat(
        lists.map((l) => l[i]!),
        0,
      ),
    );
    let k = 0;
    return mapNested(first, isTensor, () => joined[k++]!) as R;
  }

  /** One batch through the model without gradients (Keras's predict_on_batch). */
  predictOnBatch<R = Realized<O>>(x: ModelData): NoInfer<R> {
    const run = this.inferenceRunner(x);
    return noGrad(() => (run ? (run(x) as R) : this.apply<R>(x as LayerValue<Tensor>, { training: false })));
  }

  /**
   * The cached inference plan of a graph model (models/inference-plan.ts) for x's sample shapes,
   * or null to run `apply` (a subclassed model, or inputs the graph would refuse, so that `apply`
   * reports them). Made once per graph and sample shapes; it reads the weights at every run, so it
   * follows training and loading.
   */
  protected inferenceRunner(x: unknown): ((x: unknown) => LayerValue<Tensor>) | null {
    const graph = this.graph;
    if (!graph) return null;
    let flat: Tensor[];
    try {
      flat = alignData(x, this.inputNames, `Model '${this.name}' inputs`);
    } catch {
      return null;
    }
    for (let i = 0; i < flat.length; i++) {
      const declared = graph.inputs[i]!.shape;
      const t = flat[i]!;
      if (
        t.rank < 2 ||
        declared.length !== t.rank ||
        t.shape.some((d, j) => j > 0 && declared[j] !== null && declared[j] !== d)
      )
        return null;
    }
    const key = flat.map((t) => t.shape.slice(1).join(',')).join(';');
    if (this.plan?.graph !== graph || this.plan.key !== key) {
      const plan = planInference(
        graph,
        flat.map((t) => [null, ...t.shape.slice(1)]),
      );
      this.plan = { graph, key, plan };
    }
    const plan = this.plan.plan;
    const names = this.inputNames;
    return (input) =>
      graph.packOutputs(plan.runAll(alignData(input, names, `Model '${this.name}' inputs`))) as LayerValue<Tensor>;
  }

  override toString(): string {
    const shape = this.graph ? this.graph.inputs.map((t) => formatShape(t.shape)).join(', ') : '(subclassed)';
    return `${this.className} '${this.name}' ${shape} with ${this.layers.length} layers`;
  }
}

/** What trainStep and testStep take: `[x, y]`, or `[x, y, sampleWeight]` when the batch is weighted. */
export type StepData = readonly [ModelData, ModelData] | readonly [ModelData, ModelData, ModelData | null | undefined];

/** A batch as Keras 3 hands it to train_step: the sample weights only when there are some. */
function stepData(b: DataBatch): StepData {
  const x = b.x as ModelData;
  const y = b.y as ModelData;
  return b.sampleWeight === undefined ? [x, y] : [x, y, b.sampleWeight as ModelData];
}

/** Keras's unpack_x_y_sample_weight for the step's data. */
function unpackStepData(data: StepData, what: string): [ModelData, ModelData, ModelData | undefined] {
  if (!Array.isArray(data) || data.length < 2 || data.length > 3)
    throw new Error(
      `${what}: expected data as [x, y] or [x, y, sampleWeight], got ${Array.isArray(data) ? `an array of ${data.length}` : typeof data}.`,
    );
  return [data[0], data[1], data[2] ?? undefined];
}

function alignMasks(mask: unknown, n: number): (Tensor | null)[] {
  if (Array.isArray(mask)) return Array.from({ length: n }, (_, i) => (isTensor(mask[i]) ? mask[i] : null));
  return Array.from({ length: n }, (_, i) => (i === 0 && isTensor(mask) ? mask : null));
}

/** Whether a record holds tensors or arrays (data by name) rather than options. */
function hasTensorLeaf(v: Record<string, unknown>): boolean {
  return Object.values(v).some((e) => isTensor(e) || ArrayBuffer.isView(e));
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got ${v}.`);
}

function checkKeys(what: string, args: object, allowed: readonly string[]): void {
  if (args === null || typeof args !== 'object') throw new Error(`${what}: options must be an object.`);
  checkOptionNames(what, args, allowed);
}
