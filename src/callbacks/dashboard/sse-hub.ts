/** The part of http.ServerResponse the hub uses (so tests can pass a fake). */
export interface SseResponse {
  write(chunk: string): boolean;
  end(): void;
  destroy(): void;
  readonly writableNeedDrain: boolean;
  readonly writableLength: number;
  on(event: 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

interface Client {
  id: number;
  res: SseResponse;
  /** Set while the socket buffer is full: events are skipped, and a snapshot replaces them on drain. */
  behind: boolean;
  /** Whether an event was skipped while behind (only then is a snapshot due on drain). */
  missed: boolean;
  sent: number;
  skipped: number;
  /** When it fell behind (for dropping clients that stay stalled). */
  behindSince: number;
}

export interface SseHubLimits {
  /** Streams served at once; more get 503 from the server (default 16). */
  maxClients?: number;
  /** A client holding more unsent bytes than this is cut (default 16 MiB). */
  maxBufferedBytes?: number;
  /** A client that has not drained for this long is cut (default 30 s). */
  stallMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface SseClientStats {
  id: number;
  behind: boolean;
  sent: number;
  skipped: number;
  /** Bytes Node holds for this client beyond what the kernel took. */
  buffered: number;
}

export function formatEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Server-Sent Events fan-out that never makes the producer wait. Writes are fire-and-forget; a
 * client whose buffer is full (`write` returned false) is marked behind and skipped, and when it
 * drains it gets one fresh snapshot instead of the backlog, so a stalled tab costs one bounded
 * buffer and a closed one costs nothing. Memory is bounded as a whole: at most `maxClients`
 * streams, each cut once it holds more than `maxBufferedBytes` or stays stalled for `stallMs`.
 */
export class SseHub {
  private clients = new Map<number, Client>();
  private nextId = 1;
  private closed = false;
  readonly maxClients: number;
  private readonly maxBufferedBytes: number;
  private readonly stallMs: number;
  private readonly now: () => number;

  /** @param snapshot the full current state, sent as a `state` event on connect and after a drain. */
  constructor(
    private readonly snapshot: () => unknown,
    limits: SseHubLimits = {},
  ) {
    this.maxClients = limits.maxClients ?? 16;
    this.maxBufferedBytes = limits.maxBufferedBytes ?? 16 * 2 ** 20;
    this.stallMs = limits.stallMs ?? 30_000;
    this.now = limits.now ?? Date.now;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Whether another stream would exceed maxClients (the server answers 503 then). */
  get full(): boolean {
    return this.clients.size >= this.maxClients;
  }

  /** Adds a stream; returns its id, or -1 (and ends it) when the hub is full. */
  add(res: SseResponse): number {
    const client: Client = {
      id: this.nextId++,
      res,
      behind: false,
      missed: false,
      sent: 0,
      skipped: 0,
      behindSince: 0,
    };
    if (this.closed || this.full) {
      safely(() => res.end());
      return this.closed ? client.id : -1;
    }
    this.clients.set(client.id, client);
    const drop = () => this.clients.delete(client.id);
    res.on('close', drop);
    res.on('error', drop); // a reset tab must not become an uncaught 'error'
    this.send(client, `retry: 2000\n\n${formatEvent('state', this.snapshot())}`);
    return client.id;
  }

  broadcast(type: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const chunk = formatEvent(type, data); // serialised once for all clients
    for (const c of [...this.clients.values()]) {
      if (c.behind) {
        if (this.now() - c.behindSince > this.stallMs) {
          this.cut(c); // a tab that stopped reading: its buffer is not kept forever
          continue;
        }
        c.skipped++;
        c.missed = true;
      } else {
        this.send(c, chunk);
      }
    }
  }

  private send(c: Client, chunk: string): void {
    let ok = false;
    try {
      ok = c.res.write(chunk);
      c.sent++;
    } catch {
      this.clients.delete(c.id);
      safely(() => c.res.destroy());
      return;
    }
    if (c.res.writableLength > this.maxBufferedBytes) {
      this.cut(c);
      return;
    }
    if ((!ok || c.res.writableNeedDrain) && !c.behind) {
      c.behind = true;
      c.behindSince = this.now();
      c.res.once('drain', () => this.drained(c));
    }
  }

  private cut(c: Client): void {
    this.clients.delete(c.id);
    safely(() => c.res.destroy());
  }

  private drained(c: Client): void {
    if (!this.clients.has(c.id)) return;
    c.behind = false;
    const missed = c.missed;
    c.missed = false;
    // Re-sending the snapshot only when something was skipped avoids a loop of snapshot,
    // full buffer, drain, snapshot for a healthy client when the snapshot is large.
    if (missed) this.send(c, formatEvent('state', this.snapshot()));
    if (this.closed && !c.behind) this.finish(c);
  }

  private finish(c: Client): void {
    this.clients.delete(c.id);
    safely(() => c.res.end());
  }

  stats(): SseClientStats[] {
    return [...this.clients.values()].map((c) => ({
      id: c.id,
      behind: c.behind,
      sent: c.sent,
      skipped: c.skipped,
      buffered: c.res.writableLength,
    }));
  }

  /**
   * Ends every stream. A client that is behind gets the final snapshot and its end once it drains;
   * one that never drains is left for the server to cut.
   */
  closeAll(): void {
    this.closed = true;
    for (const c of [...this.clients.values()]) if (!c.behind) this.finish(c);
  }

  /** Lets a later server run reuse the hub. */
  reopen(): void {
    this.closed = false;
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // the client is gone; nothing to do
  }
}
