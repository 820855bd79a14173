import type { Logs } from './callback.js';
import { Callback } from './callback.js';

type Hook<A extends unknown[]> = (...args: A) => void | Promise<void>;
type BatchHook = Hook<[batch: number, logs: Logs]>;
type EpochHook = Hook<[epoch: number, logs: Logs]>;
type LogsHook = Hook<[logs: Logs]>;

/**
 * Keras's LambdaCallback arguments, camelCased: every hook of Callback can be given. As in Keras,
 * `onBatchBegin` / `onBatchEnd` are the training batches (aliases of `onTrainBatchBegin` /
 * `onTrainBatchEnd`; giving both spellings of one hook is refused). Any other key is refused.
 */
export interface LambdaCallbackArgs {
  onEpochBegin?: EpochHook;
  onEpochEnd?: EpochHook;
  onBatchBegin?: BatchHook;
  onBatchEnd?: BatchHook;
  onTrainBatchBegin?: BatchHook;
  onTrainBatchEnd?: BatchHook;
  onTrainBegin?: LogsHook;
  onTrainEnd?: LogsHook;
  onTestBegin?: LogsHook;
  onTestEnd?: LogsHook;
  onTestBatchBegin?: BatchHook;
  onTestBatchEnd?: BatchHook;
  onPredictBegin?: LogsHook;
  onPredictEnd?: LogsHook;
  onPredictBatchBegin?: BatchHook;
  onPredictBatchEnd?: BatchHook;
}

const KEYS: readonly (keyof LambdaCallbackArgs)[] = [
  'onEpochBegin',
  'onEpochEnd',
  'onBatchBegin',
  'onBatchEnd',
  'onTrainBatchBegin',
  'onTrainBatchEnd',
  'onTrainBegin',
  'onTrainEnd',
  'onTestBegin',
  'onTestEnd',
  'onTestBatchBegin',
  'onTestBatchEnd',
  'onPredictBegin',
  'onPredictEnd',
  'onPredictBatchBegin',
  'onPredictBatchEnd',
];

/** A callback made of plain functions (Keras's LambdaCallback). */
export class LambdaCallback extends Callback {
  private readonly hooks: LambdaCallbackArgs;

  constructor(hooks: LambdaCallbackArgs = {}) {
    super();
    for (const key of Object.keys(hooks)) {
      if (!(KEYS as readonly string[]).includes(key)) {
        throw new Error(`LambdaCallback: unknown hook '${key}'. Expected any of: ${KEYS.join(', ')}.`);
      }
      const fn = (hooks as Record<string, unknown>)[key];
      if (fn !== undefined && typeof fn !== 'function') {
        throw new Error(`LambdaCallback: '${key}' must be a function, got ${typeof fn}.`);
      }
    }
    if (hooks.onBatchBegin && hooks.onTrainBatchBegin)
      throw new Error('LambdaCallback: give onBatchBegin or onTrainBatchBegin (the same hook), not both.');
    if (hooks.onBatchEnd && hooks.onTrainBatchEnd)
      throw new Error('LambdaCallback: give onBatchEnd or onTrainBatchEnd (the same hook), not both.');
    this.hooks = { ...hooks };
  }

  override onEpochBegin(epoch: number, logs: Logs = {}): void | Promise<void> {
    return this.hooks.onEpochBegin?.(epoch, logs);
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void | Promise<void> {
    return this.hooks.onEpochEnd?.(epoch, logs);
  }
  override onTrainBatchBegin(batch: number, logs: Logs = {}): void | Promise<void> {
    return (this.hooks.onTrainBatchBegin ?? this.hooks.onBatchBegin)?.(batch, logs);
  }
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void | Promise<void> {
    return (this.hooks.onTrainBatchEnd ?? this.hooks.onBatchEnd)?.(batch, logs);
  }
  override onTrainBegin(logs: Logs = {}): void | Promise<void> {
    return this.hooks.onTrainBegin?.(logs);
  }
  override onTrainEnd(logs: Logs = {}): void | Promise<void> {
    return this.hooks.onTrainEnd?.(logs);
  }
  override onTestBegin(logs: Logs = {}): void | Promise<void> {
    return this.hooks.onTestBegin?.(logs);
  }
  override onTestEnd(logs: Logs = {}): void | Promise<void> {
    return this.hooks.onTestEnd?.(logs);
  }
  override onTestBatchBegin(batch: number, logs: Logs = {}): void | Promise<void> {
    return this.hooks.onTestBatchBegin?.(batch, logs);
  }
  override onTestBatchEnd(batch: number, logs: Logs = {}): void | Promise<void> {
    return this.hooks.onTestBatchEnd?.(batch, logs);
  }
  override onPredictBegin(logs: Logs = {}): void | Promise<void> {
    return this.hooks.onPredictBegin?.(logs);
  }
  override onPredictEnd(logs: Logs = {}): void | Promise<void> {
    return this.hooks.onPredictEnd?.(logs);
  }
  override onPredictBatchBegin(batch: number, logs: Logs = {}): void | Promise<void> {
    return this.hooks.onPredictBatchBegin?.(batch, logs);
  }
  override onPredictBatchEnd(batch: number, logs: Logs = {}): void | Promise<void> {
    return this.hooks.onPredictBatchEnd?.(batch, logs);
  }
}
