import type { Logs } from './callback.js';
import { Callback } from './callback.js';
import { openBrowser } from './dashboard/open-browser.js';
import { renderPage } from './dashboard/page.js';
import { ProgressMeter, type ProgressSnapshot } from './dashboard/progress.js';
import { samplesPayload, type SamplesPayload, type TestSamples } from './dashboard/samples.js';
import { startDashboardServer, type DashboardServer } from './dashboard/server.js';
import { SseHub, type SseClientStats } from './dashboard/sse-hub.js';

export type { TestSamples } from './dashboard/samples.js';

export interface DashboardOptions {
  /** 0 (default) picks any free port. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1: only this machine. */
  host?: string;
  /** Open the page in the desktop browser when training starts. */
  open?: boolean;
  /** Keep serving after training ends (call `close()` when done). Default false. */
  keepAlive?: boolean;
  /** Serve requests from other machines. Default false: they are refused even when `host` is public. */
  allowRemote?: boolean;
  /**
   * Test images with labels and predictions shown at the end: the samples, or a function called
   * when training ends (so it can predict with the trained model).
   */
  testSamples?: TestSamples | (() => TestSamples | null | undefined | Promise<TestSamples | null | undefined>);
  /** Batch updates are pushed at most this often. Default 100 ms. */
  updateIntervalMs?: number;
  /** Page title. */
  title?: string;
  /** Where the URL (and any warning) is printed. Default console.log. */
  print?: (line: string) => void;
}

export interface BatchPoint {
  /** Position in epochs: epoch + finished fraction of it. */
  x: number;
  epoch: number;
  batch: number;
  logs: Logs;
}

export interface DashboardState {
  status: 'waiting' | 'training' | 'done';
  keepAlive: boolean;
  params: Callback['params'];
  summary: string[] | null;
  epochs: { epoch: number; logs: Logs }[];
  batches: BatchPoint[];
  progress: ProgressSnapshot | null;
  samples: SamplesPayload | null;
  stoppedEarly: boolean;
}

/** Batch points kept for the page; beyond this every other one is dropped (the curve keeps its shape). */
const MAX_BATCH_POINTS = 5000;

/**
 * A live training page in the browser: loss and accuracy per batch and per epoch, the model
 * summary, throughput and ETA, and test predictions with a confusion matrix at the end.
 *
 * Updates are pushed with Server-Sent Events; nothing a browser does can make training wait
 * (see SseHub). The server listens on 127.0.0.1 and refuses other hosts unless `allowRemote`.
 */
export class Dashboard extends Callback {
  /** Where the page is served, once training has begun. */
  url: string | null = null;
  private readonly options: DashboardOptions;
  private server: DashboardServer | null = null;
  private readonly hub = new SseHub(() => this.state);
  private state: DashboardState;
  private meter: ProgressMeter | null = null;
  private pending: BatchPoint[] = [];
  private lastFlush = 0;
  private epoch = 0;

  constructor(options: DashboardOptions = {}) {
    super();
    this.options = options;
    this.state = this.freshState();
  }

  private freshState(): DashboardState {
    return {
      status: 'waiting',
      keepAlive: this.options.keepAlive ?? false,
      params: null,
      summary: null,
      epochs: [],
      batches: [],
      progress: null,
      samples: null,
      stoppedEarly: false,
    };
  }

  private print(line: string): void {
    (this.options.print ?? console.log)(line);
  }

  /** A copy of what the page shows (also served as JSON at /state). */
  snapshot(): DashboardState {
    return structuredClone(this.state);
  }

  /** Per connected page: events sent and skipped, and whether its socket is behind. */
  clientStats(): SseClientStats[] {
    return this.hub.stats();
  }

  override async onTrainBegin(): Promise<void> {
    this.state = this.freshState();
    this.state.status = 'training';
    this.state.params = this.params ? { ...this.params } : null;
    this.state.summary = this.summaryLines();
    this.pending = [];
    this.lastFlush = 0;
    if (this.params) {
      this.meter = new ProgressMeter(this.params);
      this.meter.trainBegin();
      this.state.progress = this.meter.snapshot();
    }
    if (!this.server) {
      this.hub.reopen();
      this.server = await startDashboardServer({
        host: this.options.host ?? '127.0.0.1',
        port: this.options.port ?? 0,
        allowRemote: this.options.allowRemote ?? false,
        hub: this.hub,
        page: () => renderPage(this.options.title ?? 'deepscript training'),
        state: () => this.state,
      });
      this.url = this.server.url;
      this.print(`Dashboard: ${this.url}`);
      if (this.options.open) openBrowser(this.url);
    }
    this.hub.broadcast('state', this.state); // a page kept open from a previous fit starts over
  }

  private summaryLines(): string[] | null {
    if (!this.model) return null;
    const lines: string[] = [];
    try {
      this.model.summary((line) => lines.push(line));
    } catch {
      return null; // e.g. a model not built yet: the page says so
    }
    return lines;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.meter?.epochBegin(epoch);
  }

  override onTrainBatchBegin(_batch: number, logs?: Logs): void {
    this.meter?.batchBegin(typeof logs?.size === 'number' ? logs.size : undefined);
  }

  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    this.meter?.batchEnd(batch);
    const steps = this.params?.steps ?? batch + 1;
    const point: BatchPoint = {
      x: this.epoch + (batch + 1) / steps,
      epoch: this.epoch,
      batch,
      logs: numericLogs(logs),
    };
    this.state.batches.push(point);
    if (this.state.batches.length > MAX_BATCH_POINTS)
      this.state.batches = this.state.batches.filter((_, i) => i % 2 === 0);
    this.pending.push(point);
    const now = performance.now();
    if (now - this.lastFlush >= (this.options.updateIntervalMs ?? 100)) this.flush(now);
  }

  /** Sends the batch points gathered since the last push, in one event. */
  private flush(now = performance.now()): void {
    this.lastFlush = now;
    this.state.progress = this.meter?.snapshot() ?? null;
    if (this.pending.length === 0) return;
    this.hub.broadcast('batch', { points: this.pending, progress: this.state.progress });
    this.pending = [];
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.flush();
    this.meter?.epochEnd();
    const entry = { epoch, logs: numericLogs(logs) };
    this.state.epochs.push(entry);
    this.state.progress = this.meter?.snapshot() ?? null;
    this.hub.broadcast('epoch', { ...entry, progress: this.state.progress });
  }

  override async onTrainEnd(): Promise<void> {
    this.flush();
    const s = this.options.testSamples;
    if (s !== undefined) {
      try {
        const samples = typeof s === 'function' ? await s() : s;
        if (samples) this.setSamples(samples);
      } catch (err) {
        // Training already succeeded; a broken sample function should not turn it into a failure.
        this.print(`Dashboard: could not show test samples: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.state.status = 'done';
    const p = this.params;
    this.state.stoppedEarly = p !== null && this.state.epochs.length < p.epochs && (this.model?.stopTraining ?? false);
    this.hub.broadcast('end', { stoppedEarly: this.state.stoppedEarly, progress: this.state.progress });
    if (!(this.options.keepAlive ?? false)) await this.close();
  }

  private setSamples(samples: TestSamples): void {
    this.state.samples = samplesPayload(samples);
    this.hub.broadcast('samples', this.state.samples);
  }

  /** Shows test predictions now, e.g. after `fit` with `keepAlive`, or from a later evaluation. */
  showTestSamples(samples: TestSamples): void {
    this.setSamples(samples);
  }

  /** Stops the server (done automatically at the end of training unless `keepAlive`). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await server.close();
  }
}

/** Only finite numbers travel to the page (logs may carry other things in custom loops). */
function numericLogs(logs: Logs): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(logs)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}
