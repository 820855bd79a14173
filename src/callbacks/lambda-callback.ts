import type { Logs } from './callback.js';
import { Callback } from './callback.js';

type Hook<A extends unknown[]> = (...args: A) => void | Promise<void>;

export interface LambdaCallbackArgs {
  onEpochBegin?: Hook<[epoch: number, logs: Logs]>;
  onEpochEnd?: Hook<[epoch: number, logs: Logs]>;
  onBatchBegin?: Hook<[batch: number, logs: Logs]>;
  onBatchEnd?: Hook<[batch: number, logs: Logs]>;
  onTrainBegin?: Hook<[logs: Logs]>;
  onTrainEnd?: Hook<[logs: Logs]>;
}

/** A callback made of plain functions (Keras's LambdaCallback); batch hooks are the training batches. */
export class LambdaCallback extends Callback {
  constructor(private readonly hooks: LambdaCallbackArgs = {}) {
    super();
  }

  override onEpochBegin(epoch: number, logs: Logs = {}): void | Promise<void> {
    return this.hooks.onEpochBegin?.(epoch, logs);
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void | Promise<void> {
    return this.hooks.onEpochEnd?.(epoch, logs);
  }
  override onTrainBatchBegin(batch: number, logs: Logs = {}): void | Promise<void> {
    return this.hooks.onBatchBegin?.(batch, logs);
  }
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void | Promise<void> {
    return this.hooks.onBatchEnd?.(batch, logs);
  }
  override onTrainBegin(logs: Logs = {}): void | Promise<void> {
    return this.hooks.onTrainBegin?.(logs);
  }
  override onTrainEnd(logs: Logs = {}): void | Promise<void> {
    return this.hooks.onTrainEnd?.(logs);
  }
}
