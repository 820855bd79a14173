import type { Logs } from './callback.js';
import { Callback } from './callback.js';

/** Records each epoch's logs under Keras's keys: `history.history.loss`, `.val_loss`, ... */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};

  override onTrainBegin(): void {
    this.epoch = [];
    this.history = {};
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
