import { gradients, noGrad } from '../core/autograd.js';
import { bufferScope, endPoolSession, startPoolSession } from '../core/buffer-pool.js';
import { getRandom } from '../core/random.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Callback, CallbackModel, Logs, TrainingParams } from '../callbacks/callback.js';
import { CallbackList } from '../callbacks/callback-list.js';
import { History } from '../callbacks/history.js';
import { ProgbarLogger } from '../callbacks/progbar-logger.js';
import type { LossFn, ResolvedLoss } from '../losses/losses.js';
import { getLoss, reduceLoss } from '../losses/losses.js';
import type { MetricFn, ResolvedMetric } from '../metrics/metrics.js';
import { RunningMean, getMetric } from '../metrics/metrics.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { getOptimizer } from '../optimizers/get-optimizer.js';
import { onesLike } from '../ops/creation.js';
import { concat } from '../ops/concat.js';
import { mean } from '../ops/reduce.js';
import { slice, take } from '../ops/slice.js';
import { Progbar } from '../utils/progbar.js';

export interface CompileArgs {
  loss: string | LossFn;
  optimizer?: string | Optimizer;
  metrics?: (string | MetricFn)[];
}

export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback[];
  validationSplit?: number;
  validationData?: [Tensor, Tensor];
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

/** Lets long runs hand control back to the event loop (servers, timers) without slowing batches. */
const YIELD_EVERY_MS = 50;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Training, evaluation and inference shared by all models (Keras's `Model`): subclasses say
 * how to run the forward pass and which layers own weights.
 */
export abstract class Model implements CallbackModel {
  name: string;
  stopTraining = false;
  optimizer: Optimizer | null = null;
  loss: ResolvedLoss | null = null;
  metrics: ResolvedMetric[] = [];
  history: History | null = null;

  constructor(name: string) {
    this.name = name;
  }

  /** The forward pass. */
  abstract call(x: Tensor, training: boolean): Tensor;

  abstract get weights(): Variable[];

  abstract summary(printFn?: (line: string) => void): void;

  /** Output units of the model, if known before data arrives (used to resolve 'accuracy'). */
  protected abstract outputUnits(): number | null;

  get trainableWeights(): Variable[] {
    return this.weights.filter((w) => w.trainable);
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  getWeights(): Tensor[] {
    return this.weights.map((w) => w.value());
  }

  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length)
      throw new Error(`Model '${this.name}' has ${ws.length} weights, got ${values.length}.`);
    ws.forEach((w, i) => w.assign(values[i]!));
  }

  compile(args: CompileArgs): void {
    if (!args || args.loss === undefined)
      throw new Error(`compile: a loss is required, e.g. { loss: 'categorical_crossentropy' }.`);
    this.loss = getLoss(args.loss);
    this.optimizer = getOptimizer(args.optimizer ?? 'rmsprop');
    const units = this.outputUnits();
    this.metrics = (args.metrics ?? []).map((m) => getMetric(m, this.loss!.name, units));
  }

  private requireCompiled(what: string): ResolvedLoss {
    if (!this.loss || !this.optimizer) throw new Error(`${what}: call compile() first.`);
    return this.loss;
  }

  /** Loss and metric values on one batch; the loss tensor is differentiable when grads are on. */
  private computeLoss(x: Tensor, y: Tensor, training: boolean): { loss: Tensor; yPred: Tensor } {
    const yPred = this.call(x, training);
    const loss = reduceLoss(this.loss!.fn(y, yPred));
    return { loss, yPred };
  }

  private metricValues(y: Tensor, yPred: Tensor): number[] {
    return noGrad(() => this.metrics.map((m) => mean(m.fn(y, yPred)).item()));
  }

  /** One optimisation step on a batch; returns the loss before the update and metric values. */
  trainOnBatch(x: Tensor, y: Tensor): number[] {
    this.requireCompiled('trainOnBatch');
    // Intermediates of the step are reused by the next one; what the model keeps survives.
    return bufferScope([this, this.optimizer], () => {
      const { loss, yPred } = this.computeLoss(x, y, true);
      const vars = this.trainableWeights;
      const grads = gradients(loss, vars, onesLike(loss));
      this.optimizer!.applyGradients(vars, grads);
      return [loss.item(), ...this.metricValues(y, yPred)];
    });
  }

  async fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
    this.requireCompiled('fit');
    startPoolSession();
    try {
      return await this.fitLoop(x, y, args);
    } finally {
      endPoolSession();
    }
  }

  private async fitLoop(x: Tensor, y: Tensor, args: FitArgs): Promise<History> {
    const batchSize = args.batchSize ?? 32;
    const epochs = args.epochs ?? 1;
    const verbose = args.verbose ?? 1;
    const initialEpoch = args.initialEpoch ?? 0;
    checkPositiveInt('batchSize', batchSize);
    checkPositiveInt('epochs', epochs);
    checkSameLength('fit', x, y);

    let xTrain = x;
    let yTrain = y;
    let validation = args.validationData ?? null;
    if (!validation && args.validationSplit) {
      const vs = args.validationSplit;
      if (!(vs > 0 && vs < 1)) throw new Error(`fit: validationSplit must be in (0, 1), got ${vs}.`);
      // Keras takes the last fraction, before any shuffling.
      const splitAt = Math.floor(x.shape[0]! * (1 - vs));
      xTrain = slice(x, [0], [splitAt]);
      yTrain = slice(y, [0], [splitAt]);
      validation = [slice(x, [splitAt]), slice(y, [splitAt])];
    }
    if (validation) checkSameLength('fit (validation data)', validation[0], validation[1]);

    const n = xTrain.shape[0]!;
    if (n === 0) throw new Error('fit: no training samples.');
    const steps = Math.ceil(n / batchSize);
    const history = new History();
    this.history = history;
    const callbacks = new CallbackList([...(verbose ? [new ProgbarLogger()] : []), ...(args.callbacks ?? []), history]);
    const params: TrainingParams = {
      epochs,
      steps,
      verbose,
      batchSize,
      samples: n,
      doValidation: validation !== null,
      metrics: ['loss', ...this.metrics.map((m) => m.name)],
    };
    callbacks.setModel(this);
    callbacks.setParams(params);

    this.stopTraining = false;
    await callbacks.onTrainBegin();
    const lossMean = new RunningMean();
    const metricMeans = this.metrics.map(() => new RunningMean());
    let lastYield = Date.now();
    let epochLogs: Logs = {};
    for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      await callbacks.onEpochBegin(epoch);
      lossMean.reset();
      metricMeans.forEach((m) => m.reset());
      const order = args.shuffle === false ? null : getRandom().permutation(n);
      for (let step = 0; step < steps; step++) {
        const start = step * batchSize;
        const end = Math.min(n, start + batchSize);
        await callbacks.onTrainBatchBegin(step, { batch: step, size: end - start });
        // The batch copies join the step's scope, so their buffers are reused too.
        const [lossValue, ...metricValues] = bufferScope([this, this.optimizer], () => {
          const [xb, yb] = order
            ? [take(xTrain, order.subarray(start, end)), take(yTrain, order.subarray(start, end))]
            : [slice(xTrain, [start], [end - start]), slice(yTrain, [start], [end - start])];
          return this.trainOnBatch(xb, yb);
        });
        lossMean.update(lossValue!, end - start);
        metricValues.forEach((v, i) => metricMeans[i]!.update(v, end - start));
        const logs: Logs = { loss: lossMean.result() };
        this.metrics.forEach((m, i) => (logs[m.name] = metricMeans[i]!.result()));
        await callbacks.onTrainBatchEnd(step, logs);
        if (Date.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = Date.now();
        }
        if (this.stopTraining) break;
      }
      epochLogs = { loss: lossMean.result() };
      this.metrics.forEach((m, i) => (epochLogs[m.name] = metricMeans[i]!.result()));
      if (validation) {
        // As in Keras, validation runs the test hooks of the user's callbacks.
        const valResults = await this.evaluate(validation[0], validation[1], {
          batchSize,
          verbose: 0,
          callbacks: args.callbacks,
        });
        epochLogs['val_loss'] = valResults[0]!;
        this.metrics.forEach((m, i) => (epochLogs[`val_${m.name}`] = valResults[i + 1]!));
      }
      await callbacks.onEpochEnd(epoch, epochLogs);
      await yieldToEventLoop();
      lastYield = Date.now();
    }
    await callbacks.onTrainEnd(epochLogs);
    return history;
  }

  /** Loss and metrics over a dataset: `[loss, ...metrics]` (sample-weighted means, as Keras). */
  async evaluate(x: Tensor, y: Tensor, args: EvaluateArgs = {}): Promise<number[]> {
    this.requireCompiled('evaluate');
    startPoolSession();
    try {
      return await this.evaluateLoop(x, y, args);
    } finally {
      endPoolSession();
    }
  }

  private async evaluateLoop(x: Tensor, y: Tensor, args: EvaluateArgs): Promise<number[]> {
    const loss = this.requireCompiled('evaluate');
    const batchSize = args.batchSize ?? 32;
    checkPositiveInt('batchSize', batchSize);
    checkSameLength('evaluate', x, y);
    const n = x.shape[0]!;
    const steps = Math.ceil(n / batchSize);
    const callbacks = new CallbackList(args.callbacks ?? []);
    callbacks.setModel(this);
    const bar = new Progbar(steps, args.verbose ?? 1);
    const lossMean = new RunningMean();
    const metricMeans = this.metrics.map(() => new RunningMean());
    await callbacks.onTestBegin();
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize;
      const size = Math.min(n, start + batchSize) - start;
      await callbacks.onTestBatchBegin(step);
      bufferScope([this], () =>
        noGrad(() => {
          const xb = slice(x, [start], [size]);
          const yb = slice(y, [start], [size]);
          const yPred = this.call(xb, false);
          lossMean.update(reduceLoss(loss.fn(yb, yPred)).item(), size);
          this.metricValues(yb, yPred).forEach((v, i) => metricMeans[i]!.update(v, size));
        }),
      );
      const logs: Logs = { loss: lossMean.result() };
      this.metrics.forEach((m, i) => (logs[m.name] = metricMeans[i]!.result()));
      await callbacks.onTestBatchEnd(step, logs);
      bar.update(step + 1, logs);
    }
    const results = [lossMean.result(), ...metricMeans.map((m) => m.result())];
    const endLogs: Logs = { loss: results[0]! };
    this.metrics.forEach((m, i) => (endLogs[m.name] = results[i + 1]!));
    await callbacks.onTestEnd(endLogs);
    return results;
  }

  /** Outputs for every sample, computed in batches without gradients. */
  predict(x: Tensor, args: PredictArgs = {}): Tensor {
    const batchSize = args.batchSize ?? 32;
    checkPositiveInt('batchSize', batchSize);
    const n = x.shape[0]!;
    if (n === 0) throw new Error('predict: no samples.');
    const callbacks = new CallbackList(args.callbacks ?? []);
    callbacks.setModel(this);
    const outputs: Tensor[] = [];
    callbacks.onPredictBegin();
    startPoolSession();
    try {
      noGrad(() => {
        for (let start = 0, step = 0; start < n; start += batchSize, step++) {
          callbacks.onPredictBatchBegin(step, { batch: step, size: Math.min(batchSize, n - start) });
          // Each batch's output survives its scope (it is the scope's result; earlier ones are roots).
          const out = bufferScope([this, outputs], () =>
            this.call(slice(x, [start], [Math.min(batchSize, n - start)]), false),
          );
          outputs.push(out);
          callbacks.onPredictBatchEnd(step, { batch: step, size: Math.min(batchSize, n - start) });
        }
      });
    } finally {
      endPoolSession();
    }
    callbacks.onPredictEnd();
    return outputs.length === 1 ? outputs[0]! : concat(outputs, 0);
  }
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got ${v}.`);
}

function checkSameLength(what: string, x: Tensor, y: Tensor): void {
  if (x.rank === 0 || y.rank === 0)
    throw new Error(`${what}: x and y need a batch axis, got ${shapeToString(x.shape)} and ${shapeToString(y.shape)}.`);
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(
      `${what}: x has ${x.shape[0]} samples but y has ${y.shape[0]} (shapes ${shapeToString(x.shape)} and ${shapeToString(y.shape)}).`,
    );
  }
}
