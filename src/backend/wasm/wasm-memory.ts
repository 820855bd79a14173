import type { DType, TypedArray } from '../../core/dtype.js';
import { STORAGE_OWNER } from '../../core/buffer-pool.js';
import type { WasmRuntime } from './wasm-backend.js';

/**
 * Tensors whose storage lives in the wasm module's memory, so kernels read and write them in
 * place instead of copying them in and out on every call.
 *
 * While the wasm backend is active, core/dtype.ts asks `residentAllocator` for every fresh array
 * of at least RESIDENT_MIN_BYTES; it returns a view of a block the module's allocator handed out,
 * or null when the module's heap is full (the array is then an ordinary one and kernels copy it).
 * Smaller arrays stay on the JavaScript heap: copying them costs less than a heap block.
 *
 * Lifetime: each block has an owner object that every view of it holds (the arrays are
 * subclasses whose `subarray` passes the owner on, so a slice of a tensor keeps its block alive).
 * When no view remains, a FinalizationRegistry returns the block to the module. The buffer pool
 * recycles blocks within training steps before that: it tells storage apart by the owner
 * (core/buffer-pool.ts storageIdentity), since every resident array shares one ArrayBuffer.
 */
export const RESIDENT_MIN_BYTES = 16 * 1024;

interface Owned {
  [STORAGE_OWNER]: object;
}

function ownedSubarray<T extends TypedArray & Owned>(self: T, view: T): T {
  view[STORAGE_OWNER] = self[STORAGE_OWNER];
  return view;
}

class ResidentFloat32Array extends Float32Array implements Owned {
  declare [STORAGE_OWNER]: object;
  override subarray(begin?: number, end?: number): ResidentFloat32Array {
    return ownedSubarray(this, super.subarray(begin, end) as ResidentFloat32Array);
  }
}
class ResidentFloat64Array extends Float64Array implements Owned {
  declare [STORAGE_OWNER]: object;
  override subarray(begin?: number, end?: number): ResidentFloat64Array {
    return ownedSubarray(this, super.subarray(begin, end) as ResidentFloat64Array);
  }
}
class ResidentInt32Array extends Int32Array implements Owned {
  declare [STORAGE_OWNER]: object;
  override subarray(begin?: number, end?: number): ResidentInt32Array {
    return ownedSubarray(this, super.subarray(begin, end) as ResidentInt32Array);
  }
}
class ResidentUint8Array extends Uint8Array implements Owned {
  declare [STORAGE_OWNER]: object;
  override subarray(begin?: number, end?: number): ResidentUint8Array {
    return ownedSubarray(this, super.subarray(begin, end) as ResidentUint8Array);
  }
}

type ResidentCtor = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): TypedArray;
  BYTES_PER_ELEMENT: number;
};

const CTORS = {
  float32: ResidentFloat32Array,
  float64: ResidentFloat64Array,
  int32: ResidentInt32Array,
  uint8: ResidentUint8Array,
  bool: ResidentUint8Array,
} as const;

/** Counts for tests and diagnostics. */
export interface ResidentStats {
  /** Blocks handed out and not yet returned. */
  live: number;
  liveBytes: number;
  /** Requests the full heap turned away (those arrays live on the JavaScript heap instead). */
  refused: number;
}

/** An allocator over one runtime's heap, for core/dtype.ts setArrayAllocator. */
export function residentAllocator(rt: WasmRuntime): {
  allocate: (dtype: DType, size: number) => TypedArray | null;
  stats: () => ResidentStats;
} {
  const sizes = new Map<number, number>();
  let liveBytes = 0;
  let refused = 0;
  const registry = new FinalizationRegistry<number>((ptr) => {
    liveBytes -= sizes.get(ptr) ?? 0;
    sizes.delete(ptr);
    rt.free(ptr);
  });
  return {
    allocate(dtype, size) {
      // bfloat16 has no kernels in the module yet: its arrays stay on the JavaScript heap.
      if (!Object.hasOwn(CTORS, dtype)) return null;
      const ctor = CTORS[dtype as keyof typeof CTORS];
      const bytes = size * ctor.BYTES_PER_ELEMENT;
      if (bytes < RESIDENT_MIN_BYTES) return null;
      const got = rt.allocate(ctor as unknown as ResidentCtor, size);
      if (!got) {
        refused++;
        return null;
      }
      const owner = {};
      const array = got.array as TypedArray & Owned;
      array[STORAGE_OWNER] = owner;
      registry.register(owner, got.ptr);
      sizes.set(got.ptr, bytes);
      liveBytes += bytes;
      return array;
    },
    stats: () => ({ live: sizes.size, liveBytes, refused }),
  };
}
