import { isInteractive, write } from './output.js';

/** Keras's number format in progress lines: 4 decimals, exponent form for tiny values. */
export function formatLogValue(v: number): string {
  return Math.abs(v) > 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

function formatDuration(seconds: number): string {
  if (seconds > 3600) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = Math.floor(seconds % 60);
    return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  }
  if (seconds > 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.round(seconds)}s`;
}

function formatPerStep(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

/**
 * Keras's progress bar. verbose 1: a bar with ETA and running values, redrawn in place on a
 * terminal and printed once at the end otherwise; verbose 2: one summary line at the end.
 */
export class Progbar {
  private readonly start = Date.now();
  private lastDraw = 0;
  private readonly interactive = isInteractive();
  private lastLength = 0;

  constructor(
    /** Steps expected; null when unknown (a generator), shown as 'Unknown' as Keras does. */
    private readonly target: number | null,
    private readonly verbose: number,
    private readonly width = 30,
  ) {}

  update(
    current: number,
    values: Record<string, number>,
    finalize = this.target !== null && current >= this.target,
  ): void {
    if (this.verbose === 0) return;
    const now = Date.now();
    const elapsed = (now - this.start) / 1000;
    const valueText = Object.entries(values)
      .map(([k, v]) => ` - ${k}: ${formatLogValue(v)}`)
      .join('');
    if (this.verbose === 2) {
      if (!finalize) return;
      const perStep = current > 0 ? elapsed / current : 0;
      write(
        `${current}/${this.target ?? 'Unknown'} - ${formatDuration(elapsed)}${valueText} - ${formatDuration(elapsed)}/epoch - ${formatPerStep(perStep)}\n`,
      );
      return;
    }
    if (!finalize && (!this.interactive || now - this.lastDraw < 50)) return;
    this.lastDraw = now;
    if (this.target === null) {
      const perStep = current > 0 ? elapsed / current : 0;
      const line = `${String(current).padStart(7)}/Unknown - ${formatDuration(elapsed)} ${formatPerStep(perStep)}${valueText}`;
      if (this.interactive) {
        const pad = Math.max(0, this.lastLength - line.length);
        write(`\r${line}${' '.repeat(pad)}${finalize ? '\n' : ''}`);
        this.lastLength = line.length;
      } else if (finalize) write(`${line}\n`);
      return;
    }
    const digits = String(this.target).length;
    const frac = this.target > 0 ? current / this.target : 1;
    const filled = Math.floor(this.width * frac);
    const bar =
      current < this.target
        ? `${'='.repeat(Math.max(0, filled - 1))}>${'.'.repeat(this.width - Math.max(1, filled))}`
        : '='.repeat(this.width);
    const perStep = current > 0 ? elapsed / current : 0;
    const timing = finalize
      ? ` - ${formatDuration(elapsed)} ${formatPerStep(perStep)}`
      : ` - ETA: ${formatDuration(perStep * (this.target - current))}`;
    const line = `${String(current).padStart(digits)}/${this.target} [${bar}]${timing}${valueText}`;
    if (this.interactive) {
      const pad = Math.max(0, this.lastLength - line.length);
      write(`\r${line}${' '.repeat(pad)}${finalize ? '\n' : ''}`);
      this.lastLength = line.length;
    } else {
      write(`${line}\n`);
    }
  }
}
