import { Tensor } from '../core/tensor.js';
import type { DType, TypedArray } from '../core/dtype.js';

/**
 * How elements cross to a worker thread and back: tensors become `{ $tensor: ... }` records of
 * their typed array, shape and dtype (typed arrays are copied by the structured clone); arrays
 * and plain records keep their structure; numbers, strings, booleans and null pass as they are.
 */
export type Encoded =
  | number
  | string
  | boolean
  | null
  | { $tensor: { data: TypedArray; shape: number[]; dtype: DType } }
  | Encoded[]
  | { [key: string]: Encoded };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null &&
  typeof v === 'object' &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

export function encodeElement(v: unknown, what: string, path = ''): Encoded {
  if (v instanceof Tensor) return { $tensor: { data: v.data, shape: [...v.shape], dtype: v.dtype } };
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((e, i) => encodeElement(e, what, `${path}[${i}]`));
  if (isPlainObject(v)) {
    const out: Record<string, Encoded> = {};
    for (const [k, e] of Object.entries(v)) out[k] = encodeElement(e, what, path ? `${path}.${k}` : k);
    return out;
  }
  throw new Error(
    `${what}: cannot send ${v === undefined ? 'undefined' : typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v}` +
      `${path ? ` at ${path}` : ''} to or from a worker; elements must hold tensors, numbers, strings, booleans, arrays or plain records.`,
  );
}

export function decodeElement(v: Encoded): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decodeElement);
  if ('$tensor' in v && isPlainObject(v.$tensor)) {
    const t = v.$tensor as { data: TypedArray; shape: number[]; dtype: DType };
    return new Tensor(t.data, t.shape, t.dtype);
  }
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(v)) out[k] = decodeElement(e as Encoded);
  return out;
}

/** Main thread to worker: one call of the map function. */
export interface CallMessage {
  id: number;
  element: Encoded;
}

/** Worker to main thread: a call's result or error, with when it ran (ms since the epoch). */
export type ReplyMessage =
  | { kind: 'result'; id: number; value: Encoded; start: number; end: number }
  | { kind: 'error'; id: number; message: string; stack?: string }
  | { kind: 'load-error'; message: string };
