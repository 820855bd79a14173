import { recordAllocation, shouldRecord, takePooled } from './buffer-pool.js';

/**
 * Element types a tensor can hold. `float64` exists so gradient checks can run in double precision.
 * `bfloat16` (16-bit storage: float32's sign and exponent, 7 mantissa bits, held as bit patterns in
 * a Uint16Array) is the storage type of mixed precision: tensors cast to and from it, print, and
 * multiply with `matmul` (float32 sums); other ops refuse it with an error saying to cast first.
 */
export type DType = 'float32' | 'float64' | 'int32' | 'uint8' | 'bool' | 'bfloat16';

export type FloatArray = Float32Array | Float64Array;
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

/** The dtypes every op accepts (bfloat16, which few ops take, is left out; see `DType`). */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** float32, float64 or bfloat16: the dtypes gradients flow through (casts between them are differentiable). */
export function isFloating(dtype: DType): boolean {
  return isFloat(dtype) || dtype === 'bfloat16';
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint8: 1, bool: 1, bfloat16: 2 };

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * The bfloat16 bit pattern nearest to `x` once `x` is rounded to float32 (round to nearest, ties
 * to even, both times: doubles convert through float32, as Eigen, PyTorch and the native kernel do).
 * NaN stays NaN (a quiet NaN of the same sign); values beyond bfloat16's range become infinities.
 */
export function toBfloat16Bits(x: number): number {
  F32[0] = x;
  const u = U32[0]!;
  if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 0x40;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The value of a bfloat16 bit pattern (exact). */
export function fromBfloat16Bits(h: number): number {
  U32[0] = h << 16;
  return F32[0]!;
}

/** A zero-filled array for `size` elements; large ones may come from the buffer pool (core/buffer-pool.ts). */
export function allocate(dtype: DType, size: number): TypedArray {
  return allocateFrom(dtype, size, true);
}

/**
 * An array for `size` elements whose contents are unspecified: a pooled array keeps the values of
 * its previous use (a fresh one is still zero). Only for callers that write every element before
 * anything reads it; anything that accumulates into its output must use `allocate`. Skipping the
 * fill saves a full pass over memory per large op output.
 */
export function allocateUninitialized(dtype: DType, size: number): TypedArray {
  return allocateFrom(dtype, size, false);
}

/**
 * Called before every allocation while set (see withAllocationGuard); throws to refuse it. Model
 * loading uses it to stop a config from allocating weights far larger than the file holds.
 */
export type AllocationGuard = (bytes: number, dtype: DType, size: number) => void;
let guard: AllocationGuard | null = null;

/** Runs `fn` with `g` checking every tensor allocation (nested guards: the innermost applies). */
export function withAllocationGuard<T>(g: AllocationGuard, fn: () => T): T {
  const prev = guard;
  guard = g;
  try {
    return fn();
  } finally {
    guard = prev;
  }
}

/** '4.0 GB', '12.5 MB', ... for messages. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

function allocateFrom(dtype: DType, size: number, zeroFill: boolean): TypedArray {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new RangeError(`Cannot allocate ${size} ${dtype} values: not a valid size.`);
  if (guard) guard(size * BYTES[dtype], dtype, size);
  const pooled = takePooled(dtype, size, BYTES[dtype], zeroFill);
  if (pooled) {
    recordAllocation(pooled);
    return pooled;
  }
  let a: TypedArray;
  try {
    a = freshArray(dtype, size);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new RangeError(
      `Cannot allocate ${size} ${dtype} values (${formatBytes(size * BYTES[dtype])}): ${e.message}.`,
    );
  }
  if (shouldRecord(a.byteLength)) recordAllocation(a);
  return a;
}

/**
 * Makes a new array for `size` elements of `dtype`, or returns null to let the default (a typed
 * array on the JavaScript heap) make it. A backend whose kernels run in another memory (wasm)
 * installs one so tensors are born where its kernels read them.
 */
export type ArrayAllocator = (dtype: DType, size: number) => TypedArray | null;

let arrayAllocator: ArrayAllocator | null = null;

/** Installs (or with null removes) the allocator fresh arrays come from. */
export function setArrayAllocator(allocator: ArrayAllocator | null): void {
  arrayAllocator = allocator;
}

function freshArray(dtype: DType, size: number): TypedArray {
  if (arrayAllocator !== null) {
    const a = arrayAllocator(dtype, size);
    if (a !== null) return a;
  }
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'uint8':
    case 'bool':
      return new Uint8Array(size);
    case 'bfloat16':
      return new Uint16Array(size);
  }
}

export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint16Array) return 'bfloat16';
  return 'uint8';
}

/** Checks that `data` is the storage type `dtype` uses (bool is stored as Uint8Array). */
export function arrayMatchesDType(data: TypedArray, dtype: DType): boolean {
  const d = dtypeOfArray(data);
  return d === dtype || (dtype === 'bool' && d === 'uint8');
}

/**
 * The result type of combining two dtypes arithmetically (NumPy-like, float32 wins over ints;
 * bfloat16 with a wider float gives the wider float, with an integer bfloat16, as in JAX).
 */
export function upcast(a: DType, b: DType): DType {
  if (a === b) return a === 'bool' ? 'int32' : a;
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'bfloat16' || b === 'bfloat16') return 'bfloat16';
  return 'int32';
}

export function parseDType(name: string): DType {
  const aliases: Record<string, DType> = {
    float32: 'float32',
    float: 'float32',
    float64: 'float64',
    double: 'float64',
    int32: 'int32',
    int: 'int32',
    uint8: 'uint8',
    bool: 'bool',
    bfloat16: 'bfloat16',
  };
  const d = Object.hasOwn(aliases, name) ? aliases[name] : undefined;
  if (!d) throw new Error(`Unknown dtype '${name}'. Expected one of ${[...DTYPES, 'bfloat16'].join(', ')}.`);
  return d;
}
