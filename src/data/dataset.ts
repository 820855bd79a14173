import { shapeToString, shapesEqual } from '../core/shape.js';
import { Random, getRandom } from '../core/random.js';
import { Tensor } from '../core/tensor.js';
import type { TypedArray } from '../core/dtype.js';
import { tensor } from '../ops/creation.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

/**
 * A pipeline of elements in the manner of tf.data: a source (`fromTensorSlices`, `fromGenerator`)
 * and lazy transformations (`map`, `filter`, `batch`, `shuffle`, `repeat`, `take`, `prefetch`).
 * A dataset can be iterated any number of times; each iteration runs the pipeline afresh (a new
 * shuffle order each time unless `reshuffleEachIteration: false`).
 *
 * It iterates asynchronously (`for await`, what `fit` and `evaluate` use; map functions and
 * generators may be async) and, when every stage is synchronous, also synchronously (`for ... of`,
 * what `predict` uses). In a synchronous iteration an async map function or generator is an error.
 *
 * What overlaps with training: `prefetch(n)` asks for the next n elements before the current one
 * is used, so an element's *asynchronous* work (file or network reads awaited in a map function
 * or generator) proceeds while the training step runs. Synchronous JavaScript work (a map that
 * computes) runs on the one JavaScript thread, between steps, since a training step is
 * synchronous code on that thread. To overlap it, run the map elsewhere and keep calls in flight:
 * `map(data.workerMap(moduleUrl), { numParallelCalls: 2 })` in Node (worker threads); see
 * bench/NOTES.md for the measured figures.
 */
export class Dataset<T = unknown> implements AsyncIterable<T>, Iterable<T> {
  private constructor(
    private readonly openAsync: () => AsyncIterator<T>,
    private readonly openSync: (() => Iterator<T>) | null,
    /** Elements per iteration: a count, Infinity, or null when unknown (after filter, from a generator). */
    readonly cardinality: number | null,
    /**
     * Whether every stage is known to be synchronous (slices through batch, shuffle, repeat, take,
     * prefetch; not a user's map, filter or generator, which may be async), so a parallel map
     * can read it synchronously.
     */
    private readonly knownSync = false,
  ) {}

  /**
   * One element per row of `data` (a tensor, nested arrays, a typed array given with `shape`, or
   * an array/record of those, all with the same number of rows), as `tf.data.Dataset.from_tensor_slices`.
   */
  static fromTensorSlices<D>(data: D): Dataset<Sliced<D>> {
    const tensors = mapLeaves(data, (v, path) => toTensor(v, path));
    const leaves: Tensor[] = [];
    mapLeaves(tensors, (t) => (leaves.push(t as Tensor), t));
    if (leaves.length === 0) throw new Error('Dataset.fromTensorSlices: no tensors in the data.');
    const n = leaves[0]!.rank === 0 ? -1 : leaves[0]!.shape[0]!;
    for (const t of leaves)
      if (t.rank === 0 || t.shape[0] !== n)
        throw new Error(
          `Dataset.fromTensorSlices: every tensor needs the same first dimension (the rows), got shapes ` +
            `${leaves.map((l) => shapeToString(l.shape)).join(', ')}.`,
        );
    const row = (i: number): Sliced<D> => mapLeaves(tensors, (t) => rowOf(t as Tensor, i)) as Sliced<D>;
    function* rows(): Generator<Sliced<D>> {
      for (let i = 0; i < n; i++) yield row(i);
    }
    return new Dataset(
      () => toAsync(rows()),
      () => rows(),
      n,
      true,
    );
  }

  /**
   * Elements from a generator function (sync or async; called afresh for every iteration, so the
   * dataset can be repeated), as `tf.data.Dataset.from_generator`.
   */
  static fromGenerator<E>(
    generator: () => Iterator<E> | AsyncIterator<E> | Iterable<E> | AsyncIterable<E>,
  ): Dataset<E> {
    if (typeof generator !== 'function')
      throw new Error(
        `Dataset.fromGenerator: expected a function that returns an iterator (e.g. function* () {...}), got ${typeof generator}.`,
      );
    const open = (): Iterator<E> | AsyncIterator<E> => {
      const g = generator();
      if (g && typeof (g as AsyncIterable<E>)[Symbol.asyncIterator] === 'function')
        return (g as AsyncIterable<E>)[Symbol.asyncIterator]();
      if (g && typeof (g as Iterable<E>)[Symbol.iterator] === 'function') return (g as Iterable<E>)[Symbol.iterator]();
      if (g && typeof (g as Iterator<E>).next === 'function') return g as Iterator<E>;
      throw new Error(`Dataset.fromGenerator: the function returned ${String(g)}, not an iterator.`);
    };
    return new Dataset(
      () => {
        const it = open();
        return { next: async () => await it.next() } as AsyncIterator<E>;
      },
      () => {
        const it = open();
        return {
          next: () => {
            const r = it.next();
            if (isThenable(r))
              throw new Error(
                'Dataset.fromGenerator: the generator is async, so this dataset can only be iterated with for await ' +
                  '(fit and evaluate do; predict is synchronous).',
              );
            return r;
          },
        };
      },
      null,
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.openAsync();
  }

  [Symbol.iterator](): Iterator<T> {
    if (!this.openSync)
      throw new Error(
        'Dataset: this pipeline has an asynchronous stage, so it can only be iterated with for await ' +
          '(fit and evaluate do; predict is synchronous).',
      );
    return this.openSync();
  }

  private derive<U>(
    syncStage: ((src: Iterable<T>) => Iterator<U>) | null,
    asyncStage: (src: AsyncIterable<T>) => AsyncIterator<U>,
    cardinality: number | null,
    keepsSync = false,
  ): Dataset<U> {
    const openSync = this.openSync;
    return new Dataset<U>(
      () => asyncStage(this),
      openSync && syncStage ? () => syncStage({ [Symbol.iterator]: openSync }) : null,
      cardinality,
      keepsSync && this.knownSync,
    );
  }

  /**
   * Each element through `fn` (which may be async; an async fn makes the dataset async-only when
   * it returns a Promise). With `numParallelCalls: n` (tf.data's `num_parallel_calls`), up to n
   * calls are in flight at once in asynchronous iteration, and each is started as soon as a slot
   * frees (synchronously, when the stages before are synchronous), so work an async `fn` hands
   * elsewhere (a worker thread: `data.workerMap` in Node) runs while the consumer trains. The
   * output order is the input order (tf.data's `deterministic: true`).
   */
  map<U>(fn: (element: T) => U | Promise<U>, options: MapOptions = {}): Dataset<U> {
    if (typeof fn !== 'function') throw new Error(`Dataset.map: expected a function, got ${typeof fn}.`);
    checkOptionNames('Dataset.map', options, MAP_OPTION_NAMES);
    const parallel = options.numParallelCalls;
    if (parallel !== undefined && (!Number.isInteger(parallel) || parallel <= 0))
      throw new Error(`Dataset.map: numParallelCalls must be a positive integer, got ${String(parallel)}.`);
    const readSync = this.knownSync ? this.openSync : null;
    return this.derive<U>(
      function* (src) {
        for (const e of src) {
          const r = fn(e);
          if (isThenable(r))
            throw new Error(
              'Dataset.map: the function returned a Promise, so this dataset can only be iterated with for await ' +
                '(fit and evaluate do; predict is synchronous).',
            );
          yield r as U;
        }
      },
      parallel === undefined
        ? async function* (src) {
            for await (const e of src) yield await fn(e);
          }
        : (src) => parallelMapIterator(readSync ? readSync() : src[Symbol.asyncIterator](), fn, parallel),
      this.cardinality,
    );
  }

  /** The elements for which `predicate` is true (it may return a boolean tensor of one element). */
  filter(predicate: (element: T) => boolean | Tensor | Promise<boolean | Tensor>): Dataset<T> {
    if (typeof predicate !== 'function')
      throw new Error(`Dataset.filter: expected a function, got ${typeof predicate}.`);
    const truth = (v: unknown): boolean => {
      if (v instanceof Tensor) {
        if (v.size !== 1)
          throw new Error(
            `Dataset.filter: the predicate returned a tensor of shape ${shapeToString(v.shape)}, expected one value.`,
          );
        return v.item() !== 0;
      }
      if (typeof v !== 'boolean')
        throw new Error(`Dataset.filter: the predicate must return a boolean, got ${typeof v}.`);
      return v;
    };
    return this.derive<T>(
      function* (src) {
        for (const e of src) {
          const r = predicate(e);
          if (isThenable(r))
            throw new Error(
              'Dataset.filter: the predicate returned a Promise; iterate with for await (fit and evaluate do).',
            );
          if (truth(r)) yield e;
        }
      },
      async function* (src) {
        for await (const e of src) if (truth(await predicate(e))) yield e;
      },
      this.cardinality === Infinity ? Infinity : null,
    );
  }

  /**
   * Consecutive elements stacked into batches of `batchSize` (each tensor gains a leading axis;
   * numbers become 1-D tensors); the last batch may be smaller unless `dropRemainder`.
   */
  batch(batchSize: number, options: BatchOptions = {}): Dataset<Batched<T>> {
    checkOptionNames('Dataset.batch', options, BATCH_OPTION_NAMES);
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new Error(`Dataset.batch: batchSize must be a positive integer, got ${batchSize}.`);
    const drop = options.dropRemainder ?? false;
    const c = this.cardinality;
    const card = c === null || c === Infinity ? c : drop ? Math.floor(c / batchSize) : Math.ceil(c / batchSize);
    return this.derive<Batched<T>>(
      function* (src) {
        let buf: T[] = [];
        for (const e of src) {
          buf.push(e);
          if (buf.length === batchSize) {
            yield stackElements(buf);
            buf = [];
          }
        }
        if (buf.length > 0 && !drop) yield stackElements(buf);
      },
      async function* (src) {
        let buf: T[] = [];
        for await (const e of src) {
          buf.push(e);
          if (buf.length === batchSize) {
            yield stackElements(buf);
            buf = [];
          }
        }
        if (buf.length > 0 && !drop) yield stackElements(buf);
      },
      card,
      true,
    );
  }

  /**
   * Shuffles with a buffer of `bufferSize` elements, as tf.data does: the buffer fills with the
   * first elements, then each output is a random element of the buffer, replaced by the next
   * input. A buffer at least the dataset's size gives a uniform shuffle. Draws come from `seed`,
   * else from deepscript's seeded generator (`setRandomSeed`).
   */
  shuffle(bufferSize: number, options: ShuffleOptions = {}): Dataset<T> {
    checkOptionNames('Dataset.shuffle', options, SHUFFLE_OPTION_NAMES);
    if (!Number.isInteger(bufferSize) || bufferSize <= 0)
      throw new Error(`Dataset.shuffle: bufferSize must be a positive integer, got ${bufferSize}.`);
    if (options.seed !== undefined && !Number.isInteger(options.seed))
      throw new Error(`Dataset.shuffle: seed must be an integer, got ${options.seed}.`);
    const reshuffle = options.reshuffleEachIteration ?? true;
    const seeds = options.seed === undefined ? null : new Random(options.seed);
    const firstSeed = options.seed;
    const nextRandom = (): Random => {
      if (!reshuffle) return new Random(firstSeed ?? fixedSeed());
      return new Random(seeds ? seeds.nextUint32() : getRandom().nextUint32());
    };
    let fixed: number | null = null;
    const fixedSeed = (): number => (fixed ??= getRandom().nextUint32());
    return this.derive<T>(
      function* (src) {
        const rng = nextRandom();
        const buf: T[] = [];
        for (const e of src) {
          if (buf.length < bufferSize) {
            buf.push(e);
            continue;
          }
          const j = rng.int(buf.length);
          const out = buf[j]!;
          buf[j] = e;
          yield out;
        }
        while (buf.length > 0) {
          const j = rng.int(buf.length);
          const out = buf[j]!;
          buf[j] = buf[buf.length - 1]!;
          buf.pop();
          yield out;
        }
      },
      async function* (src) {
        const rng = nextRandom();
        const buf: T[] = [];
        for await (const e of src) {
          if (buf.length < bufferSize) {
            buf.push(e);
            continue;
          }
          const j = rng.int(buf.length);
          const out = buf[j]!;
          buf[j] = e;
          yield out;
        }
        while (buf.length > 0) {
          const j = rng.int(buf.length);
          const out = buf[j]!;
          buf[j] = buf[buf.length - 1]!;
          buf.pop();
          yield out;
        }
      },
      this.cardinality,
      true,
    );
  }

  /** The dataset `count` times over (forever without a count), each pass a fresh iteration. */
  repeat(count?: number): Dataset<T> {
    if (count !== undefined && (!Number.isInteger(count) || count < 0))
      throw new Error(`Dataset.repeat: count must be a non-negative integer (or omitted for forever), got ${count}.`);
    const times = count ?? Infinity;
    const c = this.cardinality;
    const card = times === 0 || c === 0 ? 0 : c === null ? (times === Infinity ? Infinity : null) : c * times;
    return this.derive<T>(
      function* (src) {
        for (let k = 0; k < times; k++) {
          let any = false;
          for (const e of src) {
            any = true;
            yield e;
          }
          if (!any) return; // an empty pass would loop forever
        }
      },
      async function* (src) {
        for (let k = 0; k < times; k++) {
          let any = false;
          for await (const e of src) {
            any = true;
            yield e;
          }
          if (!any) return;
        }
      },
      card,
      true,
    );
  }

  /** At most the first `count` elements. */
  take(count: number): Dataset<T> {
    if (!Number.isInteger(count) || count < 0)
      throw new Error(`Dataset.take: count must be a non-negative integer, got ${count}.`);
    const c = this.cardinality;
    return this.derive<T>(
      function* (src) {
        if (count === 0) return;
        let k = 0;
        for (const e of src) {
          yield e;
          if (++k >= count) return;
        }
      },
      async function* (src) {
        if (count === 0) return;
        let k = 0;
        for await (const e of src) {
          yield e;
          if (++k >= count) return;
        }
      },
      c === null ? (count === 0 ? 0 : null) : Math.min(c, count),
      true,
    );
  }

  /**
   * Requests up to `bufferSize` elements ahead of the one being used (asynchronous iteration),
   * so their asynchronous work runs while the consumer works. Synchronous iteration reads one
   * element at a time (nothing could run meanwhile).
   */
  prefetch(bufferSize = 1): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 0)
      throw new Error(`Dataset.prefetch: bufferSize must be a non-negative integer, got ${bufferSize}.`);
    return this.derive<T>(
      (src) => src[Symbol.iterator](),
      (src) => prefetchIterator(src[Symbol.asyncIterator](), bufferSize),
      this.cardinality,
      true,
    );
  }

  /** Every element, in order (reads the whole dataset). */
  async toArray(): Promise<T[]> {
    if (this.cardinality === Infinity)
      throw new Error('Dataset.toArray: the dataset is infinite (repeat without a count).');
    const out: T[] = [];
    for await (const e of this) out.push(e);
    return out;
  }
}

export interface MapOptions {
  /** Calls of the map function in flight at once (asynchronous iteration); default: one after another. */
  numParallelCalls?: number;
}
const MAP_OPTION_NAMES = optionNames<MapOptions>()(['numParallelCalls']);

export interface BatchOptions {
  /** Drop a last batch smaller than batchSize (default false). */
  dropRemainder?: boolean;
}
const BATCH_OPTION_NAMES = optionNames<BatchOptions>()(['dropRemainder']);

export interface ShuffleOptions {
  /** A seed for this shuffle's draws (default: deepscript's seeded generator). */
  seed?: number;
  /** A different order at each iteration (each epoch), default true, as tf.data. */
  reshuffleEachIteration?: boolean;
}
const SHUFFLE_OPTION_NAMES = optionNames<ShuffleOptions>()(['seed', 'reshuffleEachIteration']);

/** The element type of `fromTensorSlices(data)`: tensors (one row each) in data's structure. */
export type Sliced<D> = D extends Tensor | TypedArray | readonly (number | boolean | readonly unknown[])[]
  ? Tensor
  : D extends readonly unknown[]
    ? { [K in keyof D]: Sliced<D[K]> }
    : D extends object
      ? { [K in keyof D]: Sliced<D[K]> }
      : Tensor;

/** The element type after `batch`: every tensor or number becomes a tensor with a batch axis. */
export type Batched<T> = T extends Tensor | number | boolean
  ? Tensor
  : T extends readonly unknown[]
    ? { [K in keyof T]: Batched<T[K]> }
    : T extends object
      ? { [K in keyof T]: Batched<T[K]> }
      : T;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as PromiseLike<unknown>).then === 'function'
  );
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null &&
  typeof v === 'object' &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** Numbers, booleans and nested arrays of them (one leaf of data). */
const isNumericNested = (v: unknown): boolean =>
  typeof v === 'number' || typeof v === 'boolean' || (Array.isArray(v) && v.every(isNumericNested));

/** Maps the data leaves (tensors, numbers, nested number arrays, typed arrays) inside arrays and plain records. */
function mapLeaves(v: unknown, fn: (leaf: unknown, path: string) => unknown, path = ''): unknown {
  if (v instanceof Tensor || ArrayBuffer.isView(v) || typeof v === 'number' || typeof v === 'boolean')
    return fn(v, path);
  if (Array.isArray(v)) {
    if (v.length === 0 || isNumericNested(v)) return fn(v, path);
    return v.map((e, i) => mapLeaves(e, fn, `${path}[${i}]`));
  }
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = mapLeaves(e, fn, path ? `${path}.${k}` : k);
    return out;
  }
  throw new Error(
    `Dataset: unsupported value${path ? ` at ${path}` : ''}: ${String(v)} (expected tensors, numbers, arrays or records).`,
  );
}

function toTensor(v: unknown, path: string): Tensor {
  if (v instanceof Tensor) return v;
  try {
    if (typeof v === 'number' || typeof v === 'boolean') return tensor([v as number], [1], 'float32');
    if (ArrayBuffer.isView(v)) return tensor(v as TypedArray);
    return tensor(v as number[], undefined, 'float32');
  } catch (e) {
    throw new Error(
      `Dataset.fromTensorSlices${path ? ` (${path})` : ''}: ${(e as Error).message.replace(/^tensor\(\): /, '')}`,
    );
  }
}

/** Row i of t, as its own tensor (a copy of the row's values). */
function rowOf(t: Tensor, i: number): Tensor {
  const rowShape = t.shape.slice(1);
  const size = t.shape[0] === 0 ? 0 : t.size / t.shape[0]!;
  return new Tensor(t.data.slice(i * size, (i + 1) * size) as TypedArray, rowShape, t.dtype);
}

/** Stacks elements of the same structure: tensor leaves gain a leading axis, numbers become a 1-D tensor. */
function stackElements<T>(elements: readonly T[]): Batched<T> {
  const first = elements[0];
  const stackAt = (get: (e: unknown) => unknown, path: string, sample: unknown): unknown => {
    if (sample instanceof Tensor) {
      const parts = elements.map((e, k) => {
        const t = get(e);
        if (!(t instanceof Tensor) || !shapesEqual(t.shape, sample.shape) || t.dtype !== sample.dtype)
          throw new Error(
            `Dataset.batch: element ${k}${path ? ` (${path})` : ''} is ${t instanceof Tensor ? `a ${t.dtype} tensor ${shapeToString(t.shape)}` : String(t)}, ` +
              `but element 0 is a ${sample.dtype} tensor ${shapeToString(sample.shape)}; batched elements must match.`,
          );
        return t;
      });
      const data = new (sample.data.constructor as new (n: number) => TypedArray)(sample.size * parts.length);
      parts.forEach((p, k) => data.set(p.data as ArrayLike<number>, k * sample.size));
      return new Tensor(data, [parts.length, ...sample.shape], sample.dtype);
    }
    if (typeof sample === 'number' || typeof sample === 'boolean') {
      const data = new Float32Array(elements.length);
      elements.forEach((e, k) => {
        const v = get(e);
        if (typeof v !== 'number' && typeof v !== 'boolean')
          throw new Error(
            `Dataset.batch: element ${k}${path ? ` (${path})` : ''} is ${String(v)}, but element 0 is a number.`,
          );
        data[k] = Number(v);
      });
      return new Tensor(data, [elements.length], 'float32');
    }
    if (Array.isArray(sample))
      return sample.map((s, i) =>
        stackAt(
          (e) => {
            const a = get(e);
            if (!Array.isArray(a) || a.length !== sample.length)
              throw new Error(`Dataset.batch: element structures differ${path ? ` at ${path}` : ''}.`);
            return a[i];
          },
          `${path}[${i}]`,
          s,
        ),
      );
    if (isPlainObject(sample)) {
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(sample))
        out[k] = stackAt(
          (e) => {
            const r = get(e);
            if (!isPlainObject(r) || !Object.hasOwn(r, k))
              throw new Error(`Dataset.batch: element structures differ${path ? ` at ${path}` : ''} (no key '${k}').`);
            return r[k];
          },
          path ? `${path}.${k}` : k,
          s,
        );
      return out;
    }
    throw new Error(
      `Dataset.batch: cannot batch ${String(sample)}${path ? ` at ${path}` : ''}; elements must hold tensors or numbers.`,
    );
  };
  return stackAt((e) => e, '', first) as Batched<T>;
}

function toAsync<E>(it: Iterator<E>): AsyncIterator<E> {
  return { next: () => Promise.resolve(it.next()) };
}

/**
 * Keeps up to `size` calls of `fn` running on elements of `src`, results in input order. A new
 * call starts as soon as one is taken, before the consumer gets its element, so the calls overlap
 * whatever the consumer does next. A synchronous source is read synchronously, so a call starts
 * without waiting for a microtask turn (which a synchronous training step would not give).
 */
function parallelMapIterator<T, U>(
  src: Iterator<T> | AsyncIterator<T>,
  fn: (element: T) => U | Promise<U>,
  size: number,
): AsyncIterator<U> {
  const inFlight: Promise<IteratorResult<U>>[] = [];
  const push = (p: Promise<IteratorResult<U>>): void => {
    // A call may fail before the consumer awaits it; the failure is reported when it is awaited.
    p.catch(() => undefined);
    inFlight.push(p);
  };
  let exhausted = false;
  const call = (e: T): Promise<IteratorResult<U>> => {
    try {
      return Promise.resolve(fn(e)).then((value) => ({ done: false, value }));
    } catch (err) {
      return Promise.reject(err);
    }
  };
  const launch = (): void => {
    while (!exhausted && inFlight.length < size) {
      let r: IteratorResult<T> | Promise<IteratorResult<T>>;
      try {
        r = src.next();
      } catch (err) {
        exhausted = true;
        push(Promise.reject(err));
        return;
      }
      if (isThenable(r)) {
        push(
          Promise.resolve(r).then((a): Promise<IteratorResult<U>> | IteratorResult<U> => {
            if (!a.done) return call(a.value);
            exhausted = true;
            return { done: true, value: undefined };
          }),
        );
      } else if (r.done) exhausted = true;
      else push(call(r.value));
    }
  };
  return {
    next: async () => {
      launch();
      const head = inFlight.shift();
      if (head === undefined) return { done: true, value: undefined };
      const r = await head;
      if (r.done) {
        exhausted = true;
        inFlight.length = 0;
        return r;
      }
      launch();
      return r;
    },
  };
}

function prefetchIterator<E>(src: AsyncIterator<E>, size: number): AsyncIterator<E> {
  if (size === 0) return src;
  const queue: Promise<IteratorResult<E>>[] = [];
  let done = false;
  const fill = (): void => {
    while (!done && queue.length < size) {
      const p = src.next();
      queue.push(p);
      // Stop asking once the source says it is done (results keep their order).
      p.then(
        (r) => {
          if (r.done) done = true;
        },
        () => (done = true),
      );
    }
  };
  return {
    next: async () => {
      fill();
      const r = await queue.shift()!;
      if (!r.done) fill();
      return r;
    },
  };
}
