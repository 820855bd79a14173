import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { Sequential } from '../src/models/sequential.js';
import { Dense } from '../src/layers/dense.js';
import { Callback } from '../src/callbacks/callback.js';
import { randomNormal, tensor } from '../src/ops/creation.js';
import { setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { toCategorical } from '../src/utils/to-categorical.js';
import { SGD } from '../src/optimizers/sgd.js';
import { Dataset } from '../src/data/dataset.js';

function blobs(n: number, seed: number): [Tensor, Tensor] {
  setRandomSeed(seed);
  const x = randomNormal([n, 4]);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    x.data[i * 4 + (i % 3)]! += 3;
  }
  return [x, toCategorical(tensor(labels, [n]), 3)];
}

function mlp(): Sequential {
  setRandomSeed(1);
  const m = new Sequential([
    new Dense(8, { inputDim: 4, activation: 'relu' }),
    new Dense(3, { activation: 'softmax' }),
  ]);
  m.compile({ loss: 'categorical_crossentropy', optimizer: new SGD({ learningRate: 0.1 }), metrics: ['accuracy'] });
  return m;
}

const rows = (t: Tensor): number[][] => t.toArray() as number[][];

/** Captures console.warn while fn runs. */
async function warnings(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void seen.push(a.join(' '));
  try {
    await fn();
  } finally {
    console.warn = orig;
  }
  return seen;
}

describe('data.Dataset', () => {
  test('fromTensorSlices gives rows; batch stacks them (the last batch smaller unless dropRemainder)', () => {
    const ds = Dataset.fromTensorSlices({
      a: tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      b: [7, 8, 9],
    });
    assert.equal(ds.cardinality, 3);
    const els = [...ds];
    assert.deepEqual(els[1]!.a.toArray(), [3, 4]);
    assert.deepEqual(els[2]!.b.toArray(), 9);
    const batches = [...ds.batch(2)];
    assert.deepEqual(rows(batches[0]!.a), [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(batches[1]!.b.toArray(), [9]);
    assert.equal(ds.batch(2).cardinality, 2);
    assert.equal([...ds.batch(2, { dropRemainder: true })].length, 1);
    assert.throws(() => Dataset.fromTensorSlices([tensor([1, 2]), tensor([1, 2, 3])]), /same first dimension/);
    assert.throws(() => ds.batch(2, { dropRemainders: true } as object), /dropRemainders.*dropRemainder/);
  });

  test('map, filter, take, repeat; numbers batch into 1-D tensors', async () => {
    const ds = Dataset.fromGenerator(function* () {
      for (let i = 0; i < 6; i++) yield i;
    });
    assert.equal(ds.cardinality, null);
    const evens = ds.filter((v) => v % 2 === 0).map((v) => v * 10);
    assert.deepEqual([...evens], [0, 20, 40]);
    assert.deepEqual([...evens.repeat(2).take(5)], [0, 20, 40, 0, 20]);
    assert.deepEqual(
      [...ds.batch(4)].map((t) => t.toArray()),
      [
        [0, 1, 2, 3],
        [4, 5],
      ],
    );
    assert.deepEqual(await evens.toArray(), [0, 20, 40]);
    assert.equal(Dataset.fromTensorSlices([1, 2, 3]).repeat(3).cardinality, 9);
    assert.equal(Dataset.fromTensorSlices([1, 2, 3]).repeat().cardinality, Infinity);
  });

  test('shuffle: a permutation, repeatable with a seed, different at each iteration', () => {
    const ds = Dataset.fromTensorSlices(Array.from({ length: 50 }, (_, i) => i));
    const order = (d: Dataset<Tensor>): number[] => [...d].map((t) => t.item());
    const s = ds.shuffle(50, { seed: 3 });
    const first = order(s);
    const second = order(s);
    assert.deepEqual(
      [...first].sort((a, b) => a - b),
      order(ds),
    );
    assert.notDeepEqual(first, order(ds));
    assert.notDeepEqual(first, second); // reshuffled
    assert.deepEqual(order(ds.shuffle(50, { seed: 3 })), first); // same seed, same first order
    const fixed = ds.shuffle(50, { seed: 3, reshuffleEachIteration: false });
    assert.deepEqual(order(fixed), order(fixed));
    // A buffer of 1 cannot reorder anything; a small buffer only moves elements forward so far.
    assert.deepEqual(order(ds.shuffle(1, { seed: 1 })), order(ds));
    const local = order(ds.shuffle(5, { seed: 2 }));
    local.forEach((v, i) => assert.ok(v <= i + 4, `element ${v} came out at ${i}`));
  });

  test('async map and async generators iterate with for await; synchronous iteration refuses them', async () => {
    const ds = Dataset.fromTensorSlices([1, 2, 3]).map(async (t) => {
      await new Promise((r) => setTimeout(r, 1));
      return t.item() * 2;
    });
    const out: number[] = [];
    for await (const v of ds.prefetch(2)) out.push(v);
    assert.deepEqual(out, [2, 4, 6]);
    assert.throws(() => [...ds], /returned a Promise/);
    const agen = Dataset.fromGenerator(async function* () {
      yield 1;
      yield 2;
    });
    assert.deepEqual(await agen.toArray(), [1, 2]);
    assert.throws(() => [...agen], /async/);
  });

  test('prefetch asks for the next elements while the consumer is busy (async work overlaps)', async () => {
    const started: number[] = [];
    const ds = Dataset.fromTensorSlices([0, 1, 2, 3]).map(async (t) => {
      started.push(t.item());
      await new Promise((r) => setTimeout(r, 5));
      return t.item();
    });
    const seenAtFirst: number[][] = [];
    for await (const v of ds.prefetch(2)) {
      if (v === 0) {
        await new Promise((r) => setTimeout(r, 20)); // the consumer's own work
        seenAtFirst.push([...started]);
      }
    }
    assert.deepEqual(seenAtFirst[0], [0, 1, 2]); // 1 and 2 were requested while 0 was in use
    const plain: number[][] = [];
    started.length = 0;
    for await (const v of ds) {
      if (v === 0) {
        await new Promise((r) => setTimeout(r, 20));
        plain.push([...started]);
      }
    }
    assert.deepEqual(plain[0], [0]);
  });
});

describe('fit, evaluate and predict on any input', () => {
  test('nested JS arrays and typed arrays train exactly as tensors do', async () => {
    const [x, y] = blobs(30, 2);
    const args = { epochs: 2, batchSize: 8, verbose: 0 as const, shuffle: false };
    const a = await mlp().fit(x, y, args);
    const b = await mlp().fit(x.toArray() as number[][], y.toArray() as number[][], args);
    const c = await mlp().fit(new Float32Array(x.data), y.toArray() as number[][], args);
    assert.deepEqual(b.history, a.history);
    assert.deepEqual(c.history, a.history);
    const m = mlp();
    assert.deepEqual(rows(m.predict(x.toArray() as number[][])), rows(m.predict(x)));
  });

  test('shape errors name the input and the shapes expected and got', async () => {
    const m = mlp();
    await assert.rejects(
      m.fit([[1, 2, 3]], [[1, 0, 0]], { verbose: 0 }),
      /'dense_\d+_input' got nested arrays of shape \(1, 3\) \(the model expects \(None, 4\)\)/,
    );
    await assert.rejects(
      m.fit(
        [
          [1, 2, 3, 4],
          [1, 2],
        ],
        [[1, 0, 0]],
        { verbose: 0 },
      ),
      /'dense_\d+_input': ragged nested array/,
    );
    await assert.rejects(
      m.fit(new Float32Array(10), [[1, 0, 0]], { verbose: 0 }),
      /typed array of 10 values, which is not a whole number of samples of shape \(4,\)/,
    );
    await assert.rejects(m.fit([['a', 1, 2, 3]] as unknown as number[][], [[1, 0, 0]], { verbose: 0 }), /'a'/);
  });

  test('fit on a Dataset equals fit on the same batches in memory; evaluate and predict agree', async () => {
    const [x, y] = blobs(30, 3);
    const a = await mlp().fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, shuffle: false });
    const ds = Dataset.fromTensorSlices([x, y]).batch(8).prefetch(2);
    const m = mlp();
    const b = await m.fit(ds, { epochs: 3, verbose: 0 });
    assert.deepEqual(b.history, a.history);
    assert.deepEqual(await m.evaluate(ds, { verbose: 0 }), await m.evaluate(x, y, { verbose: 0, batchSize: 8 }));
    assert.deepEqual(rows(m.predict(Dataset.fromTensorSlices(x).batch(7))), rows(m.predict(x)));
    assert.deepEqual(rows(m.predict(ds)), rows(m.predict(x))); // [x, y] batches: y is ignored
    const recs = Dataset.fromTensorSlices({ x, y }).batch(8);
    const c = await mlp().fit(recs, { epochs: 3, verbose: 0 });
    assert.deepEqual(c.history, a.history);
  });

  test('a generator object with stepsPerEpoch: one iterator continues across epochs', async () => {
    const [x, y] = blobs(32, 4);
    let pulled = 0;
    function* batches(): Generator<[Tensor, Tensor]> {
      for (;;) {
        const i = pulled++ % 4;
        yield [x.slice([i * 8], [8]), y.slice([i * 8], [8])];
      }
    }
    const steps: number[] = [];
    class Count extends Callback {
      override onEpochEnd(): void {
        steps.push(pulled);
      }
    }
    const h = await mlp().fit(batches(), { epochs: 3, stepsPerEpoch: 3, verbose: 0, callbacks: [new Count()] });
    assert.deepEqual(steps, [3, 6, 9]);
    assert.equal(h.history['loss']!.length, 3);
  });

  test('running out of data warns as Keras does; a consumed generator stops training', async () => {
    const [x, y] = blobs(16, 5);
    function* twice(): Generator<[Tensor, Tensor]> {
      yield [x.slice([0], [8]), y.slice([0], [8])];
      yield [x.slice([8], [8]), y.slice([8], [8])];
    }
    let h: Awaited<ReturnType<Sequential['fit']>> | null = null;
    const w = await warnings(async () => {
      h = await mlp().fit(twice(), { epochs: 3, stepsPerEpoch: 3, verbose: 0 });
    });
    assert.ok(
      w.some((m) => m.includes('Your input ran out of data')),
      w.join('\n'),
    );
    assert.equal(h!.history['loss']!.length, 1);
    const w2 = await warnings(async () => {
      h = await mlp().fit(twice(), { epochs: 3, verbose: 0 });
    });
    assert.ok(
      w2.some((m) => m.includes('epoch 2 got no batches')),
      w2.join('\n'),
    );
    assert.equal(h!.history['loss']!.length, 1);
    // A Dataset is iterated afresh each epoch, so it needs no stepsPerEpoch.
    const ds = Dataset.fromGenerator(twice);
    const h3 = await mlp().fit(ds, { epochs: 3, verbose: 0 });
    assert.equal(h3.history['loss']!.length, 3);
  });

  test('async iterables of batches, validation from a Dataset with validationSteps, progress with unknown steps', async () => {
    const [x, y] = blobs(24, 6);
    async function* gen(): AsyncGenerator<{ x: Tensor; y: Tensor }> {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 1));
        yield { x: x.slice([i * 8], [8]), y: y.slice([i * 8], [8]) };
      }
    }
    const asyncIterable = { [Symbol.asyncIterator]: gen };
    const val = Dataset.fromTensorSlices([x, y]).batch(8).repeat();
    const m = mlp();
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
    let h;
    try {
      h = await m.fit(asyncIterable, { epochs: 2, verbose: 2, validationData: val, validationSteps: 1 });
    } finally {
      process.stdout.write = write;
    }
    assert.equal(h.history['loss']!.length, 2);
    // validationSteps: 1 from one iterator that continues: epoch 2 validates on the second batch.
    const [vl] = await m.evaluate(x.slice([8], [8]), y.slice([8], [8]), { verbose: 0 });
    assert.ok(Math.abs(h.history['val_loss']![1]! - vl!) < 1e-6);
    assert.ok(
      lines.some((l) => l.startsWith('3/Unknown')),
      lines.join(''),
    );
  });

  test('batches of plain JS arrays are converted; predict reads sync generators and refuses async ones', async () => {
    const [x, y] = blobs(16, 8);
    const xs = x.toArray() as number[][];
    const ys = y.toArray() as number[][];
    function* jsBatches(): Generator<[number[][], number[][]]> {
      yield [xs.slice(0, 8), ys.slice(0, 8)];
      yield [xs.slice(8), ys.slice(8)];
    }
    const a = await mlp().fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    const m = mlp();
    const b = await m.fit(jsBatches(), { epochs: 1, verbose: 0 });
    assert.deepEqual(b.history, a.history);
    function* inputsOnly(): Generator<Tensor> {
      yield x.slice([0], [8]);
      yield x.slice([8], [8]);
    }
    assert.deepEqual(rows(m.predict(inputsOnly())), rows(m.predict(x)));
    assert.equal(m.predict<Tensor>(Dataset.fromTensorSlices(x).batch(4), { steps: 2 }).shape[0], 8);
    async function* later(): AsyncGenerator<Tensor> {
      yield x;
    }
    assert.throws(() => m.predict(later()), /cannot be read synchronously/);
    await assert.rejects(
      m.fit(
        (function* () {
          yield [[[1, 2, 3]], [[1, 0, 0]]];
        })(),
        { verbose: 0 },
      ),
      /fit, batch 0 \(x\): 'dense_\d+_input' got nested arrays of shape \(1, 3\)/,
    );
  });

  test('options that do not apply to a dataset are refused, naming them', async () => {
    const [x, y] = blobs(8, 7);
    const ds = Dataset.fromTensorSlices([x, y]).batch(4);
    const m = mlp();
    await assert.rejects(m.fit(ds, y, { verbose: 0 }), /y must not be given/);
    await assert.rejects(m.fit(ds, { batchSize: 4, verbose: 0 }), /batchSize must not be given/);
    await assert.rejects(m.fit(ds, { shuffle: true, verbose: 0 }), /use dataset.shuffle/);
    await assert.rejects(m.fit(ds, { validationSplit: 0.2, verbose: 0 }), /validationSplit is only supported/);
    await assert.rejects(m.fit(ds, { stepsPerEpoc: 2, verbose: 0 } as object), /stepsPerEpoc.*stepsPerEpoch/);
    await assert.rejects(m.fit(Dataset.fromTensorSlices([1, 2]).batch(2), { verbose: 0 }), /expected batches \[x, y\]/);
  });
});
