/** Numbers Keras passes to callbacks: `loss`, metric names, and `val_`-prefixed ones at epoch end. */
export type Logs = Record<string, number>;

/** What a callback may ask of the model it is attached to (kept small so callbacks need no model import). */
export interface CallbackModel {
  stopTraining: boolean;
  summary(printFn?: (line: string) => void): void;
}

/** Facts about the current `fit`, as Keras's `callback.params`. */
export interface TrainingParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  verbose: number;
  batchSize: number;
  samples: number;
  /** Whether validation runs at each epoch end. */
  doValidation: boolean;
  metrics: string[];
}

/**
 * Base class with Keras's hooks. Hooks may be async; `fit` and `evaluate` await them in order,
 * while `predict` (synchronous, as in Keras) calls its hooks without awaiting them.
 * Batch hooks get the batch index within the epoch; epoch hooks the 0-based epoch.
 */
export class Callback {
  model: CallbackModel | null = null;
  params: TrainingParams | null = null;

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  setParams(params: TrainingParams): void {
    this.params = params;
  }

  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onTrainBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTrainBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTestBegin(_logs?: Logs): void | Promise<void> {}
  onTestEnd(_logs?: Logs): void | Promise<void> {}
  onTestBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTestBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onPredictBegin(_logs?: Logs): void | Promise<void> {}
  onPredictEnd(_logs?: Logs): void | Promise<void> {}
  onPredictBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onPredictBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
}
