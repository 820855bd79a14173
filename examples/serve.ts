/**
 * A small prediction server on 127.0.0.1 (Node's http module, no framework): it loads a saved
 * model (the lecture CNN, `.keras` or `.h5`) and answers POSTed 28 x 28 images with the class
 * probabilities. Each request runs `model.predictOnBatch` on one image, which runs the model's
 * cached inference plan (one native call for the lecture CNN).
 *
 *   npm run example:serve -- --model path/to/model.keras [--port 8080] [--threads 2]
 *
 *   POST /predict  Content-Type: application/json    {"image": [784 numbers in 0..1]} (or 28 rows of 28)
 *                  Content-Type: application/octet-stream  784 bytes (grey levels 0..255, row by row)
 *                                                          or 3,136 bytes (784 float32, little-endian, 0..1)
 *     -> 200 {"probabilities": [10 numbers], "class": k}
 *   GET /health    -> 200 {"ok": true, "model": name, "input": shape}
 *   GET /stats     -> 200 {"requests", "rss", "heapUsed", "heapTotal", "external"} (bytes)
 *
 * Requests must come from this machine and name it in their Host header (no DNS rebinding).
 * Bodies over 64 KB are refused (413).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLoopbackAddress, isLoopbackHostHeader } from '../src/callbacks/dashboard/loopback.js';
import { Tensor, loadModel, setNumThreads, type Model } from '../src/index.js';
import { formatShape } from '../src/layers/layer.js';
import { checkOptionNames, optionNames } from '../src/utils/option-names.js';
import { parseArgs } from './args.js';

const MAX_BODY = 64 << 10;

export interface PredictionServerOptions {
  /** Path of a saved model (`model.save(...)`) with one image input. */
  model: string;
  /** Port on 127.0.0.1; 0 picks a free one. Default 8080. */
  port?: number;
}

export interface PredictionServer {
  url: string;
  server: Server;
  model: Model;
  close(): Promise<void>;
}

const OPTION_NAMES = optionNames<PredictionServerOptions>()(['model', 'port']);

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The request's body, refused past MAX_BODY (what follows is read and dropped). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (refused) return;
      if (size > MAX_BODY) {
        refused = true;
        chunks.length = 0;
        fail(new BadRequest(`the body is over ${MAX_BODY} bytes.`, 413));
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (!refused) done(Buffer.concat(chunks));
    });
    req.on('error', fail);
  });
}

/** One image's pixels (float32, 0..1) from a JSON or binary body. */
function imagePixels(body: Buffer, contentType: string, pixels: number, shape: string): Float32Array {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/octet-stream') {
    if (body.length === pixels) {
      const out = new Float32Array(pixels);
      for (let i = 0; i < pixels; i++) out[i] = body[i]! / 255;
      return out;
    }
    if (body.length === pixels * 4) {
      const out = new Float32Array(pixels);
      for (let i = 0; i < pixels; i++) out[i] = body.readFloatLE(i * 4);
      return out;
    }
    throw new BadRequest(
      `a binary image must be ${pixels} bytes (grey levels 0..255) or ${pixels * 4} bytes (float32) for input ${shape}, got ${body.length} bytes.`,
    );
  }
  if (type !== 'application/json')
    throw new BadRequest(
      `Content-Type must be application/json or application/octet-stream, got '${contentType}'.`,
      415,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new BadRequest(`the body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const image = (parsed as { image?: unknown } | null)?.image;
  if (!Array.isArray(image))
    throw new BadRequest(`expected {"image": [...]} with ${pixels} numbers for input ${shape}.`);
  const flat = (image as unknown[]).flat(3);
  if (flat.length !== pixels)
    throw new BadRequest(`"image" has ${flat.length} numbers; input ${shape} needs ${pixels}.`);
  const out = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const v = flat[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new BadRequest(`"image"[${i}] is ${JSON.stringify(v)}; every pixel must be a finite number.`);
    out[i] = v;
  }
  return out;
}

export async function startPredictionServer(options: PredictionServerOptions): Promise<PredictionServer> {
  checkOptionNames('startPredictionServer', options, OPTION_NAMES);
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`example:serve: bad port ${port}.`);
  const model = await loadModel(resolve(options.model));
  if (model.inputs.length !== 1)
    throw new Error(`example:serve: the model has ${model.inputs.length} inputs; this server feeds one image.`);
  const declared = model.inputs[0]!.shape;
  const sample = declared.slice(1);
  if (sample.some((d) => d === null))
    throw new Error(`example:serve: the model's input ${formatShape(declared)} must have a fixed sample shape.`);
  const dims = sample as number[];
  const pixels = dims.reduce((a, b) => a * b, 1);
  const shape = formatShape(declared);
  let requests = 0;

  const send = (res: ServerResponse, status: number, value: unknown, close = false): void => {
    const body = JSON.stringify(value);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...(close ? { Connection: 'close' } : {}),
    });
    res.end(body);
  };

  const predict = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const x = new Tensor(imagePixels(body, req.headers['content-type'] ?? '', pixels, shape), [1, ...dims], 'float32');
    const y = model.predictOnBatch(x) as Tensor;
    const probabilities = Array.from(y.data as Float32Array);
    let best = 0;
    for (let i = 1; i < probabilities.length; i++) if (probabilities[i]! > probabilities[best]!) best = i;
    send(res, 200, { probabilities, class: best });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    requests++;
    if (!isLoopbackAddress(req.socket.remoteAddress) || !isLoopbackHostHeader(req.headers.host)) {
      send(res, 403, { error: 'This server answers only requests from and to this machine.' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/predict') {
      if (req.method !== 'POST') return send(res, 405, { error: 'POST an image to /predict.' });
      predict(req, res).catch((e: unknown) => {
        const status = e instanceof BadRequest ? e.status : 500;
        // Too large a body: answer at once and drop the connection rather than read the rest.
        if (!res.headersSent) send(res, status, { error: e instanceof Error ? e.message : String(e) }, status === 413);
        if (status === 413) res.once('finish', () => req.socket.destroy());
      });
      return;
    }
    if (req.method !== 'GET') return send(res, 405, { error: `${path} takes GET.` });
    if (path === '/health') return send(res, 200, { ok: true, model: model.name, input: shape });
    if (path === '/stats') {
      const m = process.memoryUsage();
      return send(res, 200, {
        requests,
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
      });
    }
    send(res, 404, { error: `No ${path}; use POST /predict, GET /health or GET /stats.` });
  };

  const server = createServer(handle);
  return new Promise((started, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address() as AddressInfo;
      started({
        url: `http://127.0.0.1:${actual}/`,
        server,
        model,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = parseArgs();
  for (const key of args.keys())
    if (!['model', 'port', 'threads'].includes(key))
      throw new Error(`example:serve: unknown option --${key} (use --model, --port, --threads).`);
  const modelPath = args.get('model');
  if (!modelPath)
    throw new Error('example:serve: give --model path/to/model.keras (e.g. a model saved by example:mnist-cnn).');
  if (args.has('threads')) setNumThreads(Number(args.get('threads')));
  const started = await startPredictionServer({
    model: modelPath,
    ...(args.has('port') ? { port: Number(args.get('port')) } : {}),
  });
  // The first line names the URL, so a parent process (bench:serve) can read it.
  console.log(`serving ${started.model.name} on ${started.url} (POST /predict); 127.0.0.1 only, Ctrl-C stops.`);
}
