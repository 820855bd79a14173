import { appendFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import type { Logs } from './callback.js';
import { Callback } from './callback.js';
import { pythonRepr } from './python-format.js';

/**
 * Streams each epoch's logs to a CSV file (Keras's CSVLogger): header `epoch,<sorted keys>`,
 * numbers as Python prints them, rows ended by `\r\n` (Python's csv excel dialect).
 */
export class CSVLogger extends Callback {
  private keys: string[] | null = null;
  private writeHeader = true;

  constructor(
    readonly filename: string,
    readonly separator = ',',
    readonly append = false,
  ) {
    super();
  }

  override onTrainBegin(): void {
    this.keys = null;
    this.writeHeader = !(this.append && existsSync(this.filename) && statSync(this.filename).size > 0);
    if (!this.append) writeFileSync(this.filename, '');
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.keys ??= Object.keys(logs).sort();
    let out = '';
    if (this.writeHeader) {
      out += this.row(['epoch', ...this.keys]);
      this.writeHeader = false;
    }
    out += this.row([String(epoch), ...this.keys.map((k) => (k in logs ? num(logs[k]!) : ''))]);
    appendFileSync(this.filename, out);
  }

  private row(cells: string[]): string {
    const quote = (c: string): string =>
      c.includes(this.separator) || /["\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c;
    return `${cells.map(quote).join(this.separator)}\r\n`;
  }
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  const s = pythonRepr(Math.abs(v));
  // Python prints whole floats as 1.0; logs are floats.
  const body = /^\d+$/.test(s) ? `${s}.0` : s;
  return v < 0 ? `-${body}` : body;
}
