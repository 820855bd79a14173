import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import type { Callback, CallbackModel, Logs, TrainingParams } from '../src/callbacks/callback.js';
import { Dashboard, type DashboardOptions } from '../src/callbacks/dashboard.js';
import { isLoopbackAddress, isLoopbackHostHeader } from '../src/callbacks/dashboard/loopback.js';
import { ProgressMeter } from '../src/callbacks/dashboard/progress.js';
import { SseHub, type SseResponse } from '../src/callbacks/dashboard/sse-hub.js';
import { Tensor } from '../src/core/tensor.js';

// ---- a fake model and a loop that calls the hooks exactly as Model.fit does ----

function fakeModel(summaryLines = 8): CallbackModel {
  return {
    stopTraining: false,
    summary(printFn = console.log) {
      printFn('Model: "sequential"');
      for (let i = 0; i < summaryLines; i++) printFn(`dense_${i} (Dense)            (None, 64)            4160`);
      printFn('Total params: 12,345');
    },
  };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

interface FakeFit {
  epochs: number;
  steps: number;
  batchSize?: number;
  model?: CallbackModel;
  /** Awaited before each epoch: lets a test pace the loop. */
  beforeEpoch?: (epoch: number) => Promise<void> | void;
  /** Called once per batch, like a training step. */
  work?: () => void;
  stopAfterEpoch?: number;
  /** Called after each epoch's hooks; may set model.stopTraining, as EarlyStopping does. */
  afterEpoch?: (epoch: number, model: CallbackModel) => Promise<void> | void;
}

/** Mirrors Model.fit: hook order, awaited hooks, batch logs {batch,size} then {loss,accuracy}, yields every 50 ms. */
async function fakeFit(cb: Callback, o: FakeFit): Promise<{ epochsRun: number; batchesRun: number }> {
  const batchSize = o.batchSize ?? 32;
  const model = o.model ?? fakeModel();
  const params: TrainingParams = {
    epochs: o.epochs,
    steps: o.steps,
    verbose: 0,
    batchSize,
    samples: o.steps * batchSize,
    doValidation: true,
    metrics: ['loss', 'accuracy'],
  };
  cb.setModel(model);
  cb.setParams(params);
  model.stopTraining = false;
  await cb.onTrainBegin();
  let lastYield = Date.now();
  let epochLogs: Logs = {};
  let epochsRun = 0;
  let batchesRun = 0;
  for (let epoch = 0; epoch < o.epochs && !model.stopTraining; epoch++) {
    await o.beforeEpoch?.(epoch);
    await cb.onEpochBegin(epoch);
    let loss = 0;
    for (let step = 0; step < o.steps; step++) {
      await cb.onTrainBatchBegin(step, { batch: step, size: batchSize });
      o.work?.();
      loss = 1 / (1 + epoch + step / o.steps);
      await cb.onTrainBatchEnd(step, { loss, accuracy: 1 - loss / 2 });
      batchesRun++;
      if (Date.now() - lastYield > 50) {
        await tick();
        lastYield = Date.now();
      }
    }
    epochLogs = { loss, accuracy: 1 - loss / 2, val_loss: loss * 1.1, val_accuracy: 1 - loss / 1.8 };
    await cb.onEpochEnd(epoch, epochLogs);
    epochsRun++;
    await tick();
    lastYield = Date.now();
    if (o.stopAfterEpoch === epoch) model.stopTraining = true;
    await o.afterEpoch?.(epoch, model);
  }
  await cb.onTrainEnd(epochLogs);
  return { epochsRun, batchesRun };
}

function quietDashboard(options: DashboardOptions = {}): { dash: Dashboard; printed: string[] } {
  const printed: string[] = [];
  return { dash: new Dashboard({ print: (l) => printed.push(l), ...options }), printed };
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An SSE reader that rebuilds the page's view of the epochs from state/epoch events. */
function sseClient(url: string) {
  const events: { type: string; data: { epochs?: { epoch: number }[]; epoch?: number } }[] = [];
  let epochs: number[] = [];
  let status = '';
  let buffer = '';
  let resolveEnd!: () => void;
  const ended = new Promise<void>((r) => (resolveEnd = r));
  const req = request(`${url}events`, { agent: false }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!type || data === undefined) continue;
        const parsed = JSON.parse(data);
        events.push({ type, data: parsed });
        if (type === 'state') {
          epochs = parsed.epochs.map((e: { epoch: number }) => e.epoch);
          status = parsed.status;
        }
        if (type === 'epoch') epochs.push(parsed.epoch);
        if (type === 'end') {
          status = 'done';
          resolveEnd();
        }
      }
    });
    res.on('end', () => resolveEnd());
    res.on('close', () => resolveEnd());
  });
  req.on('error', () => resolveEnd());
  req.end();
  return { events, epochs: () => epochs, status: () => status, ended, close: () => req.destroy() };
}

// ---- unit tests ----

test('isLoopbackAddress accepts only this machine', () => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1', '::1%lo']) {
    assert.equal(isLoopbackAddress(a), true, a);
  }
  for (const a of [
    '10.0.0.1',
    '192.168.1.20',
    '0.0.0.0',
    '::',
    '::ffff:10.1.2.3',
    'fe80::1',
    '::2',
    '1.2.3.4',
    'localhost',
    '',
    undefined,
    null,
  ]) {
    assert.equal(isLoopbackAddress(a), false, String(a));
  }
});

test('isLoopbackHostHeader rejects other names (DNS rebinding)', () => {
  for (const h of ['localhost', 'localhost:8080', '127.0.0.1:5000', '[::1]:5000', 'app.localhost:1'])
    assert.equal(isLoopbackHostHeader(h), true, h);
  for (const h of [
    'evil.example',
    'evil.example:5000',
    'localhost.evil.example',
    '10.0.0.2:80',
    '[fe80::1]:80',
    '',
    undefined,
  ]) {
    assert.equal(isLoopbackHostHeader(h), false, String(h));
  }
});

class FakeResponse extends EventEmitter implements SseResponse {
  chunks: string[] = [];
  full = false;
  ended = false;
  destroyed = false;
  get writableNeedDrain() {
    return this.full;
  }
  get writableLength() {
    return this.full ? 1 << 16 : 0;
  }
  write(chunk: string): boolean {
    if (this.destroyed) throw new Error('write after destroy');
    this.chunks.push(chunk);
    return !this.full;
  }
  end() {
    this.ended = true;
  }
  destroy() {
    this.destroyed = true;
  }
}

test('SseHub skips a client whose buffer is full and sends it one snapshot when it drains', () => {
  let version = 0;
  const hub = new SseHub(() => ({ version }));
  const slow = new FakeResponse();
  const fast = new FakeResponse();
  hub.add(slow);
  hub.add(fast);
  assert.match(slow.chunks[0]!, /event: state\ndata: \{"version":0\}/);
  slow.full = true;
  for (let i = 0; i < 100; i++) {
    version = i;
    hub.broadcast('batch', { i });
  }
  // The write that found the buffer full went out; the other 99 were skipped, none queued.
  assert.equal(slow.chunks.length, 2);
  assert.equal(fast.chunks.length, 101);
  assert.deepEqual(
    hub.stats().map((s) => [s.behind, s.skipped]),
    [
      [true, 99],
      [false, 0],
    ],
  );
  slow.full = false;
  slow.emit('drain');
  assert.match(slow.chunks.at(-1)!, /event: state\ndata: \{"version":99\}/);
  hub.broadcast('batch', { i: 100 });
  assert.match(slow.chunks.at(-1)!, /"i":100/);
});

test('SseHub forgets closed or failing clients without throwing', () => {
  const hub = new SseHub(() => ({}));
  const a = new FakeResponse();
  const b = new FakeResponse();
  hub.add(a);
  hub.add(b);
  a.emit('close');
  b.destroyed = true; // its next write throws
  assert.doesNotThrow(() => hub.broadcast('batch', {}));
  assert.equal(hub.size, 0);
  const c = new FakeResponse();
  hub.add(c);
  c.emit('error', new Error('ECONNRESET'));
  assert.equal(hub.size, 0);
});

test('ProgressMeter reports samples per second and ETA from batch timings', () => {
  let now = 0;
  const params: TrainingParams = {
    epochs: 2,
    steps: 10,
    verbose: 0,
    batchSize: 50,
    samples: 500,
    doValidation: true,
    metrics: [],
  };
  const m = new ProgressMeter(params, () => now);
  m.trainBegin();
  m.epochBegin(0);
  for (let b = 0; b < 4; b++) {
    m.batchBegin(50);
    now += 100; // 100 ms per batch of 50 -> 500 samples/s
    m.batchEnd(b);
  }
  const s = m.snapshot();
  assert.equal(s.samplesSeen, 200);
  assert.ok(Math.abs(s.samplesPerSec! - 500) < 1e-9);
  assert.ok(Math.abs(s.etaSeconds! - 16 * 0.1) < 1e-9); // 6 + 10 batches left
  assert.equal(s.fraction, 4 / 20);
  for (let b = 4; b < 10; b++) {
    m.batchBegin(50);
    now += 100;
    m.batchEnd(b);
  }
  now += 500; // validation
  m.epochEnd();
  const e = m.snapshot();
  assert.ok(Math.abs(e.etaSeconds! - (10 * 0.1 + 0.5)) < 1e-9);
});

// ---- the server, driven by a fake fit ----

test('Dashboard serves the page, prints its URL once, and stops when training ends', async () => {
  const { dash, printed } = quietDashboard();
  let page = '';
  let state = '';
  const run = await fakeFit(dash, {
    epochs: 3,
    steps: 5,
    beforeEpoch: async (epoch) => {
      if (epoch !== 1) return;
      page = (await get(dash.url!)).body;
      state = (await get(`${dash.url}state`)).body;
    },
  });
  assert.deepEqual(run, { epochsRun: 3, batchesRun: 15 });
  assert.match(dash.url!, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.deepEqual(printed, [`Dashboard: ${dash.url}`]);
  assert.match(page, /<!doctype html>/);
  assert.doesNotMatch(page, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/, 'no external assets');
  const s = JSON.parse(state);
  assert.equal(s.epochs.length, 1);
  assert.equal(s.batches.length, 5);
  assert.ok(s.summary.includes('Total params: 12,345'));
  assert.equal(s.progress.samplesSeen, 160);
  await assert.rejects(get(dash.url!), /ECONNREFUSED/);
});

test('with keepAlive the server outlives fit, shows samples later, and close() stops it', async () => {
  const { dash } = quietDashboard({ keepAlive: true });
  await fakeFit(dash, { epochs: 1, steps: 2 });
  assert.equal((await get(dash.url!)).status, 200);
  const images = new Tensor(new Uint8Array(6 * 4), [6, 2, 2]);
  dash.showTestSamples({ images, labels: [0, 1, 2, 0, 1, 2], predictions: [0, 1, 1, 0, 2, 2] });
  const s = JSON.parse((await get(`${dash.url}state`)).body);
  assert.equal(s.status, 'done');
  assert.equal(s.samples.correct, 4);
  assert.deepEqual(s.samples.confusion, [
    [2, 0, 0],
    [0, 1, 1],
    [0, 1, 1],
  ]);
  await dash.close();
  await assert.rejects(get(dash.url!), /ECONNREFUSED/);
});

test('testSamples given as a function is evaluated when training ends', async () => {
  let calledAfterEpochs = -1;
  const { dash } = quietDashboard({
    keepAlive: true,
    testSamples: () => {
      calledAfterEpochs = dash.snapshot().epochs.length;
      const scores = new Tensor(new Float32Array([0.9, 0.1, 0.2, 0.8, 0.6, 0.4]), [3, 2]);
      return {
        images: new Tensor(new Float32Array(3 * 4), [3, 4]),
        labels: [0, 1, 1],
        predictions: scores,
        classNames: ['cat', 'dog'],
      };
    },
  });
  await fakeFit(dash, { epochs: 2, steps: 2, stopAfterEpoch: 0 });
  const s = dash.snapshot();
  assert.equal(calledAfterEpochs, 1);
  assert.equal(s.stoppedEarly, true);
  assert.deepEqual(
    s.samples?.items.map((i) => [i.label, i.prediction]),
    [
      [0, 0],
      [1, 1],
      [1, 0],
    ],
  );
  await dash.close();
});

test('a client that never reads does not hold training back; other clients keep being served', async () => {
  // A big summary makes each snapshot ~100 kB, so the stalled socket fills its buffers quickly.
  const { dash } = quietDashboard({ updateIntervalMs: 0 });
  const epochs = 12;
  let raw: ReturnType<typeof connect> | null = null;
  let reader: ReturnType<typeof sseClient> | null = null;
  const midStatus: number[] = [];
  const run = await fakeFit(dash, {
    epochs,
    steps: 400,
    model: fakeModel(2000),
    beforeEpoch: async (epoch) => {
      if (epoch === 0) {
        const { port } = new URL(dash.url!);
        raw = connect(Number(port), '127.0.0.1');
        raw.on('error', () => {});
        await new Promise<void>((r) => raw!.once('connect', () => r()));
        raw.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
        raw.pause(); // never reads a byte
        reader = sseClient(dash.url!);
        await new Promise((r) => setTimeout(r, 50));
      }
      if (epoch === epochs / 2) midStatus.push((await get(`${dash.url}state`)).status);
    },
  });
  assert.deepEqual(run, { epochsRun: epochs, batchesRun: epochs * 400 });
  await reader!.ended;
  // The reading client saw every epoch, in order, and the end (as events, or as a final snapshot
  // when it was briefly behind on the big summary).
  assert.deepEqual(
    reader!.epochs(),
    Array.from({ length: epochs }, (_, i) => i),
  );
  assert.equal(reader!.status(), 'done');
  assert.deepEqual(midStatus, [200]);
  raw!.destroy();
});

test('the stalled client is skipped, not queued: its buffer stays bounded', async () => {
  // How much a socket absorbs before it is full depends on kernel buffers, so train until the
  // stalled client is behind (bounded by epochs, not time), then a few epochs more.
  const { dash } = quietDashboard({ updateIntervalMs: 0, keepAlive: true });
  let raw: ReturnType<typeof connect> | null = null;
  let stalledAt = -1;
  let skippedAtStall = 0;
  const run = await fakeFit(dash, {
    epochs: 400,
    steps: 400,
    model: fakeModel(2000),
    beforeEpoch: async (epoch) => {
      if (epoch !== 0) return;
      const { port } = new URL(dash.url!);
      raw = connect(Number(port), '127.0.0.1');
      raw.on('error', () => {});
      await new Promise<void>((r) => raw!.once('connect', () => r()));
      raw.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      raw.pause(); // never reads a byte
    },
    afterEpoch: async (epoch, model) => {
      await new Promise((r) => setTimeout(r, 5)); // let 'drain' fire if the kernel took the data
      const [s] = dash.clientStats();
      if (stalledAt < 0 && s?.behind && s.skipped > 0) {
        stalledAt = epoch;
        skippedAtStall = s.skipped;
      }
      if (stalledAt >= 0 && epoch >= stalledAt + 3) model.stopTraining = true;
    },
  });
  assert.ok(stalledAt >= 0, 'the never-reading client fell behind');
  assert.equal(run.epochsRun, stalledAt + 4, 'training went on after it stalled');
  const [s] = dash.clientStats();
  assert.equal(s!.behind, true);
  assert.ok(s!.skipped >= skippedAtStall + 3 * 400 * 0.5, `events after the stall were skipped (${s!.skipped})`);
  // At most one snapshot beyond the high-water mark is held in memory for it, however long training runs.
  const snapshotBytes = JSON.stringify(dash.snapshot()).length;
  assert.ok(s!.buffered < 2 * snapshotBytes + 65536, `buffered ${s!.buffered} bytes`);
  await dash.close(); // does not wait for the stalled socket
  raw!.destroy();
});

test('a tab closed mid-training is forgotten without errors', async () => {
  const { dash } = quietDashboard({ updateIntervalMs: 0 });
  let client: ReturnType<typeof sseClient> | null = null;
  const run = await fakeFit(dash, {
    epochs: 4,
    steps: 50,
    beforeEpoch: async (epoch) => {
      if (epoch === 0) {
        client = sseClient(dash.url!);
        await new Promise((r) => setTimeout(r, 30));
      }
      if (epoch === 2) {
        client!.close();
        await new Promise((r) => setTimeout(r, 30));
        assert.equal(dash.clientStats().length, 0);
      }
    },
  });
  assert.equal(run.epochsRun, 4);
});

test('requests naming another host are refused (403)', async () => {
  const { dash } = quietDashboard({ keepAlive: true });
  await fakeFit(dash, { epochs: 1, steps: 1 });
  const { port } = new URL(dash.url!);
  assert.equal((await get(dash.url!, { Host: `evil.example:${port}` })).status, 403);
  assert.equal((await get(dash.url!, { Host: `localhost:${port}` })).status, 200);
  assert.equal((await get(`${dash.url}nope`)).status, 404);
  await dash.close();
});

test('connections from a non-loopback address are refused even when listening on all interfaces', async (t) => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!external) return t.skip('no non-loopback IPv4 interface on this machine');
  const { dash } = quietDashboard({ keepAlive: true, host: '0.0.0.0' });
  await fakeFit(dash, { epochs: 1, steps: 1 });
  const { port } = new URL(dash.url!);
  // From this machine but via its external address: the remote address is not loopback.
  await assert.rejects(get(`http://${external}:${port}/`, { Host: `localhost:${port}` }), /ECONNRESET|socket hang up/);
  assert.equal((await get(`http://127.0.0.1:${port}/`)).status, 200);
  await dash.close();
});

test('SseHub bounds memory: at most maxClients streams; stalled or over-full clients are cut', () => {
  let now = 0;
  const hub = new SseHub(() => ({ big: 'x'.repeat(1000) }), {
    maxClients: 3,
    maxBufferedBytes: 1 << 20,
    stallMs: 5000,
    now: () => now,
  });
  const clients = [new FakeResponse(), new FakeResponse(), new FakeResponse()];
  for (const c of clients) assert.ok(hub.add(c) > 0);
  assert.equal(hub.full, true);
  const extra = new FakeResponse();
  assert.equal(hub.add(extra), -1, 'a fourth stream is refused');
  assert.equal(extra.ended, true);
  assert.equal(hub.size, 3);
  // One client stops reading: it is skipped, then cut once stalled past stallMs.
  clients[0]!.full = true;
  hub.broadcast('batch', { i: 0 });
  now = 4000;
  hub.broadcast('batch', { i: 1 });
  assert.equal(hub.size, 3, 'still within stallMs');
  now = 5001;
  hub.broadcast('batch', { i: 2 });
  assert.equal(hub.size, 2);
  assert.equal(clients[0]!.destroyed, true);
  // A client whose unsent bytes exceed maxBufferedBytes is cut at once.
  const huge = Object.assign(new FakeResponse(), {});
  Object.defineProperty(huge, 'writableLength', { get: () => 2 << 20 });
  hub.add(huge);
  assert.equal(huge.destroyed, true);
  assert.equal(hub.size, 2);
  assert.equal(hub.full, false);
});
