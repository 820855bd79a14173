import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import '../src/ops/tensor-methods.js';
import { Dataset } from '../src/data/dataset.js';
import { workerMap } from '../src/data/worker-map.js';
import { data } from '../src/index.js';
import { tensor } from '../src/ops/creation.js';
import type { Tensor } from '../src/core/tensor.js';

const fixtures = new URL('./helpers/worker-map-fixtures.js', import.meta.url);
const spinSync = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('Dataset.map numParallelCalls', () => {
  test('keeps n calls in flight, in input order, and starts them before the consumer gets its element', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const ds = Dataset.fromTensorSlices([0, 1, 2, 3, 4, 5]).map(
      async (t) => {
        const k = t.item();
        started.push(k);
        most = Math.max(most, ++running);
        // Later elements finish first: the order must still be the input's.
        await new Promise((r) => setTimeout(r, 12 - 2 * k));
        running--;
        return k * 10;
      },
      { numParallelCalls: 3 },
    );
    const out: number[] = [];
    const startedWhenReceived: number[][] = [];
    for await (const v of ds) {
      startedWhenReceived.push([...started]);
      out.push(v);
    }
    assert.deepEqual(out, [0, 10, 20, 30, 40, 50]);
    assert.equal(most, 3);
    // With element 0 in hand, 1..3 are already running (3 in flight), started synchronously.
    assert.deepEqual(startedWhenReceived[0], [0, 1, 2, 3]);
    // Without numParallelCalls: one call at a time.
    started.length = 0;
    running = 0;
    most = 0;
    const serial = Dataset.fromTensorSlices([0, 1, 2]).map(async (t) => {
      started.push(t.item());
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return t.item();
    });
    assert.deepEqual(await serial.toArray(), [0, 1, 2]);
    assert.equal(most, 1);
  });

  test('works after an asynchronous stage, reports failures when reached, and checks its options', async () => {
    const gen = Dataset.fromGenerator(async function* () {
      for (let k = 0; k < 4; k++) yield k;
    });
    const doubled = gen.map(async (k) => k * 2, { numParallelCalls: 2 });
    assert.deepEqual(await doubled.toArray(), [0, 2, 4, 6]);
    // Element 2 fails while 0 is still being consumed: the error surfaces at element 2, not before.
    const failing = Dataset.fromTensorSlices([0, 1, 2, 3]).map(
      async (t) => {
        if (t.item() === 2) throw new Error('bad element 2');
        return t.item();
      },
      { numParallelCalls: 4 },
    );
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const v of failing) got.push(v);
    }, /bad element 2/);
    assert.deepEqual(got, [0, 1]);
    assert.throws(
      () => gen.map((k) => k, { numParalelCalls: 2 } as never),
      /unknown option `numParalelCalls`; did you mean `numParallelCalls`/,
    );
    assert.throws(() => gen.map((k) => k, { numParallelCalls: 0 }), /numParallelCalls must be a positive integer/);
    assert.throws(() => gen.map((k) => k, { numParallelCalls: 1.5 }), /numParallelCalls must be a positive integer/);
    // The cardinality passes through.
    assert.equal(Dataset.fromTensorSlices([1, 2, 3]).map((t) => t, { numParallelCalls: 2 }).cardinality, 3);
  });
});

describe('data.workerMap', () => {
  test('runs the map in a worker thread, tensors in and out, and is exported as data.workerMap', async () => {
    assert.equal(data.workerMap, workerMap);
    const fn = workerMap<[Tensor, Tensor], { x: Tensor; y: Tensor; main: boolean; thread: number }>(fixtures, {
      exportName: 'double',
    });
    try {
      const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const y = tensor([0, 1], [2]);
      const ds = Dataset.fromTensorSlices([x, y])
        .batch(1)
        .map((b) => fn(b as [Tensor, Tensor]), { numParallelCalls: 2 });
      const out = await ds.toArray();
      assert.equal(out.length, 2);
      assert.deepEqual(out[0]!.x.shape, [1, 3]);
      assert.deepEqual(Array.from(out[0]!.x.data), [2, 4, 6]);
      assert.deepEqual(Array.from(out[1]!.x.data), [8, 10, 12]);
      assert.deepEqual(Array.from(out[1]!.y.data), [1]);
      assert.equal(out[0]!.x.dtype, 'float32');
      assert.equal(out[0]!.main, false);
      assert.notEqual(out[0]!.thread, threadId);
      assert.equal(fn.timings.length, 2);
      for (const t of fn.timings) assert.ok(t.end >= t.start);
    } finally {
      await fn.close();
    }
  });

  test('the worker computes while the main thread is busy (a synchronous step)', async () => {
    const fn = workerMap<{ ms: number; k: number }, { k: number }>(fixtures, { workers: 1 });
    try {
      const n = 6;
      const posted: number[] = [];
      const steps: [number, number][] = [];
      const ds = Dataset.fromTensorSlices(Array.from({ length: n }, (_, k) => k)).map(
        (t) => {
          posted.push(performance.now());
          return fn({ ms: 30, k: t.item() });
        },
        { numParallelCalls: 2 },
      );
      const ks: number[] = [];
      for await (const e of ds) {
        ks.push(e.k);
        const s = performance.now();
        spinSync(40); // the training step: synchronous, on the main thread
        steps.push([s, performance.now()]);
      }
      assert.deepEqual(ks, [0, 1, 2, 3, 4, 5]);
      // Element k + 1's call is posted before step k begins (deterministic)...
      for (let k = 0; k + 1 < n; k++) assert.ok(posted[k + 1]! <= steps[k]![0], `call ${k + 1} posted after step ${k}`);
      // ... and the worker's time overlaps the steps (it runs on another thread).
      let overlap = 0;
      for (const c of fn.timings)
        for (const [s, e] of steps) overlap += Math.max(0, Math.min(c.end, e) - Math.max(c.start, s));
      assert.ok(overlap > 0, `no worker time overlapped the steps: ${JSON.stringify(fn.timings)}`);
    } finally {
      await fn.close();
    }
  });

  test('errors name the module and the problem', async () => {
    const failing = workerMap<{ k: number }, number>(fixtures, { exportName: 'fails' });
    try {
      assert.equal(await failing({ k: 0 }), 0);
      await assert.rejects(
        failing({ k: 1 }),
        /worker-map-fixtures\.js, 'fails'\): the map function failed: element 1 is bad/,
      );
      assert.equal(await failing({ k: 2 }), 2);
    } finally {
      await failing.close();
    }
    await assert.rejects(failing({ k: 0 }), /closed/);
    const missing = workerMap(fixtures, { exportName: 'notAFunction' });
    await assert.rejects(missing({ k: 0 }), /no function export 'notAFunction'; its function exports are .*double/);
    await missing.close();
    const badResult = workerMap(fixtures, { exportName: 'returnsAFunction' });
    await assert.rejects(badResult(1), /cannot send function/);
    await badResult.close();
    const fn = workerMap(fixtures);
    assert.throws(() => fn(Symbol('x') as never), /cannot send symbol/);
    await fn.close();
    assert.throws(() => workerMap(fixtures, { worker: 2 } as never), /unknown option `worker`; did you mean `workers`/);
    assert.throws(() => workerMap(fixtures, { workers: 0 }), /workers must be a positive integer/);
    assert.throws(() => workerMap(''), /expected a module path or URL/);
  });
});
