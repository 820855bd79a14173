import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isLoopbackAddress, isLoopbackHostHeader } from './loopback.js';
import type { SseHub } from './sse-hub.js';

export interface DashboardServerOptions {
  host: string;
  port: number;
  /** Serve other machines too. Off by default: the page shows the model and training data. */
  allowRemote: boolean;
  hub: SseHub;
  page: () => string;
  state: () => unknown;
}

export interface DashboardServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

// The page inlines its script and style and talks only to this server; the policy makes the
// browser enforce that (no external assets, nothing else reachable).
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

function refuse(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  res.end(`${text}\n`);
}

function urlFor(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}/`;
}

/** The dashboard's HTTP server: the page, its SSE stream, and a JSON snapshot. */
export async function startDashboardServer(o: DashboardServerOptions): Promise<DashboardServer> {
  const allowed = (socket: Socket) => o.allowRemote || isLoopbackAddress(socket.remoteAddress);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => {}); // a vanished client must not crash training
    if (!allowed(req.socket) || (!o.allowRemote && !isLoopbackHostHeader(req.headers.host))) {
      refuse(res, 403, 'Forbidden: the dashboard only serves this machine.');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuse(res, 405, 'Method not allowed');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, PAGE_HEADERS);
      res.end(req.method === 'HEAD' ? undefined : o.page());
    } else if (path === '/events') {
      if (o.hub.full) {
        refuse(res, 503, `Too many dashboard clients (at most ${o.hub.maxClients}); close another tab.`);
        return;
      }
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      req.socket.setNoDelay(true);
      o.hub.add(res);
    } else if (path === '/state') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(o.state()));
    } else {
      refuse(res, 404, 'Not found');
    }
  };

  const server: Server = createServer(handle);
  // Refuse other hosts before reading a byte of their request.
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => {});
    if (!allowed(socket)) socket.destroy();
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {}); // after listening, errors belong to single connections
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: urlFor(o.host, port),
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        o.hub.closeAll();
        server.close(); // stops listening at once; open streams finish on their own
        server.closeIdleConnections();
        // Streams still behind get a grace period to drain, then are cut (e.g. a tab that never reads).
        setTimeout(() => server.closeAllConnections(), 1000).unref();
        setImmediate(resolve);
      });
      return closing;
    },
  };
}
