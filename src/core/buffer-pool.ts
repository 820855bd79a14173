import type { DType, TypedArray } from './dtype.js';

/**
 * Reuse of large intermediate arrays across training steps.
 *
 * A fresh multi-megabyte typed array costs page faults and zeroing, and its death costs garbage
 * collection; a training step allocates the same sizes every time. Inside a `bufferScope`,
 * `allocate` (and `allocateUninitialized`) records every large array it hands out and serves
 * requests from a free list. When the scope ends, each recorded array whose ArrayBuffer is not
 * reachable from the scope's roots (the model, its optimizer, the step's result) goes back to the
 * free list. Reachability is a conservative walk over plain object graphs, so lazily built weights,
 * optimizer slots and views that share a buffer with a survivor are all kept.
 *
 * The rule for user code (custom losses, custom metrics): nothing it can reach is ever reused.
 * Losses and metrics given as functions run through `asUserCode`: the tensors passed to them and
 * everything allocated while they run (their results and intermediates) are never recorded, so a
 * metric that keeps `yPred` (or a tensor it computed) from a step keeps valid values for good.
 * Callbacks run between steps, outside any scope, and only see numbers and finished results.
 *
 * Limit: a reference hidden where the walk cannot see that built-in code made (a closure, a
 * global a custom layer's `call` writes to) is not seen; `setBufferPooling(false)` switches
 * pooling off entirely.
 */

/** Arrays smaller than this are cheap to allocate and are never pooled. */
export const MIN_POOLED_BYTES = 64 * 1024;
let minPooledBytes = MIN_POOLED_BYTES;

/** Changes the size threshold (tests pool every array to make the release rule face every tensor). */
export function setMinPooledBytes(bytes: number): void {
  minPooledBytes = bytes;
}

type StorageKind = 'float32' | 'float64' | 'int32' | 'uint8' | 'bfloat16';

let enabled = true;
/** Open scopes; only the outermost one records and releases. */
let depth = 0;
let recorded: TypedArray[] = [];
let recordedBytes = 0;
const free = new Map<string, TypedArray[]>();
let freeBytes = 0;
/** Largest number of bytes one outermost scope recorded; the free list holds at most twice that. */
let largestScopeBytes = 0;

function storageOf(dtype: DType): StorageKind {
  return dtype === 'bool' ? 'uint8' : dtype;
}

function keyOf(kind: StorageKind, length: number): string {
  return `${kind}:${length}`;
}

/**
 * Arrays that share storage with others without owning a whole ArrayBuffer (views of a wasm
 * module's memory, where every tensor shares one buffer) carry their allocation's identity under
 * this key; reachability then follows that identity instead of the buffer.
 */
export const STORAGE_OWNER: unique symbol = Symbol('deepscript.storageOwner');

/** What identifies the storage an array lives in: its allocation when it has one, else its buffer. */
export function storageIdentity(a: ArrayBufferView): object {
  return (a as { [STORAGE_OWNER]?: object })[STORAGE_OWNER] ?? a.buffer;
}

function kindOfArray(a: TypedArray): StorageKind {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint16Array) return 'bfloat16';
  return 'uint8';
}

export function setBufferPooling(on: boolean): void {
  enabled = on;
  if (!on) clearBufferPool();
}

export function isBufferPoolingEnabled(): boolean {
  return enabled;
}

/** Drops every pooled array, so the garbage collector can return the memory. */
export function clearBufferPool(): void {
  free.clear();
  freeBytes = 0;
}

/** Arrays handed out again since start (diagnostics; tests check that pooling really ran). */
let reuses = 0;

/** Bytes held in the free list and the number of reuses so far (for tests and diagnostics). */
export function bufferPoolStats(): { pooledBytes: number; reuses: number } {
  return { pooledBytes: freeBytes, reuses };
}

/** Every array in the free list (tests use it to check nothing alive was released). */
export function pooledArrays(): TypedArray[] {
  return [...free.values()].flat();
}

/**
 * Called by `allocate` / `allocateUninitialized`: a pooled array of this dtype and length, or null
 * when the request is not pooled (no open scope, pooling off, small array, empty free list). It is
 * zero-filled when `zeroFill` is set; otherwise it holds whatever its last user left in it. A
 * non-null result and every fresh large array made inside a scope must be passed to `recordAllocation`.
 */
export function takePooled(
  dtype: DType,
  length: number,
  bytesPerElement: number,
  zeroFill: boolean,
): TypedArray | null {
  if (depth === 0 || !enabled || length * bytesPerElement < minPooledBytes) return null;
  const list = free.get(keyOf(storageOf(dtype), length));
  const a = list?.pop();
  if (!a) return null;
  freeBytes -= a.byteLength;
  reuses++;
  // `allocate` promises zeros, as a fresh typed array has; callers that overwrite every element skip the fill.
  if (zeroFill) a.fill(0);
  return a;
}

/** Whether `allocate` should record an array of this size in the open scope. */
export function shouldRecord(byteLength: number): boolean {
  return depth > 0 && enabled && byteLength >= minPooledBytes;
}

export function recordAllocation(a: TypedArray): void {
  if (userDepth > 0) return; // made while user code runs: user code may keep it
  recorded.push(a);
  recordedBytes += a.byteLength;
}

/** Open `asUserCode` calls. */
let userDepth = 0;
/** Buffers handed to user code in the open scope: kept like the scope's roots. */
let escaped: ArrayBufferLike[] = [];

/** Anything with a typed array `data` (a tensor) whose buffer user code is about to see. */
interface HasData {
  data: TypedArray;
}

/**
 * Runs user code (a custom loss or metric) on tensors from inside a step: those tensors' buffers
 * and every array allocated until it returns are exempt from reuse (see the rule above).
 */
export function asUserCode<T>(inputs: readonly HasData[], fn: () => T): T {
  if (depth > 0) for (const t of inputs) escaped.push(t.data.buffer);
  userDepth++;
  try {
    return fn();
  } finally {
    userDepth--;
  }
}

/**
 * Runs `fn` as one step whose large intermediates may be reused by later steps. After `fn`
 * returns, arrays allocated inside it go back to the pool unless their buffer is reachable from
 * `roots` or from the result. Nested scopes run inside the outermost one. If `fn` throws, nothing
 * is released.
 */
export function bufferScope<T>(roots: readonly unknown[], fn: () => T): T {
  if (depth > 0 || !enabled) return fn();
  depth = 1;
  recorded = [];
  recordedBytes = 0;
  escaped = [];
  let result: T;
  try {
    result = fn();
  } catch (e) {
    recorded = [];
    escaped = [];
    throw e;
  } finally {
    depth = 0;
  }
  const mine = recorded;
  const seenByUser = escaped;
  recorded = [];
  escaped = [];
  largestScopeBytes = Math.max(largestScopeBytes, recordedBytes);
  if (mine.length === 0) return result;
  const keep = reachableBuffers([...roots, result]);
  for (const b of seenByUser) keep.add(b);
  const cap = 2 * largestScopeBytes;
  for (const a of mine) {
    if (keep.has(storageIdentity(a))) continue;
    if (freeBytes + a.byteLength > cap) continue;
    const key = keyOf(kindOfArray(a), a.length);
    let list = free.get(key);
    if (!list) free.set(key, (list = []));
    list.push(a);
    freeBytes += a.byteLength;
  }
  return result;
}

/**
 * The storage (see storageIdentity: an ArrayBuffer, or an allocation's owner) of every array reachable from `roots` through arrays, Maps, Sets and own enumerable
 * properties of objects. Functions are not entered (their closures cannot be inspected).
 */
export function reachableBuffers(roots: readonly unknown[]): Set<object> {
  const buffers = new Set<object>();
  const seen = new Set<object>();
  const stack: unknown[] = [...roots];
  while (stack.length > 0) {
    const o = stack.pop();
    if (o === null || typeof o !== 'object' || seen.has(o)) continue;
    seen.add(o);
    if (ArrayBuffer.isView(o)) {
      buffers.add(storageIdentity(o));
    } else if (o instanceof ArrayBuffer) {
      buffers.add(o);
    } else if (Array.isArray(o)) {
      for (const v of o) if (v !== null && typeof v === 'object') stack.push(v);
    } else if (o instanceof Map) {
      for (const [k, v] of o) stack.push(k, v);
    } else if (o instanceof Set) {
      for (const v of o) stack.push(v);
    } else {
      for (const k of Object.keys(o)) {
        const v = (o as Record<string, unknown>)[k];
        if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
  }
  return buffers;
}

let sessions = 0;

/** Marks the start of a run of steps (fit, evaluate, predict); sessions nest. */
export function startPoolSession(): void {
  sessions++;
}

/** Ends a run of steps; when the outermost one ends the pool is emptied so memory is returned. */
export function endPoolSession(): void {
  sessions = Math.max(0, sessions - 1);
  if (sessions === 0) clearBufferPool();
}
