import type { Callback, CallbackModel, Logs, TrainingParams } from './callback.js';

/** Calls each hook on every callback, in order, awaiting async hooks. */
export class CallbackList {
  constructor(private readonly callbacks: Callback[]) {}

  setModel(model: CallbackModel): void {
    for (const c of this.callbacks) c.setModel(model);
  }

  setParams(params: TrainingParams): void {
    for (const c of this.callbacks) c.setParams(params);
  }

  async onTrainBegin(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin(logs);
  }
  async onTrainEnd(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd(logs);
  }
  async onEpochBegin(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin(epoch, logs);
  }
  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd(epoch, logs);
  }
  async onTrainBatchBegin(batch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBatchBegin(batch, logs);
  }
  async onTrainBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBatchEnd(batch, logs);
  }
  async onTestBegin(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTestBegin(logs);
  }
  async onTestEnd(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTestEnd(logs);
  }
  async onTestBatchBegin(batch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTestBatchBegin(batch, logs);
  }
  async onTestBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTestBatchEnd(batch, logs);
  }

  // predict() is synchronous (it returns the outputs, as Keras's does), so its hooks are called
  // in order but not awaited.
  onPredictBegin(logs: Logs = {}): void {
    for (const c of this.callbacks) void c.onPredictBegin(logs);
  }
  onPredictEnd(logs: Logs = {}): void {
    for (const c of this.callbacks) void c.onPredictEnd(logs);
  }
  onPredictBatchBegin(batch: number, logs: Logs = {}): void {
    for (const c of this.callbacks) void c.onPredictBatchBegin(batch, logs);
  }
  onPredictBatchEnd(batch: number, logs: Logs = {}): void {
    for (const c of this.callbacks) void c.onPredictBatchEnd(batch, logs);
  }
}
