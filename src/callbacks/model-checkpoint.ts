import { ownEntry } from '../utils/own.js';
import type { Model } from '../models/model.js';
import { saveModel, saveWeights } from '../io/save-model.js';
import { printLine } from '../utils/output.js';
import type { Logs } from './callback.js';
import { Callback } from './callback.js';
import type { MonitorMode } from './monitor-mode.js';
import { isMaxMode } from './monitor-mode.js';
import { formatNumber, pythonFormat } from './python-format.js';

export interface ModelCheckpointArgs {
  monitor?: string;
  verbose?: number;
  /** Save only when the monitored value improves on the best so far. */
  saveBestOnly?: boolean;
  saveWeightsOnly?: boolean;
  mode?: MonitorMode;
  /** `'epoch'`, or save every this many training batches. */
  saveFreq?: 'epoch' | number;
  /** Only values better than this count as improvements at first. */
  initialValueThreshold?: number;
}

/**
 * Saves the model (or its weights) during `fit` (Keras's ModelCheckpoint). `filepath` may hold
 * Python format fields filled from the epoch (1-based) and the logs, e.g.
 * `./model/{epoch:02d}-{val_loss:.4f}.hdf5`; missing folders are created and every write is
 * atomic, so an interrupted run leaves the previous checkpoints whole.
 */
export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly saveFreq: 'epoch' | number;
  private readonly maximize: boolean;
  best: number;
  /** The file written last (with saveBestOnly: the best model so far), or null before any save. */
  lastSavedPath: string | null = null;
  private batchesSeen = 0;
  private currentEpoch = 0;

  constructor(
    readonly filepath: string,
    args: ModelCheckpointArgs = {},
  ) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.verbose = args.verbose ?? 0;
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.saveWeightsOnly = args.saveWeightsOnly ?? false;
    this.saveFreq = args.saveFreq ?? 'epoch';
    if (this.saveFreq !== 'epoch' && !(Number.isInteger(this.saveFreq) && this.saveFreq > 0)) {
      throw new Error(`ModelCheckpoint: saveFreq must be 'epoch' or a positive integer, got ${String(this.saveFreq)}.`);
    }
    this.maximize = isMaxMode(args.mode ?? 'auto', this.monitor, 'ModelCheckpoint');
    this.best = args.initialValueThreshold ?? (this.maximize ? -Infinity : Infinity);
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  override async onTrainBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSeen++;
    if (this.batchesSeen % this.saveFreq === 0) await this.save(this.currentEpoch, batch, logs);
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') await this.save(epoch, null, logs);
  }

  /** The file name for an epoch (0-based) and its logs. */
  filePathFor(epoch: number, logs: Logs, batch: number | null = null): string {
    return pythonFormat(this.filepath, { ...logs, epoch: epoch + 1, ...(batch === null ? {} : { batch: batch + 1 }) });
  }

  private async save(epoch: number, batch: number | null, logs: Logs): Promise<void> {
    const path = this.filePathFor(epoch, logs, batch);
    const e = epoch + 1;
    if (this.saveBestOnly) {
      const current = ownEntry(logs, this.monitor);
      if (current === undefined) {
        printLine(`Can save best model only with ${this.monitor} available, skipping.`);
        return;
      }
      const improved = this.maximize ? current > this.best : current < this.best;
      if (!improved) {
        if (this.verbose > 0)
          printLine(`\nEpoch ${e}: ${this.monitor} did not improve from ${formatNumber(this.best, '.5f')}`);
        return;
      }
      if (this.verbose > 0) {
        printLine(
          `\nEpoch ${e}: ${this.monitor} improved from ${formatNumber(this.best, '.5f')} to ${formatNumber(current, '.5f')}, saving model to ${path}`,
        );
      }
      this.best = current;
    } else if (this.verbose > 0) {
      printLine(`\nEpoch ${e}: saving model to ${path}`);
    }
    const model = this.model as unknown as Model;
    if (this.saveWeightsOnly) await saveWeights(model, path);
    else await saveModel(model, path);
    this.lastSavedPath = path;
  }
}
