import { ownEntry } from '../utils/own.js';
import { printLine } from '../utils/output.js';
import type { Logs } from './callback.js';
import { Callback } from './callback.js';
import { optimizerOf } from './lr-access.js';
import type { MonitorMode } from './monitor-mode.js';

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  verbose?: number;
  mode?: MonitorMode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

/** Multiplies the learning rate by `factor` after `patience` epochs without improvement (Keras's ReduceLROnPlateau). */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private readonly maximize: boolean;
  wait = 0;
  cooldownCounter = 0;
  best = Infinity;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    if (this.factor >= 1) throw new Error(`ReduceLROnPlateau: factor must be below 1, got ${this.factor}.`);
    this.patience = args.patience ?? 10;
    this.verbose = args.verbose ?? 0;
    this.minDelta = args.minDelta ?? 1e-4;
    this.cooldown = args.cooldown ?? 0;
    this.minLr = args.minLr ?? 0;
    const mode = args.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max')
      throw new Error(`ReduceLROnPlateau: mode must be 'auto', 'min' or 'max', got '${String(mode)}'.`);
    // This callback's `auto` looks only for 'acc', as in Keras.
    this.maximize = mode === 'max' || (mode === 'auto' && this.monitor.includes('acc'));
  }

  override onTrainBegin(): void {
    this.best = this.maximize ? -Infinity : Infinity;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const opt = optimizerOf(this.model, 'ReduceLROnPlateau');
    logs['lr'] = opt.learningRate;
    const current = ownEntry(logs, this.monitor);
    if (current === undefined) {
      printLine(
        `Learning rate reduction is conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(',')}`,
      );
      return;
    }
    const inCooldown = this.cooldownCounter > 0;
    if (inCooldown) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    const improved = this.maximize ? current > this.best + this.minDelta : current < this.best - this.minDelta;
    if (improved) {
      this.best = current;
      this.wait = 0;
    } else if (!inCooldown) {
      this.wait++;
      if (this.wait >= this.patience && opt.learningRate > this.minLr) {
        const newLr = Math.max(opt.learningRate * this.factor, this.minLr);
        opt.learningRate = newLr;
        if (this.verbose > 0) printLine(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${newLr}.`);
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }
}
