import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { startExampleServer, type ExampleServer } from '../examples/browser/server.js';

// The browser example's server: 127.0.0.1 only, loopback Host headers only, nothing outside its
// folders, the four MNIST files by name.
let server: ExampleServer;
let port: number;

before(async () => {
  server = await startExampleServer({ port: 0 });
  port = Number(new URL(server.url).port);
});
after(() => server.close());

function get(path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: Buffer; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, body: Buffer.concat(chunks), type: String(res.headers['content-type']) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves the pages, the bundle with its wasm module, and the MNIST files', async () => {
  assert.equal(server.server.address() && (server.server.address() as { address: string }).address, '127.0.0.1');
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(page.body.toString(), /<script type="module" src="train.js">/);
  const wasm = await get('/deepscript/deepscript.wasm');
  assert.equal(wasm.status, 200);
  assert.equal(wasm.type, 'application/wasm');
  assert.deepEqual([...wasm.body.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
  const labels = await get('/mnist/t10k-labels-idx1-ubyte');
  assert.equal(labels.status, 200);
  assert.equal(labels.body.length, 10008);
  assert.equal(labels.body.readUInt32BE(0), 0x801);
});

test('refuses other hosts, paths outside its folders, unknown files and options', async () => {
  assert.equal((await get('/', 'evil.example')).status, 403);
  assert.equal((await get('/../package.json')).status, 404);
  assert.equal((await get('/%2e%2e/%2e%2e/package.json')).status, 404);
  assert.equal((await get('/deepscript/../../package.json')).status, 404);
  assert.equal((await get('/server.ts')).status, 404);
  assert.equal((await get('/mnist/passwd')).status, 404);
  assert.equal((await get('/model.keras')).status, 404, 'no --model given');
  assert.throws(() => startExampleServer({ prot: 1 } as never), /startExampleServer: .*prot/);
  assert.throws(() => startExampleServer({ port: 0, mounts: { bench: '.' } }), /must start and end with '\/'/);
});
