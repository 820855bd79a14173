import { printLine } from '../utils/output.js';
import type { Logs } from './callback.js';
import { Callback } from './callback.js';
import { optimizerOf } from './lr-access.js';

/** Sets the learning rate at each epoch start from `schedule(epoch, lr)` (Keras's LearningRateScheduler). */
export class LearningRateScheduler extends Callback {
  constructor(
    readonly schedule: (epoch: number, lr: number) => number,
    readonly verbose = 0,
  ) {
    super();
  }

  override onEpochBegin(epoch: number): void {
    const opt = optimizerOf(this.model, 'LearningRateScheduler');
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr)) {
      throw new Error(
        `LearningRateScheduler: the schedule must return a finite number, got ${String(lr)} for epoch ${epoch}.`,
      );
    }
    opt.learningRate = lr;
    if (this.verbose > 0) printLine(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    // Keras records the rate in the epoch's logs (and so in History).
    logs['lr'] = optimizerOf(this.model, 'LearningRateScheduler').learningRate;
  }
}
