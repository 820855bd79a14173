import { gradients, noGrad } from '../core/autograd.js';
import { bufferScope, endPoolSession, startPoolSession } from '../core/buffer-pool.js';
import { getRandom } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import type { Callback, CallbackModel, Logs, TrainingParams } from '../callbacks/callback.js';
import { CallbackList } from '../callbacks/callback-list.js';
import { History } from '../callbacks/history.js';
import { ProgbarLogger } from '../callbacks/progbar-logger.js';
import type { ResolvedLoss } from '../losses/losses.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { getOptimizer } from '../optimizers/get-optimizer.js';
import { onesLike, zeros } from '../ops/creation.js';
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
import { Progbar } from '../utils/progbar.js';
import { LayerGraph } from './layer-graph.js';
import type { ModelData } from './model-data.js';
import { alignData, isTensor, sampleCount, sliceData, takeData } from './model-data.js';
import type { ObjectiveArgs, ResolvedMetric } from './objectives.js';
import { Objectives, resolveObjectives } from './objectives.js';
import type { SummaryOptions } from './summary.js';
import { modelSummaryLines } from './summary.js';
import type { ModelGraphView } from './graph-view.js';
import { modelGraphView } from './graph-view.js';

export interface CompileArgs extends ObjectiveArgs {
  optimizer?: string | Optimizer;
}

export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback[];
  validationSplit?: number;
  validationData?: readonly [ModelData, ModelData];
  shuffle?: boolean;
  initialEpoch?: number;
}

export interface EvaluateArgs {
  batchSize?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback[];
}

export interface PredictArgs {
  batchSize?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback[];
}

/** `new Model({ inputs, outputs })`: a Functional model; `{ name }` alone for a subclassed one. */
export interface ModelArgs<O extends Nested<SymbolicTensor> = SymbolicTensor> {
  inputs?: Nested<SymbolicTensor>;
  outputs?: O;
  name?: string;
  trainable?: boolean;
}

const MODEL_ARGS = ['inputs', 'outputs', 'name', 'trainable'];
const FIT_ARGS = [
  'batchSize',
  'epochs',
  'verbose',
  'callbacks',
  'validationSplit',
  'validationData',
  'shuffle',
  'initialEpoch',
];
const EVALUATE_ARGS = ['batchSize', 'verbose', 'callbacks'];
const COMPILE_ARGS = ['loss', 'optimizer', 'metrics', 'lossWeights'];

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

  constructor(args: ModelArgs<O> = {}) {
    if (args === null || typeof args !== 'object')
      throw new Error(`Model: expected an options object, got ${String(args)}.`);
    for (const key of Object.keys(args))
      if (!MODEL_ARGS.includes(key))
        throw new Error(`Model: unknown option '${key}'; expected one of ${MODEL_ARGS.join(', ')}.`);
    const graphArgs = args.inputs !== undefined || args.outputs !== undefined;
    const base = new.target === Model ? 'functional' : toSnakeCase(new.target.name);
    super({
      name: args.name ?? uniqueName(base),
      ...(args.trainable === undefined ? {} : { trainable: args.trainable }),
    });
    this.acceptsIntegerInput = true;
    this.supportsMasking = true;
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
    for (const key of Object.keys(args))
      if (!COMPILE_ARGS.includes(key))
        throw new Error(`compile: unknown option '${key}'; expected one of ${COMPILE_ARGS.join(', ')}.`);
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

  /**
   * The loss on one batch (differentiable when grads are on) and `track`, which adds the batch to
   * the loss trackers and metrics (call it inside the batch's buffer scope).
   */
  private forwardLoss(x: Nested<Tensor>, y: unknown, training: boolean): { loss: Tensor; track: () => void } {
    const yPred = this.outputList(this.apply<LayerValue<Tensor>>(x as LayerValue<Tensor>, { training }));
    const objectives = this.requireCompiled('training');
    const yTrue = this.targetList(y, yPred.length);
    if (yTrue.length !== yPred.length)
      throw new Error(`Model '${this.name}': ${yTrue.length} targets for ${yPred.length} outputs.`);
    const { total, parts } = objectives.loss(yTrue, yPred);
    return {
      loss: total,
      track: () =>
        objectives.updateState(
          yTrue,
          yPred,
          total.item(),
          parts.map((p) => p.item()),
        ),
    };
  }

  /**
   * One optimisation step on a batch; returns the loss before the update and the metrics on this
   * batch (Keras 3 resets the metrics first), in `metricsNames` order.
   */
  trainOnBatch(x: ModelData, y: ModelData): number[] {
    this.resetMetrics();
    this.trainStepInto(x, y);
    return this.objectives!.results();
  }

  /** One step whose loss and metrics join the running epoch state (fit's batches). */
  private trainStepInto(x: ModelData, y: ModelData): void {
    this.requireCompiled('trainOnBatch');
    // Intermediates of the step are reused by the next one; what the model keeps survives.
    bufferScope([this, this.optimizer], () => {
      const { loss, track } = this.forwardLoss(x as Nested<Tensor>, y, true);
      // Read every step, so freezing or unfreezing a layer takes effect at once.
      const vars = this.trainableWeights;
      const grads = gradients(loss, vars, onesLike(loss));
      track();
      this.optimizer!.applyGradients(vars, grads);
    });
  }

  /** Loss and metrics on one batch without updating anything (metrics reset first, as Keras 3). */
  testOnBatch(x: ModelData, y: ModelData): number[] {
    this.requireCompiled('testOnBatch');
    this.resetMetrics();
    bufferScope([this], () => noGrad(() => this.forwardLoss(x as Nested<Tensor>, y, false).track()));
    return this.objectives!.results();
  }

  /** Clears the loss trackers and the state of every compiled metric (Keras's reset_metrics). */
  resetMetrics(): void {
    this.objectives?.resetState();
  }

  async fit(x: ModelData, y: ModelData, args: FitArgs = {}): Promise<History> {
    this.requireCompiled('fit');
    checkKeys('fit', args, FIT_ARGS);
    if (this.fitting)
      throw new Error(
        `fit: model '${this.name}' is already training (an earlier fit() has not finished); await it before starting another.`,
      );
    this.fitting = true;
    startPoolSession();
    try {
      return await this.fitLoop(x as Nested<Tensor>, y as Nested<Tensor>, args);
    } finally {
      endPoolSession();
      this.fitting = false;
    }
  }

  private async fitLoop(x: Nested<Tensor>, y: Nested<Tensor>, args: FitArgs): Promise<History> {
    const batchSize = args.batchSize ?? 32;
    const epochs = args.epochs ?? 1;
    const verbose = args.verbose ?? 1;
    const initialEpoch = args.initialEpoch ?? 0;
    checkPositiveInt('batchSize', batchSize);
    checkPositiveInt('epochs', epochs);
    const total = sampleCount(x, 'fit (x)');
    if (sampleCount(y, 'fit (y)') !== total)
      throw new Error(`fit: x has ${total} samples but y has ${sampleCount(y, 'fit (y)')}.`);

    let xTrain = x;
    let yTrain = y;
    let validation: [Nested<Tensor>, Nested<Tensor>] | null = args.validationData
      ? [args.validationData[0] as Nested<Tensor>, args.validationData[1] as Nested<Tensor>]
      : null;
    if (!validation && args.validationSplit) {
      const vs = args.validationSplit;
      if (!(vs > 0 && vs < 1)) throw new Error(`fit: validationSplit must be in (0, 1), got ${vs}.`);
      // Keras takes the last fraction, before any shuffling.
      const splitAt = Math.floor(total * (1 - vs));
      xTrain = sliceData(x, 0, splitAt);
      yTrain = sliceData(y, 0, splitAt);
      validation = [sliceData(x, splitAt, total - splitAt), sliceData(y, splitAt, total - splitAt)];
    }
    if (validation) {
      const nv = sampleCount(validation[0], 'fit (validation x)');
      if (sampleCount(validation[1], 'fit (validation y)') !== nv)
        throw new Error(`fit (validation data): x and y have different numbers of samples.`);
    }

    const n = sampleCount(xTrain, 'fit (x)');
    if (n === 0) throw new Error('fit: no training samples.');
    const steps = Math.ceil(n / batchSize);
    const history = new History();
    this.history = history;
    const callbacks = new CallbackList([...(verbose ? [new ProgbarLogger()] : []), ...(args.callbacks ?? []), history]);
    let names = this.objectives!.names;
    const params: TrainingParams = {
      epochs,
      steps,
      verbose,
      batchSize,
      samples: n,
      doValidation: validation !== null,
      metrics: names,
    };
    callbacks.setModel(this);
    callbacks.setParams(params);

    this.stopTraining = false;
    await callbacks.onTrainBegin();
    let lastYield = Date.now();
    let epochLogs: Logs = {};
    for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      await callbacks.onEpochBegin(epoch);
      // As Keras: metric state runs over the epoch, from a reset at its start.
      this.resetMetrics();
      const order = args.shuffle === false ? null : getRandom().permutation(n);
      for (let step = 0; step < steps; step++) {
        const start = step * batchSize;
        const end = Math.min(n, start + batchSize);
        await callbacks.onTrainBatchBegin(step, { batch: step, size: end - start });
        // The batch copies join the step's scope, so their buffers are reused too.
        bufferScope([this, this.optimizer], () => {
          const idx = order?.subarray(start, end);
          const xb = idx ? takeData(xTrain, idx) : sliceData(xTrain, start, end - start);
          const yb = idx ? takeData(yTrain, idx) : sliceData(yTrain, start, end - start);
          this.trainStepInto(xb as ModelData, yb as ModelData);
        });
        // A model built by its first batch knows its output shapes only now.
        names = this.objectives!.names;
        await callbacks.onTrainBatchEnd(step, this.objectives!.logs());
        if (Date.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = Date.now();
        }
        if (this.stopTraining) break;
      }
      epochLogs = this.objectives!.logs();
      if (validation) {
        // As in Keras, validation runs the test hooks of the user's callbacks.
        const valResults = await this.evaluateLoop(validation[0], validation[1], {
          batchSize,
          verbose: 0,
          callbacks: args.callbacks,
        });
        names.forEach((name, i) => (epochLogs[`val_${name}`] = valResults[i]!));
      }
      await callbacks.onEpochEnd(epoch, epochLogs);
      await yieldToEventLoop();
      lastYield = Date.now();
    }
    await callbacks.onTrainEnd(epochLogs);
    return history;
  }

  /** Loss and metrics over a dataset, in `metricsNames` order (sample-weighted means, as Keras). */
  async evaluate(x: ModelData, y: ModelData, args: EvaluateArgs = {}): Promise<number[]> {
    this.requireCompiled('evaluate');
    checkKeys('evaluate', args, EVALUATE_ARGS);
    startPoolSession();
    try {
      return await this.evaluateLoop(x as Nested<Tensor>, y as Nested<Tensor>, args);
    } finally {
      endPoolSession();
    }
  }

  private async evaluateLoop(x: Nested<Tensor>, y: Nested<Tensor>, args: EvaluateArgs): Promise<number[]> {
    const objectives = this.requireCompiled('evaluate');
    const batchSize = args.batchSize ?? 32;
    checkPositiveInt('batchSize', batchSize);
    const n = sampleCount(x, 'evaluate (x)');
    if (sampleCount(y, 'evaluate (y)') !== n)
      throw new Error(`evaluate: x has ${n} samples but y has ${sampleCount(y, 'evaluate (y)')}.`);
    if (n === 0) throw new Error('evaluate: no samples (x has 0 rows); a loss over nothing is undefined.');
    const steps = Math.ceil(n / batchSize);
    const callbacks = new CallbackList(args.callbacks ?? []);
    callbacks.setModel(this);
    const bar = new Progbar(steps, args.verbose ?? 1);
    objectives.resetState();
    await callbacks.onTestBegin();
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize;
      const size = Math.min(n, start + batchSize) - start;
      await callbacks.onTestBatchBegin(step);
      bufferScope([this], () =>
        noGrad(() => this.forwardLoss(sliceData(x, start, size), sliceData(y, start, size), false).track()),
      );
      const logs = objectives.logs();
      await callbacks.onTestBatchEnd(step, logs);
      bar.update(step + 1, logs);
    }
    const results = objectives.results();
    await callbacks.onTestEnd(objectives.logs());
    return results;
  }

  /** Outputs for every sample, computed in batches without gradients (one tensor per output). */
  predict<R = Realized<O>>(x: ModelData, args: PredictArgs = {}): NoInfer<R> {
    checkKeys('predict', args, EVALUATE_ARGS);
    const batchSize = args.batchSize ?? 32;
    checkPositiveInt('batchSize', batchSize);
    const data = x as Nested<Tensor>;
    const n = sampleCount(data, 'predict (x)');
    if (n === 0) throw new Error('predict: no samples.');
    const callbacks = new CallbackList(args.callbacks ?? []);
    callbacks.setModel(this);
    const batches: LayerValue<Tensor>[] = [];
    callbacks.onPredictBegin();
    startPoolSession();
    try {
      noGrad(() => {
        for (let start = 0, step = 0; start < n; start += batchSize, step++) {
          const size = Math.min(batchSize, n - start);
          callbacks.onPredictBatchBegin(step, { batch: step, size });
          // Each batch's output survives its scope (it is the scope's result; earlier ones are roots).
          const out = bufferScope([this, batches], () =>
            this.apply<LayerValue<Tensor>>(sliceData(data, start, size) as LayerValue<Tensor>, { training: false }),
          );
          batches.push(out);
          callbacks.onPredictBatchEnd(step, { batch: step, size });
        }
      });
    } finally {
      endPoolSession();
    }
    callbacks.onPredictEnd();
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
    return noGrad(() => this.apply<R>(x as LayerValue<Tensor>, { training: false }));
  }

  override toString(): string {
    const shape = this.graph ? this.graph.inputs.map((t) => formatShape(t.shape)).join(', ') : '(subclassed)';
    return `${this.className} '${this.name}' ${shape} with ${this.layers.length} layers`;
  }
}

function alignMasks(mask: unknown, n: number): (Tensor | null)[] {
  if (Array.isArray(mask)) return Array.from({ length: n }, (_, i) => (isTensor(mask[i]) ? mask[i] : null));
  return Array.from({ length: n }, (_, i) => (i === 0 && isTensor(mask) ? mask : null));
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got ${v}.`);
}

function checkKeys(what: string, args: object, allowed: readonly string[]): void {
  if (args === null || typeof args !== 'object') throw new Error(`${what}: options must be an object.`);
  for (const key of Object.keys(args))
    if (!allowed.includes(key))
      throw new Error(`${what}: unknown option '${key}'; expected one of ${allowed.join(', ')}.`);
}
