import { printLine } from '../utils/output.js';
import type { Logs } from './callback.js';
import { Callback } from './callback.js';

/** Stops training as soon as a batch's loss is NaN or infinite (Keras's TerminateOnNaN). */
export class TerminateOnNaN extends Callback {
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs['loss'];
    if (loss !== undefined && !Number.isFinite(loss)) {
      printLine(`Batch ${batch}: Invalid loss, terminating training`);
      this.model!.stopTraining = true;
    }
  }
}
