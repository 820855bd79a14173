import { getRandom } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import { Dataset } from '../data/dataset.js';
import type { Nested } from '../layers/graph/nest.js';
import { flattenNested, isPlainRecord } from '../layers/graph/nest.js';
import { isTensor, sampleCount, sliceData, takeData } from './model-data.js';
import type { ClassWeight } from './sample-weights.js';
import { classWeightToSampleWeights } from './sample-weights.js';

/** One batch as the training step sees it: inputs, targets (absent for predict) and sample weights. */
export interface DataBatch {
  x: Nested<Tensor>;
  y: unknown;
  sampleWeight: unknown;
}

/**
 * Where batches come from (Keras's data adapters): in-memory tensors sliced into batches, or a
 * Dataset, iterable, async iterable or generator of ready batches.
 */
export interface BatchSource {
  /** Batches in one pass, when known (null for a generator or a filtered dataset). */
  readonly steps: number | null;
  /** Samples in one pass, when known (in-memory data only). */
  readonly samples: number | null;
  /** Whether every pass can start afresh (false for a generator object, which is consumed once). */
  readonly reiterable: boolean;
  /**
   * A pass over the data. Each element makes its batch when called, so in-memory batches are
   * sliced inside the training step's buffer scope.
   */
  open(): AsyncIterator<BatchMaker>;
  openSync(): Iterator<BatchMaker>;
}

/** Makes one batch when called; `size` is its number of samples when known beforehand. */
export type BatchMaker = (() => DataBatch) & { size?: number };

function withSize(make: () => DataBatch, size: number | undefined): BatchMaker {
  const m = make as BatchMaker;
  if (size !== undefined) m.size = size;
  return m;
}

/** The number of samples in a batch's x, read from its first tensor or array (undefined if unclear). */
function leadingSize(x: unknown): number | undefined {
  if (isTensor(x)) return x.shape[0];
  if (ArrayBuffer.isView(x)) return undefined;
  if (Array.isArray(x))
    return x.length > 0 && (typeof x[0] === 'number' || Array.isArray(x[0])) ? x.length : leadingSize(x[0]);
  if (isPlainRecord(x)) return leadingSize(Object.values(x)[0]);
  return undefined;
}

/** Whether x is a source of batches (Dataset, iterable, async iterable, iterator) rather than data. */
export function isBatchSource(x: unknown): x is Iterable<unknown> | AsyncIterable<unknown> | Iterator<unknown> {
  if (x === null || typeof x !== 'object' || isTensor(x) || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  const o = x as Record<symbol | string, unknown>;
  if (typeof o[Symbol.asyncIterator] === 'function' || typeof o[Symbol.iterator] === 'function') return true;
  return !isPlainRecord(x) && typeof o.next === 'function';
}

/** In-memory tensors in batches of `batchSize`, optionally in a fresh random order at each pass. */
export class ArraySource implements BatchSource {
  readonly steps: number;
  readonly samples: number;
  readonly reiterable = true;

  constructor(
    private readonly x: Nested<Tensor>,
    private readonly y: Nested<Tensor> | undefined,
    private readonly sampleWeight: Nested<Tensor> | undefined,
    private readonly batchSize: number,
    private readonly shuffle: boolean,
    private readonly classWeight: ClassWeight | undefined,
    what: string,
  ) {
    this.samples = sampleCount(x, `${what} (x)`);
    if (y !== undefined) {
      const ny = sampleCount(y, `${what} (y)`);
      if (ny !== this.samples) throw new Error(`${what}: x has ${this.samples} samples but y has ${ny}.`);
    }
    if (sampleWeight !== undefined) {
      // Per-output weights may leave outputs unweighted (null).
      const given = flattenNested(sampleWeight, isTensor);
      const nw = given.length === 0 ? this.samples : sampleCount(given, `${what} (sampleWeight)`);
      if (nw !== this.samples)
        throw new Error(`${what}: x has ${this.samples} samples but sampleWeight has ${nw} weights.`);
    }
    if (classWeight !== undefined && (y === undefined || !isTensor(y)))
      throw new Error(
        `${what}: classWeight is only supported for models with a single output (give y as one tensor), as in Keras.`,
      );
    this.steps = Math.ceil(this.samples / batchSize);
  }

  private *batches(): Generator<BatchMaker> {
    const n = this.samples;
    const order = this.shuffle ? getRandom().permutation(n) : null;
    for (let step = 0; step < this.steps; step++) {
      const start = step * this.batchSize;
      const end = Math.min(n, start + this.batchSize);
      yield withSize(() => {
        const idx = order?.subarray(start, end);
        const pick = (d: Nested<Tensor>): Nested<Tensor> => (idx ? takeData(d, idx) : sliceData(d, start, end - start));
        const y = this.y === undefined ? undefined : pick(this.y);
        let sampleWeight: unknown = this.sampleWeight === undefined ? undefined : pick(this.sampleWeight);
        if (this.classWeight !== undefined) sampleWeight = classWeightToSampleWeights(y as Tensor, this.classWeight);
        return { x: pick(this.x), y, sampleWeight };
      }, end - start);
    }
  }

  open(): AsyncIterator<BatchMaker> {
    const it = this.batches();
    return { next: () => Promise.resolve(it.next()) };
  }

  openSync(): Iterator<BatchMaker> {
    return this.batches();
  }
}

/**
 * Ready batches from a Dataset, an iterable or async iterable, or an iterator (a generator
 * object). Each element is `[x, y]`, `[x, y, sampleWeight]`, `{ x, y, sampleWeight }`, or (for
 * predict) x alone.
 */
export class IterableSource implements BatchSource {
  readonly steps: number | null;
  readonly samples = null;
  readonly reiterable: boolean;
  private readonly opened: Iterator<unknown> | AsyncIterator<unknown> | null = null;

  constructor(
    private readonly source: Iterable<unknown> | AsyncIterable<unknown> | Iterator<unknown>,
    private readonly withTargets: boolean,
    private readonly classWeight: ClassWeight | undefined,
    private readonly what: string,
  ) {
    const card = source instanceof Dataset ? source.cardinality : null;
    this.steps = card !== null && Number.isFinite(card) ? card : null;
    if (classWeight !== undefined && !(source instanceof Dataset))
      throw new Error(
        `${what}: classWeight is not supported for generator or iterable inputs (as in Keras); yield [x, y, sampleWeight] ` +
          `batches instead, or give a data.Dataset.`,
      );
    const o = source as unknown as Record<symbol | string, unknown>;
    // A generator object is its own iterator: it can be read once, not once per epoch.
    if (typeof o[Symbol.asyncIterator] === 'function') {
      const it = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      this.reiterable = (it as unknown) !== source;
      if (!this.reiterable) this.opened = it;
    } else if (typeof o[Symbol.iterator] === 'function') {
      const it = (source as Iterable<unknown>)[Symbol.iterator]();
      this.reiterable = (it as unknown) !== source;
      if (!this.reiterable) this.opened = it;
    } else {
      this.reiterable = false;
      this.opened = source as Iterator<unknown>;
    }
  }

  private unpack(element: unknown, index: number): DataBatch {
    const batch = unpackElement(element, this.withTargets, `${this.what}, batch ${index}`);
    if (this.classWeight !== undefined) {
      if (batch.sampleWeight !== undefined)
        throw new Error(
          `${this.what}: classWeight and sample weights in the batches cannot be used together, as in Keras.`,
        );
      if (!isTensor(batch.y))
        throw new Error(`${this.what}: classWeight is only supported for models with a single output, as in Keras.`);
      batch.sampleWeight = classWeightToSampleWeights(batch.y, this.classWeight);
    }
    return batch;
  }

  open(): AsyncIterator<BatchMaker> {
    const src = this.source as unknown as Record<symbol, unknown>;
    const it: Iterator<unknown> | AsyncIterator<unknown> =
      this.opened ??
      (typeof src[Symbol.asyncIterator] === 'function'
        ? (this.source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
        : (this.source as Iterable<unknown>)[Symbol.iterator]());
    let index = 0;
    return {
      next: async () => {
        const r = await it.next();
        if (r.done) return { done: true, value: undefined };
        const batch = this.unpack(r.value, index++);
        return { done: false, value: withSize(() => batch, leadingSize(batch.x)) };
      },
    };
  }

  openSync(): Iterator<BatchMaker> {
    const src = this.source as unknown as Record<symbol, unknown>;
    let it: Iterator<unknown>;
    const asyncOnly = typeof src[Symbol.iterator] !== 'function' && typeof src[Symbol.asyncIterator] === 'function';
    if (this.opened && !asyncOnly) it = this.opened as Iterator<unknown>;
    else if (!asyncOnly && typeof src[Symbol.iterator] === 'function')
      it = (this.source as Iterable<unknown>)[Symbol.iterator]();
    else
      throw new Error(
        `${this.what}: an async iterable cannot be read synchronously (predict is synchronous, as in Keras); ` +
          'use a Dataset whose stages are synchronous, or collect the batches first.',
      );
    let index = 0;
    return {
      next: () => {
        const r = it.next();
        if (r && typeof (r as unknown as PromiseLike<unknown>).then === 'function')
          throw new Error(`${this.what}: the iterator is asynchronous; predict reads its input synchronously.`);
        if (r.done) return { done: true, value: undefined };
        const batch = this.unpack(r.value, index++);
        return { done: false, value: withSize(() => batch, leadingSize(batch.x)) };
      },
    };
  }
}

/**
 * One element of a batch source, as Keras unpacks them: `[x, y]` / `[x, y, sampleWeight]` or a
 * record `{ x, y, sampleWeight }`; without targets (predict) also a lone x (a tensor or record of inputs).
 */
export function unpackElement(element: unknown, withTargets: boolean, what: string): DataBatch {
  if (Array.isArray(element)) {
    if (element.length >= 1 && element.length <= 3 && (element.length > 1 || !withTargets)) {
      if (withTargets && (element[1] === undefined || element[1] === null))
        throw new Error(`${what}: the batch has no targets (y is ${String(element[1])}).`);
      return { x: element[0] as Nested<Tensor>, y: element[1], sampleWeight: element[2] ?? undefined };
    }
    throw new Error(
      `${what}: expected [x, y] or [x, y, sampleWeight] (or { x, y, sampleWeight }), got an array of ${element.length}.`,
    );
  }
  if (isPlainRecord(element) && Object.hasOwn(element, 'x')) {
    for (const k of Object.keys(element))
      if (!['x', 'y', 'sampleWeight'].includes(k))
        throw new Error(`${what}: unknown key '${k}' in a batch; expected x, y and sampleWeight.`);
    if (withTargets && (element.y === undefined || element.y === null))
      throw new Error(`${what}: the batch has no targets (no y).`);
    return { x: element.x as Nested<Tensor>, y: element.y, sampleWeight: element.sampleWeight ?? undefined };
  }
  if (!withTargets && (isTensor(element) || isPlainRecord(element)))
    return { x: element as Nested<Tensor>, y: undefined, sampleWeight: undefined };
  throw new Error(
    `${what}: expected batches [x, y], [x, y, sampleWeight] or { x, y, sampleWeight }, got ${describe(element)}.`,
  );
}

function describe(v: unknown): string {
  if (isTensor(v)) return `a tensor`;
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return `an object with keys ${Object.keys(v).join(', ')}`;
  return typeof v;
}

/**
 * Keras's EpochIterator: without `steps`, each epoch is one pass (a fresh one each time when the
 * source allows). With `steps`, epochs take that many batches from one iterator that continues
 * across epochs; running out warns (Keras's message) and the next epoch starts a fresh pass. An
 * epoch that gets no batch at all reports it, so the caller can stop instead of logging nothing.
 */
export class EpochIterator {
  private current: AsyncIterator<BatchMaker> | null = null;
  private step = 0;
  /** Batches per epoch once known: `steps`, the source's count, or counted in the first full pass. */
  knownSteps: number | null;

  constructor(
    readonly source: BatchSource,
    readonly stepsPerEpoch: number | undefined,
    private readonly warn: (message: string) => void,
  ) {
    this.knownSteps = stepsPerEpoch ?? source.steps;
  }

  beginEpoch(): void {
    if (this.stepsPerEpoch === undefined || this.current === null) this.current = this.source.open();
    this.step = 0;
  }

  /** The next batch of this epoch, or null at its end. */
  async next(): Promise<BatchMaker | null> {
    if (this.stepsPerEpoch !== undefined && this.step >= this.stepsPerEpoch) return null;
    const r = await this.current!.next();
    if (r.done) {
      this.current = null;
      if (this.stepsPerEpoch !== undefined && this.step > 0)
        this.warn(
          'Your input ran out of data; interrupting training. Make sure that your dataset or generator can generate ' +
            'at least `stepsPerEpoch * epochs` batches. You may need to use the `.repeat()` function when building your dataset.',
        );
      else if (this.step > 0 && this.knownSteps === null) this.knownSteps = this.step;
      return null;
    }
    this.step++;
    return r.value;
  }

  /** Batches read in the current epoch. */
  get stepsSeen(): number {
    return this.step;
  }
}
