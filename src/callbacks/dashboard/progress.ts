import type { TrainingParams } from '../callback.js';

export interface ProgressSnapshot {
  epoch: number;
  epochs: number;
  /** Batches finished in the current epoch. */
  batch: number;
  steps: number;
  samplesSeen: number;
  samplesPerSec: number | null;
  etaSeconds: number | null;
  elapsedSeconds: number;
  /** 0..1 of all batches of the run. */
  fraction: number;
}

const ALPHA = 0.2; // weight of the newest batch in the moving averages

/**
 * Throughput and ETA from batch timings. A batch lasts from the end of the previous one (or its
 * own begin, for the first of an epoch) to its end, so data slicing and other callbacks count,
 * while end-of-epoch validation is timed separately and added per remaining epoch.
 */
export class ProgressMeter {
  private start = 0;
  private epoch = 0;
  private firstEpoch: number | null = null;
  private batch = 0;
  private seen = 0;
  private batchStart = 0;
  private lastBatchEnd: number | null = null;
  private secPerBatch: number | null = null;
  private samplesPerBatch: number | null = null;
  private epochTail: number | null = null; // seconds from the last batch to epoch end (validation)
  private size = 0;

  constructor(
    private readonly params: TrainingParams,
    private readonly now: () => number = () => performance.now(),
  ) {}

  trainBegin(): void {
    this.start = this.now();
  }

  epochBegin(epoch: number): void {
    this.firstEpoch ??= epoch; // fit's initialEpoch
    this.epoch = epoch;
    this.batch = 0;
    this.lastBatchEnd = null;
  }

  batchBegin(size?: number): void {
    this.batchStart = this.now();
    const p = this.params;
    this.size = size ?? Math.max(1, Math.min(p.batchSize, p.samples - this.batch * p.batchSize));
  }

  batchEnd(batch: number): void {
    const t = this.now();
    const dt = (t - (this.lastBatchEnd ?? this.batchStart)) / 1000;
    this.lastBatchEnd = t;
    this.batch = batch + 1;
    this.seen += this.size;
    this.secPerBatch = ema(this.secPerBatch, dt);
    this.samplesPerBatch = ema(this.samplesPerBatch, this.size);
  }

  epochEnd(): void {
    if (this.lastBatchEnd !== null) this.epochTail = ema(this.epochTail, (this.now() - this.lastBatchEnd) / 1000);
    this.batch = this.params.steps;
  }

  snapshot(): ProgressSnapshot {
    const { epochs, steps } = this.params;
    const first = this.firstEpoch ?? 0;
    const doneEpochs = this.epoch - first;
    const totalBatches = Math.max(1, (epochs - first) * steps);
    const done = doneEpochs * steps + this.batch;
    const remainingBatches = Math.max(0, totalBatches - done);
    const epochsLeft = Math.max(0, epochs - this.epoch - (this.batch >= steps ? 1 : 0));
    const sps = this.secPerBatch && this.samplesPerBatch ? this.samplesPerBatch / this.secPerBatch : null;
    const eta =
      this.secPerBatch === null ? null : remainingBatches * this.secPerBatch + epochsLeft * (this.epochTail ?? 0);
    return {
      epoch: this.epoch,
      epochs,
      batch: this.batch,
      steps,
      samplesSeen: this.seen,
      samplesPerSec: sps,
      etaSeconds: eta,
      elapsedSeconds: (this.now() - this.start) / 1000,
      fraction: Math.min(1, done / totalBatches),
    };
  }
}

function ema(prev: number | null, x: number): number {
  return prev === null ? x : prev + ALPHA * (x - prev);
}
