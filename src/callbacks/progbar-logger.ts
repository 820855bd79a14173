import { printLine } from '../utils/output.js';
import { Progbar } from '../utils/progbar.js';
import type { Logs } from './callback.js';
import { Callback } from './callback.js';

/** Prints `Epoch i/n` and a progress bar per epoch, as Keras does for verbose 1 and 2. */
export class ProgbarLogger extends Callback {
  private bar: Progbar | null = null;
  private seen = 0;

  override onEpochBegin(epoch: number): void {
    const p = this.params!;
    if (p.verbose === 0) return;
    printLine(`Epoch ${epoch + 1}/${p.epochs}`);
    this.bar = new Progbar(p.steps, p.verbose);
    this.seen = 0;
  }

  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    this.seen = batch + 1;
    // The final draw waits for epoch end, where validation values are known.
    const steps = this.params!.steps as number | null;
    if (steps === null || this.seen < steps) this.bar?.update(this.seen, logs, false);
  }

  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    this.bar?.update(this.seen, logs, true);
    this.bar = null;
  }
}
