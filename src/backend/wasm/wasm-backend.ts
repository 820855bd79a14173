import type {
  Backend,
  BinaryOp,
  ConvParams,
  MatmulParams,
  RecurrentParams,
  UnaryOp,
  WindowGeometry,
} from '../backend.js';
import {
  ARITHMETIC_OPS,
  FUSED_ACTIVATION_CODE,
  COMPARE_OPS,
  RECURRENT_ACTIVATIONS,
  RECURRENT_CELLS,
  UNARY_OPS,
  writeAttentionMeta,
} from '../backend.js';
import type { KernelName } from '../backend.js';
import { writeBroadcastLayout } from '../broadcast-layout.js';
import { jsBackend } from '../js/js-backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { sizeOf } from '../../core/shape.js';
import type { MakeThreadHost, ThreadExports, ThreadHost } from './wasm-threads.js';
import { isThreadedModule, threadImports } from './wasm-threads.js';

/**
 * The WebAssembly backend: the C++ kernels of native/ compiled to one .wasm module
 * (native/wasm/entry.cc, scripts/wasm-build.sh), single-threaded, SIMD128.
 *
 * Memory: a kernel reads and writes the module's linear memory. An array that already lives
 * there (allocated by `WasmRuntime.allocate`, which is what tensors get while this backend is
 * active: see wasm-memory.ts) is passed by its offset, with no copy. Any other array is copied
 * into a per-call scratch area before the call and, when the kernel writes it, copied back
 * after. The module's memory never grows (growing would detach every view of it), so its size is
 * fixed when the module is instantiated.
 *
 * Browser-safe: nothing here imports from Node.
 */

// The slice of the WebAssembly JS API used here, typed locally: the project compiles without the
// DOM library, and Node's types do not declare it.
type Bytes = ArrayBuffer | ArrayBufferView;
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
type MemoryDescriptor = { initial: number; maximum: number; shared?: boolean };
type WasmModule = object;
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Memory: new (descriptor: MemoryDescriptor) => WasmMemory;
  Module: { new (bytes: Bytes): WasmModule; imports(m: WasmModule): { module: string; name: string; kind: string }[] };
  Instance: new (m: WasmModule, imports: object) => WasmInstance;
  compile(bytes: Bytes): Promise<WasmModule>;
  instantiate(m: WasmModule, imports: object): Promise<WasmInstance>;
}
function wasmApi(): WasmApi {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) throw new Error('wasm backend: this JavaScript engine has no WebAssembly.');
  return api;
}

/** What the compiled module (native/wasm/entry.cc) exports. */
interface WasmExports {
  ds_call(kernel: number, slots: number, meta: number): number;
  ds_error(): number;
  ds_malloc(bytes: number): number;
  ds_free(ptr: number): void;
  ds_source_hash(): number;
  ds_num_threads(): number;
  /** The single-threaded (standalone) module's constructors. */
  _initialize?: () => void;
  /** The threaded module's stack set-up and constructors (emscripten's, not standalone). */
  emscripten_stack_init?: () => void;
  __wasm_call_ctors?: () => void;
  ds_set_num_threads?: (n: number) => number;
  ds_requested_threads?: () => number;
}

/** How a kernel uses an array argument: read only, written entirely, or read then written. */
type Role = 'in' | 'out' | 'inout';

const MAX_SLOTS = 16;
const META_LEN = 256;
const MAX_RANK = 64;
const NULL_DTYPE = 255;

/**
 * The module's kernel numbers: `enum Kernel` in native/wasm/entry.cc, written out by name so that
 * a kernel added to the Backend interface (matmulBf16, which the module lacks) shifts nothing.
 */
const MODULE_KERNELS = {
  unary: 0,
  clip: 1,
  binary: 2,
  cast: 3,
  reduce: 4,
  argReduce: 5,
  matmul: 6,
  transpose: 7,
  gather: 8,
  scatterAdd: 9,
  im2col: 10,
  col2im: 11,
  convForward: 12,
  convBackward: 13,
  maxPool: 14,
  maxPoolGrad: 15,
  softmax: 16,
  softmaxCrossEntropy: 17,
  dropout: 18,
  reluGrad: 19,
  adamUpdate: 20,
  sgdUpdate: 21,
  rmspropUpdate: 22,
  rnnForward: 23,
  rnnBackward: 24,
  batchNormStats: 25,
  channelAffine: 26,
  batchNormGradSums: 27,
  batchNormInputGrad: 28,
  layerNorm: 40,
  layerNormBackward: 41,
  depthwiseConvForward: 42,
  depthwiseConvBackward: 43,
  attention: 44,
  attentionBackward: 45,
  activation: 46,
  activationGrad: 47,
} as const satisfies Partial<Record<KernelName, number>>;
const UNARY_CODE = new Map<UnaryOp, number>(UNARY_OPS.map((op, i) => [op, i]));
const BINARY_CODE = new Map<BinaryOp, number>([...ARITHMETIC_OPS, ...COMPARE_OPS].map((op, i) => [op, i]));
const REDUCE_CODE = { sum: 0, max: 1, min: 2 } as const;
const ARG_CODE = { argmax: 0, argmin: 1 } as const;

function dtypeCode(a: TypedArray): number {
  if (a instanceof Float32Array) return 0;
  if (a instanceof Float64Array) return 1;
  if (a instanceof Int32Array) return 2;
  if (a instanceof Uint8Array) return 3;
  throw new Error(`wasm backend: unsupported array type ${(a as object).constructor.name}.`);
}

function code<K>(map: Map<K, number>, op: K): number {
  const c = map.get(op);
  if (c === undefined) throw new Error(`wasm backend: unknown op '${String(op)}'.`);
  return c;
}

/** Options for instantiating the module. */
export interface WasmOptions {
  /** Size of the module's memory in MiB (fixed: it never grows). Default 1024. */
  memoryMiB?: number;
}

const WASM_PAGE = 65536;

/** An instantiated module: its memory, heap allocation, and the marshalling of kernel calls. */
export class WasmRuntime {
  readonly memory: WasmMemory;
  private readonly x: WasmExports;
  private readonly slotsPtr: number;
  private readonly slots: Uint32Array;
  /** Scalars of the current call, in the module's memory (written in place, never copied). */
  readonly meta: Float64Array;
  private scratchPtr = 0;
  private scratchBytes = 0;
  /** Bytes copied into and out of the module by the last calls, for tests and benchmarks. */
  copiedBytes = 0;

  /** Whether this is the threaded module (shared memory, a pool of workers). */
  readonly threaded: boolean;

  constructor(instance: WasmInstance, memory: WasmMemory) {
    this.x = instance.exports as unknown as WasmExports;
    this.memory = memory;
    this.threaded = this.x.ds_set_num_threads !== undefined;
    this.x._initialize?.();
    this.x.emscripten_stack_init?.();
    this.x.__wasm_call_ctors?.();
    this.slotsPtr = this.mallocOrThrow(MAX_SLOTS * 3 * 4);
    this.slots = new Uint32Array(this.memory.buffer, this.slotsPtr, MAX_SLOTS * 3);
    const metaPtr = this.mallocOrThrow(META_LEN * 8);
    this.meta = new Float64Array(this.memory.buffer, metaPtr, META_LEN);
  }

  private mallocOrThrow(bytes: number): number {
    const p = this.x.ds_malloc(bytes);
    if (p === 0) throw new Error(`wasm backend: the module's memory cannot hold ${bytes} more bytes.`);
    return p;
  }

  /** Threads the module's kernels run on (1 for the single-threaded module). */
  get numThreads(): number {
    return this.x.ds_num_threads();
  }

  /** The count last asked for (the pool may run fewer when the host refused workers). */
  get requestedThreads(): number {
    return this.x.ds_requested_threads ? this.x.ds_requested_threads() : 1;
  }

  /**
   * Resizes the thread pool (the threaded module only; the single-threaded one stays at 1) and
   * returns the threads now running.
   */
  setNumThreads(n: number): number {
    return this.x.ds_set_num_threads ? this.x.ds_set_num_threads(n) : 1;
  }

  /** Bytes of module memory, fixed at instantiation. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * A zero-filled array in the module's memory, or null when the module's heap is full. The
   * caller must `free` it exactly once, when no view of it is used any more.
   */
  allocate<T extends TypedArray>(
    ctor: { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number },
    length: number,
  ): { array: T; ptr: number } | null {
    const bytes = Math.max(length * ctor.BYTES_PER_ELEMENT, 1);
    const ptr = this.x.ds_malloc(bytes);
    if (ptr === 0) return null;
    const array = new ctor(this.memory.buffer as ArrayBuffer, ptr, length);
    array.fill(0);
    return { array, ptr };
  }

  free(ptr: number): void {
    this.x.ds_free(ptr);
  }

  /** Whether `a` is a view of the module's memory (a kernel reads it in place). */
  isResident(a: TypedArray): boolean {
    return a.buffer === this.memory.buffer;
  }

  private scratch(bytes: number): number {
    if (bytes <= this.scratchBytes) return this.scratchPtr;
    if (this.scratchPtr !== 0) this.x.ds_free(this.scratchPtr);
    this.scratchPtr = 0;
    this.scratchBytes = 0;
    // Grow geometrically so a run of growing calls reallocates only a few times.
    const want = Math.max(bytes, 1 << 20);
    let p = this.x.ds_malloc(want);
    if (p === 0 && want > bytes) p = this.x.ds_malloc(bytes);
    if (p === 0) {
      throw new Error(
        `wasm backend: a kernel needs ${bytes} bytes of scratch for its arguments, more than the module's ` +
          `${this.memoryBytes >> 20} MiB memory has free.`,
      );
    }
    this.scratchPtr = p;
    this.scratchBytes = Math.max(bytes, want === bytes || p === 0 ? bytes : want);
    return p;
  }

  /**
   * Runs kernel `name` on `arrays` (null for an absent optional array) with `this.meta` already
   * holding its scalars. Arrays outside the module's memory are copied in (unless the kernel only
   * writes them) and, when written, copied back; arrays sharing one buffer are copied as one span,
   * so aliased arguments (dropout in place) stay aliased.
   */
  call(
    name: keyof typeof MODULE_KERNELS,
    arrays: readonly (TypedArray | null | undefined)[],
    roles: readonly Role[],
  ): void {
    const mem = this.memory.buffer;
    const n = arrays.length;
    // Group foreign arrays by buffer: [buffer, start, end, written, readNeeded, members].
    let groups:
      | {
          buf: ArrayBufferLike;
          start: number;
          end: number;
          written: boolean;
          read: boolean;
          count: number;
          ptr: number;
        }[]
      | null = null;
    const groupOf: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = arrays[i];
      groupOf.push(-1);
      if (!a || a.buffer === mem) continue;
      groups ??= [];
      let g = groups.findIndex((x) => x.buf === a.buffer);
      if (g < 0) {
        g = groups.length;
        groups.push({
          buf: a.buffer,
          start: a.byteOffset,
          end: a.byteOffset + a.byteLength,
          written: false,
          read: false,
          count: 0,
          ptr: 0,
        });
      }
      const grp = groups[g]!;
      grp.start = Math.min(grp.start, a.byteOffset);
      grp.end = Math.max(grp.end, a.byteOffset + a.byteLength);
      grp.written ||= roles[i] !== 'in';
      grp.read ||= roles[i] !== 'out';
      grp.count++;
      groupOf[i] = g;
    }
    if (groups) {
      let total = 0;
      for (const grp of groups) total += (grp.end - grp.start + 63) & ~63;
      let p = this.scratch(total);
      const heap = new Uint8Array(mem);
      for (const grp of groups) {
        grp.ptr = p;
        // A lone output is written entirely by the kernel: nothing to copy in.
        if (grp.read || grp.count > 1) {
          heap.set(new Uint8Array(grp.buf, grp.start, grp.end - grp.start), p);
          this.copiedBytes += grp.end - grp.start;
        }
        p += (grp.end - grp.start + 63) & ~63;
      }
    }
    const s = this.slots;
    for (let i = 0; i < MAX_SLOTS; i++) {
      const a = i < n ? arrays[i] : null;
      if (!a) {
        s[3 * i] = 0;
        s[3 * i + 1] = 0;
        s[3 * i + 2] = NULL_DTYPE;
        continue;
      }
      const g = groupOf[i]!;
      s[3 * i] = g < 0 ? a.byteOffset : groups![g]!.ptr + (a.byteOffset - groups![g]!.start);
      s[3 * i + 1] = a.length;
      s[3 * i + 2] = dtypeCode(a);
    }
    const rc = this.x.ds_call(MODULE_KERNELS[name], this.slotsPtr, this.meta.byteOffset);
    if (rc !== 0) throw new Error(`deepscript wasm: ${this.readError()}`);
    if (groups) {
      const heap = new Uint8Array(mem);
      for (const grp of groups) {
        if (!grp.written) continue;
        const len = grp.end - grp.start;
        new Uint8Array(grp.buf, grp.start, len).set(heap.subarray(grp.ptr, grp.ptr + len));
        this.copiedBytes += len;
      }
    }
  }

  /** SHA-256 of the C++ sources the module was built from (scripts/wasm-build.sh). */
  sourceHash(): string {
    return this.readCString(this.x.ds_source_hash());
  }

  private readError(): string {
    return this.readCString(this.x.ds_error());
  }

  private readCString(p: number): string {
    const heap = new Uint8Array(this.memory.buffer);
    let e = p;
    while (e < heap.length && heap[e] !== 0) e++;
    // slice: browsers' TextDecoder refuses views of a shared memory.
    return new TextDecoder().decode(heap.slice(p, e));
  }
}

/**
 * The module's memory: fixed at `memoryMiB`, its maximum equal to its size, so it never grows.
 * Shared for the threaded module (its workers run on the same memory).
 */
function makeMemory(options: WasmOptions, shared: boolean): WasmMemory {
  const mib = options.memoryMiB ?? 1024;
  if (!Number.isInteger(mib) || mib < 16 || mib > 4095) {
    throw new Error(`wasm backend: memoryMiB must be an integer from 16 to 4095, got ${mib}.`);
  }
  const pages = (mib * 1024 * 1024) / WASM_PAGE;
  return new (wasmApi().Memory)(
    shared ? { initial: pages, maximum: pages, shared } : { initial: pages, maximum: pages },
  );
}

/**
 * Imports the module needs: its memory, and two runtime calls kernels never make (a C++ abort,
 * and the growth notice a memory that cannot grow never sends); the threaded module's are in
 * wasm-threads.ts. Any other import is refused by name.
 */
function importsFor(
  module: WasmModule,
  memory: WasmMemory,
  threads: { host: ThreadHost | null; exports: () => ThreadExports } | null,
): object {
  const never = (where: string) => (): never => {
    throw new Error(`deepscript wasm: the module called '${where}' (an abort in the C++ runtime).`);
  };
  const provided: Record<string, Record<string, unknown>> = threads
    ? threadImports(memory, threads.exports, threads.host)
    : {
        env: { memory, emscripten_notify_memory_growth: never('emscripten_notify_memory_growth') },
        wasi_snapshot_preview1: { proc_exit: never('proc_exit') },
      };
  for (const imp of wasmApi().Module.imports(module)) {
    if (provided[imp.module]?.[imp.name] === undefined) {
      throw new Error(
        `wasm backend: the module imports '${imp.module}.${imp.name}', which this loader does not provide.`,
      );
    }
  }
  return provided;
}

/**
 * Instantiates a compiled module: the single-threaded one over an ordinary memory, the threaded
 * one over a shared memory, its threads started by the host `makeHost` gives for that module and
 * memory (none: the pool never starts a thread).
 */
export function instantiateCompiled(
  module: WasmModule,
  options: WasmOptions = {},
  makeHost: MakeThreadHost | null = null,
): WasmRuntime {
  const api = wasmApi();
  const threaded = isThreadedModule(api.Module.imports(module));
  const memory = makeMemory(options, threaded);
  const host = threaded && makeHost ? makeHost(module, memory) : null;
  let instance: WasmInstance | null = null;
  // The threaded module's constructors call back into its exports (the main thread's set-up).
  const exports = (): ThreadExports => instance!.exports as unknown as ThreadExports;
  instance = new api.Instance(module, importsFor(module, memory, threaded ? { host, exports } : null));
  return new WasmRuntime(instance, memory);
}

/** Compiles a module synchronously (Node; browsers limit synchronous compiles to small modules). */
export function compileWasmSync(bytes: Bytes): object {
  return new (wasmApi().Module)(bytes);
}

/** Instantiates the module synchronously (Node; browsers limit synchronous compiles to small modules). */
export function instantiateWasmSync(
  bytes: Bytes,
  options: WasmOptions = {},
  makeHost: MakeThreadHost | null = null,
): WasmRuntime {
  return instantiateCompiled(new (wasmApi().Module)(bytes), options, makeHost);
}

/** Instantiates the module from its bytes or a fetch() response for them (browsers). */
export async function instantiateWasm(
  source: Bytes | { arrayBuffer(): Promise<ArrayBuffer> } | Promise<Bytes | { arrayBuffer(): Promise<ArrayBuffer> }>,
  options: WasmOptions = {},
  makeHost: MakeThreadHost | null = null,
): Promise<WasmRuntime> {
  const api = wasmApi();
  const s = await source;
  const bytes = 'arrayBuffer' in s && typeof s.arrayBuffer === 'function' ? await s.arrayBuffer() : (s as Bytes);
  const module = await api.compile(bytes);
  const threaded = isThreadedModule(api.Module.imports(module));
  const memory = makeMemory(options, threaded);
  const host = threaded && makeHost ? makeHost(module, memory) : null;
  let instance: WasmInstance | null = null;
  const exports = (): ThreadExports => instance!.exports as unknown as ThreadExports;
  instance = await api.instantiate(module, importsFor(module, memory, threaded ? { host, exports } : null));
  return new WasmRuntime(instance, memory);
}

function writeWindow(m: Float64Array, g: WindowGeometry): void {
  m[0] = g.n;
  m[1] = g.h;
  m[2] = g.w;
  m[3] = g.c;
  m[4] = g.kh;
  m[5] = g.kw;
  m[6] = g.strideH;
  m[7] = g.strideW;
  m[8] = g.dilationH;
  m[9] = g.dilationW;
  m[10] = g.padTop;
  m[11] = g.padLeft;
  m[12] = g.outH;
  m[13] = g.outW;
}

function writeConv(m: Float64Array, g: WindowGeometry, p: ConvParams): void {
  writeWindow(m, g);
  m[14] = p.filters;
  m[15] = FUSED_ACTIVATION_CODE[p.activation];
}

function writeMatmul(m: Float64Array, p: MatmulParams): void {
  m[0] = p.batch;
  m[1] = p.m;
  m[2] = p.n;
  m[3] = p.k;
  m[4] = p.transA ? 1 : 0;
  m[5] = p.transB ? 1 : 0;
  m[6] = p.aBatchStride;
  m[7] = p.bBatchStride;
  m[8] = FUSED_ACTIVATION_CODE[p.activation ?? 'linear'];
}

function writeRecurrent(m: Float64Array, p: RecurrentParams): void {
  m[0] = RECURRENT_CELLS.indexOf(p.cell);
  m[1] = p.batch;
  m[2] = p.time;
  m[3] = p.units;
  m[4] = RECURRENT_ACTIVATIONS.indexOf(p.activation);
  m[5] = RECURRENT_ACTIVATIONS.indexOf(p.recurrentActivation);
}

/**
 * The Backend over a module. Every kernel runs in WebAssembly for every dtype the native backend
 * supports, with two delegations to the reference: a binary op whose inputs have different
 * storage types (ops never issue it: they promote first), and the bfloat16 GEMM, whose kernels
 * are x86 code not built into the module yet.
 */
export function createWasmBackend(rt: WasmRuntime): Backend {
  const m = rt.meta;
  return {
    name: 'wasm',
    matmulBf16: (a, b, out, p) => jsBackend.matmulBf16(a, b, out, p),
    unary(op, x, out) {
      m[0] = code(UNARY_CODE, op);
      rt.call('unary', [x, out], ['in', 'out']);
    },
    clip(x, lo, hi, out) {
      m[0] = lo;
      m[1] = hi;
      rt.call('clip', [x, out], ['in', 'out']);
    },
    binary(op, a, aShape, b, bShape, out, outShape) {
      if (a.constructor !== b.constructor) {
        jsBackend.binary(op, a, aShape, b, bShape, out, outShape);
        return;
      }
      const n = sizeOf(outShape);
      if (n === 0) return;
      m[0] = code(BINARY_CODE, op);
      const flat = (as: number, bs: number): void => {
        m[1] = 1;
        m[2] = n;
        m[3] = as;
        m[4] = bs;
      };
      if (a.length === n && b.length === n) flat(1, 1);
      else if (b.length === 1 && a.length === n) flat(1, 0);
      else if (a.length === 1 && b.length === n) flat(0, 1);
      else writeBroadcastLayout(m, 1, aShape, bShape, outShape);
      rt.call('binary', [a, b, out], ['in', 'in', 'out']);
    },
    cast(x, out) {
      rt.call('cast', [x, out], ['in', 'out']);
    },
    reduce(op, x, outer, n, inner, out) {
      m[0] = REDUCE_CODE[op];
      m[1] = outer;
      m[2] = n;
      m[3] = inner;
      rt.call('reduce', [x, out], ['in', 'out']);
    },
    argReduce(op, x, outer, n, inner, out) {
      m[0] = ARG_CODE[op];
      m[1] = outer;
      m[2] = n;
      m[3] = inner;
      rt.call('argReduce', [x, out], ['in', 'out']);
    },
    matmul(a, b, out, p) {
      writeMatmul(m, p);
      rt.call('matmul', [a, b, out, p.bias ?? null, p.preActivation ?? null], ['in', 'in', 'out', 'in', 'out']);
    },
    transpose(x, shape, perm, out) {
      const r = shape.length;
      if (r > MAX_RANK) throw new Error(`wasm backend: rank ${r} exceeds ${MAX_RANK}.`);
      if (perm.length !== r) throw new Error(`transpose: perm has ${perm.length} axes for a rank-${r} tensor.`);
      m[0] = r;
      for (let d = 0; d < r; d++) {
        m[1 + d] = shape[d]!;
        m[1 + r + d] = perm[d]!;
      }
      rt.call('transpose', [x, out], ['in', 'out']);
    },
    gather(x, outer, axisSize, inner, indices, out) {
      m[0] = outer;
      m[1] = axisSize;
      m[2] = inner;
      rt.call('gather', [x, indices, out], ['in', 'in', 'out']);
    },
    scatterAdd(updates, outer, axisSize, inner, indices, out) {
      m[0] = outer;
      m[1] = axisSize;
      m[2] = inner;
      rt.call('scatterAdd', [updates, indices, out], ['in', 'in', 'inout']);
    },
    im2col(x, g, out) {
      writeWindow(m, g);
      rt.call('im2col', [x, out], ['in', 'out']);
    },
    col2im(cols, g, out) {
      writeWindow(m, g);
      rt.call('col2im', [cols, out], ['in', 'inout']);
    },
    convForward(x, g, kernel, p, out) {
      writeConv(m, g, p);
      rt.call(
        'convForward',
        [x, kernel, p.bias ?? null, out, p.preActivation ?? null],
        ['in', 'in', 'in', 'out', 'out'],
      );
    },
    convBackward(x, g, kernel, p, y, grad, d) {
      writeConv(m, g, p);
      rt.call(
        'convBackward',
        [x, kernel, y, grad, d.x, d.kernel, d.bias],
        ['in', 'in', 'in', 'in', 'out', 'out', 'out'],
      );
    },
    depthwiseConvForward(x, g, kernel, multiplier, out) {
      writeWindow(m, g);
      m[14] = multiplier;
      rt.call('depthwiseConvForward', [x, kernel, out], ['in', 'in', 'out']);
    },
    depthwiseConvBackward(x, g, kernel, multiplier, grad, d) {
      writeWindow(m, g);
      m[14] = multiplier;
      rt.call('depthwiseConvBackward', [x, kernel, grad, d.x, d.kernel], ['in', 'in', 'in', 'out', 'out']);
    },
    maxPool(x, g, out, argmax) {
      writeWindow(m, g);
      rt.call('maxPool', [x, out, argmax], ['in', 'out', 'out']);
    },
    maxPoolGrad(grad, argmax, g, out) {
      writeWindow(m, g);
      rt.call('maxPoolGrad', [grad, argmax, out], ['in', 'in', 'out']);
    },
    softmax(x, rows, n, log, out) {
      m[0] = rows;
      m[1] = n;
      m[2] = log ? 1 : 0;
      rt.call('softmax', [x, out], ['in', 'out']);
    },
    softmaxCrossEntropy(logits, labels, rows, n, loss, probs) {
      m[0] = rows;
      m[1] = n;
      rt.call('softmaxCrossEntropy', [logits, labels, loss, probs], ['in', 'in', 'out', 'out']);
    },
    layerNorm(x, gamma, beta, rows, n, epsilon, out, mean, rstd) {
      m[0] = rows;
      m[1] = n;
      m[2] = epsilon;
      rt.call('layerNorm', [x, gamma, beta, out, mean, rstd], ['in', 'in', 'in', 'out', 'out', 'out']);
    },
    layerNormBackward(grad, x, gamma, mean, rstd, rows, n, dx, dGamma, dBeta) {
      m[0] = rows;
      m[1] = n;
      rt.call(
        'layerNormBackward',
        [grad, x, gamma, mean, rstd, dx, dGamma, dBeta],
        ['in', 'in', 'in', 'in', 'in', 'out', 'out', 'out'],
      );
    },
    attention(q, k, v, keep, p, out, probs) {
      writeAttentionMeta(m, p);
      rt.call('attention', [q, k, v, keep, out, probs], ['in', 'in', 'in', 'in', 'out', 'out']);
    },
    attentionBackward(q, k, v, keep, probs, grad, p, dq, dk, dv) {
      writeAttentionMeta(m, p);
      rt.call(
        'attentionBackward',
        [q, k, v, keep, probs, grad, dq, dk, dv],
        ['in', 'in', 'in', 'in', 'in', 'in', 'out', 'out', 'out'],
      );
    },
    dropout(x, p, out) {
      m[0] = p.seed0 >>> 0;
      m[1] = p.seed1 >>> 0;
      m[2] = p.rate;
      rt.call('dropout', [x, out], ['in', 'out']);
    },
    reluGrad(grad, y, out) {
      rt.call('reluGrad', [grad, y, out], ['in', 'in', 'out']);
    },
    activation(act, x, alpha, out) {
      m[0] = FUSED_ACTIVATION_CODE[act];
      m[1] = alpha;
      rt.call('activation', [x, out], ['in', 'out']);
    },
    activationGrad(act, grad, x, alpha, out) {
      m[0] = FUSED_ACTIVATION_CODE[act];
      m[1] = alpha;
      rt.call('activationGrad', [grad, x, out], ['in', 'in', 'out']);
    },
    batchNormStats(x, rows, channels, mean, variance) {
      m[0] = rows;
      m[1] = channels;
      rt.call('batchNormStats', [x, mean, variance], ['in', 'out', 'out']);
    },
    channelAffine(x, rows, channels, scale, shift, relu, out) {
      m[0] = rows;
      m[1] = channels;
      m[2] = relu ? 1 : 0;
      rt.call('channelAffine', [x, scale, shift, out], ['in', 'in', 'in', 'out']);
    },
    batchNormGradSums(dy, x, center, rows, channels, sumDy, sumDyXc, relu) {
      m[0] = rows;
      m[1] = channels;
      rt.call(
        'batchNormGradSums',
        [dy, x, center, sumDy, sumDyXc, relu?.scale ?? null, relu?.shift ?? null],
        ['in', 'in', 'in', 'out', 'out', 'in', 'in'],
      );
    },
    batchNormInputGrad(dy, x, rows, channels, a, b, d, out, relu) {
      m[0] = rows;
      m[1] = channels;
      rt.call(
        'batchNormInputGrad',
        [dy, x, a, b, d, out, relu?.scale ?? null, relu?.shift ?? null],
        ['in', 'in', 'in', 'in', 'in', 'out', 'in', 'in'],
      );
    },
    adamUpdate(param, grad, mm, v, p) {
      m[0] = p.lr;
      m[1] = p.beta1;
      m[2] = p.beta2;
      m[3] = p.epsilon;
      m[4] = p.step;
      rt.call('adamUpdate', [param, grad, mm, v], ['inout', 'in', 'inout', 'inout']);
    },
    sgdUpdate(param, grad, velocity, p) {
      m[0] = p.lr;
      m[1] = p.momentum;
      m[2] = p.nesterov ? 1 : 0;
      rt.call('sgdUpdate', [param, grad, velocity], ['inout', 'in', 'inout']);
    },
    rmspropUpdate(param, grad, ms, mom, mg, p) {
      m[0] = p.lr;
      m[1] = p.rho;
      m[2] = p.momentum;
      m[3] = p.epsilon;
      m[4] = p.centered ? 1 : 0;
      rt.call('rmspropUpdate', [param, grad, ms, mom, mg], ['inout', 'in', 'inout', 'inout', 'inout']);
    },
    rnnForward(projected, recurrentKernel, recurrentBias, recurrentMask, stepMask, p, hseq, cache) {
      writeRecurrent(m, p);
      rt.call(
        'rnnForward',
        [projected, recurrentKernel, recurrentBias, recurrentMask, stepMask, hseq, cache],
        ['in', 'in', 'in', 'in', 'in', 'out', 'out'],
      );
    },
    rnnBackward(recurrentKernel, recurrentMask, stepMask, cache, dHseq, dhLast, dcLast, p, dProjected, dKernel, dBias) {
      writeRecurrent(m, p);
      rt.call(
        'rnnBackward',
        [recurrentKernel, recurrentMask, stepMask, cache, dHseq, dhLast, dcLast, dProjected, dKernel, dBias],
        ['in', 'in', 'in', 'in', 'in', 'in', 'in', 'out', 'out', 'out'],
      );
    },
  };
}
