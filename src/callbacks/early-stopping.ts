import { ownEntry } from '../utils/own.js';
import type { Tensor } from '../core/tensor.js';
import { printLine } from '../utils/output.js';
import type { Logs } from './callback.js';
import { Callback } from './callback.js';
import type { MonitorMode } from './monitor-mode.js';
import { isMaxMode } from './monitor-mode.js';

export interface EarlyStoppingArgs {
  monitor?: string;
  /** Smallest change that counts as an improvement. */
  minDelta?: number;
  /** Epochs without improvement before stopping. */
  patience?: number;
  verbose?: number;
  mode?: MonitorMode;
  /** Training stops unless the monitored value beats this. */
  baseline?: number | null;
  /** Put back the weights of the best epoch when stopping. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching for improvement (warm-up). */
  startFromEpoch?: number;
}

interface WeightsModel {
  getWeights(): Tensor[];
  setWeights(values: readonly Tensor[]): void;
}

/** Stops `fit` once the monitored value has stopped improving for `patience` epochs (Keras's EarlyStopping). */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly verbose: number;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  /** Signed as Keras does: negative when smaller is better. */
  readonly minDelta: number;
  private readonly maximize: boolean;
  wait = 0;
  stoppedEpoch = 0;
  best = Infinity;
  bestEpoch = 0;
  private bestWeights: Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.patience = args.patience ?? 0;
    this.verbose = args.verbose ?? 0;
    this.baseline = args.baseline ?? null;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = args.startFromEpoch ?? 0;
    this.maximize = isMaxMode(args.mode ?? 'auto', this.monitor, 'EarlyStopping');
    const delta = Math.abs(args.minDelta ?? 0);
    this.minDelta = this.maximize ? delta : -delta;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.maximize ? -Infinity : Infinity;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = ownEntry(logs, this.monitor);
    if (current === undefined) {
      printLine(
        `Early stopping conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(',')}`,
      );
      return;
    }
    if (epoch < this.startFromEpoch) return;
    const model = this.model as unknown as WeightsModel;
    if (this.restoreBestWeights && this.bestWeights === null) this.bestWeights = model.getWeights();
    this.wait++;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = model.getWeights();
      // Beating the best resets patience only once the baseline is also beaten.
      if (this.baseline === null || this.isImprovement(current, this.baseline)) {
        this.wait = 0;
        return;
      }
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights !== null) {
        if (this.verbose > 0)
          printLine(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
        model.setWeights(this.bestWeights);
      }
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) printLine(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
  }

  private isImprovement(value: number, reference: number): boolean {
    return this.maximize ? value - this.minDelta > reference : value - this.minDelta < reference;
  }
}
