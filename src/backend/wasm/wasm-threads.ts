/**
 * The host side of the threaded wasm module (prebuilt/deepscript-mt.wasm): the same kernels and
 * the same thread pool as the native addon (native/thread_pool.cc), compiled with emscripten's
 * pthreads over a shared memory. Emscripten's C library does the threads' bookkeeping (each
 * thread's struct, stack and TLS, futexes, locked malloc); what it asks of JavaScript is, in
 * `__pthread_create_js`, to run the thread's entry point on another instance of the same module
 * over the same memory: a worker (worker_threads in Node, a Web Worker in a cross-origin-isolated
 * page). `ThreadHost.start` is that: Node's lives in wasm/node.ts, the browser's in browser.ts.
 *
 * Emscripten's generated JavaScript runtime is not used: the imports below are the few the module
 * needs, so the loader stays one small file the bundler sees, and the kernels' calls stay as in
 * the single-threaded module (wasm-backend.ts).
 *
 * Browser-safe: nothing here imports from Node.
 */

interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

/** The exports of the threaded module that thread set-up calls. */
export interface ThreadExports {
  _emscripten_thread_init(
    pthread: number,
    isMainBrowserThread: number,
    isMainRuntimeThread: number,
    canBlock: number,
  ): void;
  emscripten_tls_init(): number;
  emscripten_stack_init(): void;
  emscripten_stack_set_limits(top: number, low: number): void;
  stackRestore(top: number): void;
  _emscripten_thread_exit(result: number): void;
  __wasm_call_ctors(): void;
  ds_thread_stack(pthread: number, out: number): number;
  ds_set_num_threads(n: number): number;
  ds_requested_threads(): number;
  ds_num_threads(): number;
  ds_malloc(bytes: number): number;
  ds_free(ptr: number): void;
}

/** What a new thread's worker needs: the thread's struct, its entry point and argument, its stack. */
export interface ThreadStart {
  pthread: number;
  fn: number;
  arg: number;
  stackTop: number;
  stackLow: number;
}

/** Starts threads for one instantiated module; returns false when no worker could be started. */
export interface ThreadHost {
  /** What the module's pool takes for "the cores": the initial thread count. */
  cores: number;
  /** Whether the calling (main) thread may block in Atomics.wait (Node: yes; a page's main thread: no). */
  canBlock: boolean;
  start(t: ThreadStart): boolean;
}

/** Makes the thread host for one compiled module and its shared memory. */
export type MakeThreadHost = (module: object, memory: WasmMemory) => ThreadHost;

// emscripten's errno: the hook's answer when no thread can start.
const EAGAIN = 6;

/** Whether a module is the threaded build: it asks for emscripten's thread-creation hook. */
export function isThreadedModule(imports: readonly { module: string; name: string }[]): boolean {
  return imports.some((i) => i.name === '__pthread_create_js');
}

/**
 * The threaded module's imports. `exports()` gives the instance's exports once it exists (the
 * module calls back into them while its constructors run); `host` is null inside a worker,
 * which never starts threads.
 */
export function threadImports(
  memory: WasmMemory,
  exports: () => ThreadExports,
  host: ThreadHost | null,
): Record<string, Record<string, unknown>> {
  const never = (name: string) => (): never => {
    throw new Error(`deepscript wasm: the module called '${name}', which this loader does not provide.`);
  };
  const i32 = (): Int32Array => new Int32Array(memory.buffer);
  const now = (): number => performance.now();
  // struct timespec { int32 tv_sec; int32 tv_nsec } (emscripten 3.1.6, wasm32).
  const clock = (clk: number, tp: number): number => {
    const ms = clk === 0 ? Date.now() : now();
    const h = i32();
    h[tp >> 2] = Math.floor(ms / 1000);
    h[(tp + 4) >> 2] = Math.floor((ms % 1000) * 1e6);
    return 0;
  };
  return {
    env: {
      memory,
      emscripten_get_now: now,
      clock_gettime: clock,
      __clock_gettime: clock,
      emscripten_memcpy_big: (dest: number, src: number, n: number): number => {
        new Uint8Array(memory.buffer).copyWithin(dest, src, src + n);
        return dest;
      },
      // The memory's size is fixed (growing would detach every view of it): malloc returns 0 instead.
      emscripten_resize_heap: (): number => 0,
      emscripten_get_heap_max: (): number => memory.buffer.byteLength,
      emscripten_num_logical_cores: (): number => (host ? host.cores : 1),
      emscripten_check_blocking_allowed: (): void => {},
      _emscripten_default_pthread_stack_size: (): number => 1 << 20,
      __emscripten_init_main_thread_js: (pthread: number): void => {
        const x = exports();
        // The main thread's TLS is the linker's static block: emscripten_tls_init is for workers
        // only (on the main thread it moves the TLS under the exception runtime, whose catch
        // clauses then stop matching: every kernel error became "unknown").
        x._emscripten_thread_init(pthread, 1, 1, host && host.canBlock ? 1 : 0);
      },
      __pthread_create_js: (pthread: number, _attr: number, fn: number, arg: number): number => {
        if (!host) return EAGAIN;
        const x = exports();
        const out = x.ds_malloc(8);
        if (out === 0) return EAGAIN;
        const ok = x.ds_thread_stack(pthread, out) === 0;
        const stackLow = new Uint32Array(memory.buffer, out, 2)[0]!;
        const stackSize = new Uint32Array(memory.buffer, out, 2)[1]!;
        x.ds_free(out);
        if (!ok) return EAGAIN;
        return host.start({ pthread, fn, arg, stackTop: stackLow + stackSize, stackLow }) ? 0 : EAGAIN;
      },
      // Workers end when their thread returns; nothing to recycle.
      __emscripten_thread_cleanup: (): void => {},
      // Cross-thread proxying: the pool never proxies a call, so no queue is ever notified.
      _emscripten_notify_thread_queue: (): number => 0,
      emscripten_receive_on_main_thread_js: never('emscripten_receive_on_main_thread_js'),
      emscripten_unwind_to_js_event_loop: never('emscripten_unwind_to_js_event_loop'),
      emscripten_webgl_create_context: never('emscripten_webgl_create_context'),
      emscripten_set_canvas_element_size: never('emscripten_set_canvas_element_size'),
      emscripten_notify_memory_growth: never('emscripten_notify_memory_growth'),
      abort: never('abort'),
      exit: never('exit'),
    },
    wasi_snapshot_preview1: {
      // An empty environment: the pool's size comes from `host.cores` and ds_set_num_threads.
      environ_sizes_get: (count: number, bytes: number): number => {
        const h = i32();
        h[count >> 2] = 0;
        h[bytes >> 2] = 0;
        return 0;
      },
      environ_get: (): number => 0,
      fd_write: (): number => 0,
      proc_exit: never('proc_exit'),
    },
  };
}

/**
 * A worker's body: instantiate the module over the shared memory (its start function sees the
 * memory already initialised and leaves it), adopt the thread's struct and stack, set up its TLS,
 * run the entry point, then exit the thread (which wakes a joiner). The worker scripts are
 * node-thread.ts (worker_threads) and page-thread.ts (a Web Worker).
 */
export function runThread(data: ThreadStart & { module: object; memory: WasmMemory }): void {
  const api = (
    globalThis as unknown as { WebAssembly: { Instance: new (m: object, i: object) => { exports: object } } }
  ).WebAssembly;
  let x: ThreadExports | null = null;
  const instance = new api.Instance(
    data.module,
    threadImports(data.memory, () => x!, null),
  );
  x = instance.exports as unknown as ThreadExports;
  x._emscripten_thread_init(data.pthread, 0, 0, 1);
  x.emscripten_stack_set_limits(data.stackTop, data.stackLow);
  x.stackRestore(data.stackTop);
  x.emscripten_tls_init();
  const table = (instance.exports as { __indirect_function_table: { get(i: number): (arg: number) => number } })
    .__indirect_function_table;
  const result = table.get(data.fn)(data.arg);
  x._emscripten_thread_exit(result);
}
