import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InferenceKernels } from '../inference-kernels.js';

/** The functions the compiled addon (native/addon.cc) exports. Typed arrays are used in place. */
export interface NativeAddon {
  unary(op: number, x: ArrayBufferView, out: ArrayBufferView): void;
  clip(x: ArrayBufferView, lo: number, hi: number, out: ArrayBufferView): void;
  /** meta = [rank, outShape..., aStrides..., bStrides...]. */
  binary(op: number, a: ArrayBufferView, b: ArrayBufferView, out: ArrayBufferView, meta: Float64Array): void;
  cast(x: ArrayBufferView, out: ArrayBufferView): void;
  reduce(op: number, x: ArrayBufferView, outer: number, n: number, inner: number, out: ArrayBufferView): void;
  argReduce(op: number, x: ArrayBufferView, outer: number, n: number, inner: number, out: Int32Array): void;
  /** meta = [batch, m, n, k, transA, transB, aBatchStride, bBatchStride, activation code]. */
  matmul(
    a: ArrayBufferView,
    b: ArrayBufferView,
    out: ArrayBufferView,
    bias: ArrayBufferView | null,
    preActivation: ArrayBufferView | null,
    meta: Float64Array,
  ): void;
  /** meta = [rank, shape..., perm...]. */
  transpose(x: ArrayBufferView, out: ArrayBufferView, meta: Float64Array): void;
  gather(
    x: ArrayBufferView,
    outer: number,
    axisSize: number,
    inner: number,
    indices: Int32Array,
    out: ArrayBufferView,
  ): void;
  scatterAdd(
    u: ArrayBufferView,
    outer: number,
    axisSize: number,
    inner: number,
    indices: Int32Array,
    out: ArrayBufferView,
  ): void;
  /** meta = [n, h, w, c, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW] for the window kernels. */
  im2col(x: ArrayBufferView, out: ArrayBufferView, meta: Float64Array): void;
  col2im(cols: ArrayBufferView, out: ArrayBufferView, meta: Float64Array): void;
  /** meta = window geometry, then filters and the activation code (FUSED_ACTIVATION_CODE). */
  convForward(
    x: ArrayBufferView,
    kernel: ArrayBufferView,
    bias: ArrayBufferView | null,
    out: ArrayBufferView,
    preActivation: ArrayBufferView | null,
    meta: Float64Array,
  ): void;
  depthwiseConvForward(x: ArrayBufferView, kernel: ArrayBufferView, out: ArrayBufferView, meta: Float64Array): void;
  depthwiseConvBackward(
    x: ArrayBufferView,
    kernel: ArrayBufferView,
    grad: ArrayBufferView,
    gx: ArrayBufferView | null,
    gKernel: ArrayBufferView | null,
    meta: Float64Array,
  ): void;
  convBackward(
    x: ArrayBufferView,
    kernel: ArrayBufferView,
    y: ArrayBufferView,
    grad: ArrayBufferView,
    gx: ArrayBufferView | null,
    gKernel: ArrayBufferView | null,
    gBias: ArrayBufferView | null,
    meta: Float64Array,
  ): void;
  maxPool(x: ArrayBufferView, out: ArrayBufferView, argmax: Int32Array, meta: Float64Array): void;
  maxPoolGrad(grad: ArrayBufferView, argmax: Int32Array, out: ArrayBufferView, meta: Float64Array): void;
  softmax(x: ArrayBufferView, rows: number, n: number, log: boolean, out: ArrayBufferView): void;
  softmaxCrossEntropy(
    logits: ArrayBufferView,
    labels: ArrayBufferView,
    rows: number,
    n: number,
    loss: ArrayBufferView,
    probs: ArrayBufferView,
  ): void;
  layerNorm(
    x: ArrayBufferView,
    gamma: ArrayBufferView | null,
    beta: ArrayBufferView | null,
    rows: number,
    n: number,
    epsilon: number,
    out: ArrayBufferView,
    mean: ArrayBufferView,
    rstd: ArrayBufferView,
  ): void;
  attention(
    q: ArrayBufferView,
    k: ArrayBufferView,
    v: ArrayBufferView,
    keep: ArrayBufferView | null,
    out: ArrayBufferView,
    probs: ArrayBufferView,
    meta: Float64Array,
  ): void;
  attentionBackward(
    q: ArrayBufferView,
    k: ArrayBufferView,
    v: ArrayBufferView,
    keep: ArrayBufferView | null,
    probs: ArrayBufferView,
    grad: ArrayBufferView,
    dq: ArrayBufferView,
    dk: ArrayBufferView,
    dv: ArrayBufferView,
    meta: Float64Array,
  ): void;
  layerNormBackward(
    grad: ArrayBufferView,
    x: ArrayBufferView,
    gamma: ArrayBufferView | null,
    mean: ArrayBufferView,
    rstd: ArrayBufferView,
    rows: number,
    n: number,
    dx: ArrayBufferView,
    dGamma: ArrayBufferView | null,
    dBeta: ArrayBufferView | null,
  ): void;
  /** Fused training kernels: inverted dropout with a counter-based mask, and relu's backward. */
  dropout(x: ArrayBufferView, seed0: number, seed1: number, rate: number, out: ArrayBufferView): void;
  reluGrad(grad: ArrayBufferView, y: ArrayBufferView, out: ArrayBufferView): void;
  activation(act: number, x: ArrayBufferView, alpha: number, out: ArrayBufferView): void;
  activationGrad(act: number, grad: ArrayBufferView, x: ArrayBufferView, alpha: number, out: ArrayBufferView): void;
  batchNormStats(
    x: ArrayBufferView,
    rows: number,
    channels: number,
    mean: ArrayBufferView,
    variance: ArrayBufferView,
  ): void;
  channelAffine(
    x: ArrayBufferView,
    rows: number,
    channels: number,
    scale: ArrayBufferView,
    shift: ArrayBufferView,
    relu: boolean,
    out: ArrayBufferView,
  ): void;
  batchNormGradSums(
    dy: ArrayBufferView,
    x: ArrayBufferView,
    center: ArrayBufferView,
    rows: number,
    channels: number,
    sumDy: ArrayBufferView,
    sumDyXc: ArrayBufferView,
    reluScale: ArrayBufferView | null,
    reluShift: ArrayBufferView | null,
  ): void;
  batchNormInputGrad(
    dy: ArrayBufferView,
    x: ArrayBufferView,
    rows: number,
    channels: number,
    a: ArrayBufferView,
    b: ArrayBufferView,
    d: ArrayBufferView,
    out: ArrayBufferView,
    reluScale: ArrayBufferView | null,
    reluShift: ArrayBufferView | null,
  ): void;
  adamUpdate(
    p: ArrayBufferView,
    g: ArrayBufferView,
    m: ArrayBufferView,
    v: ArrayBufferView,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    step: number,
  ): void;
  sgdUpdate(
    p: ArrayBufferView,
    g: ArrayBufferView,
    velocity: ArrayBufferView | null,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void;
  rmspropUpdate(
    p: ArrayBufferView,
    g: ArrayBufferView,
    ms: ArrayBufferView,
    mom: ArrayBufferView | null,
    mg: ArrayBufferView | null,
    lr: number,
    rho: number,
    momentum: number,
    epsilon: number,
    centered: boolean,
  ): void;
  /** meta = [cell, batch, time, units, activation, recurrentActivation] (codes: see native-backend.ts). */
  rnnForward(
    projected: ArrayBufferView,
    recurrentKernel: ArrayBufferView,
    recurrentBias: ArrayBufferView | null,
    recurrentMask: ArrayBufferView | null,
    stepMask: ArrayBufferView | null,
    hseq: ArrayBufferView,
    cache: ArrayBufferView,
    meta: Float64Array,
  ): void;
  rnnBackward(
    recurrentKernel: ArrayBufferView,
    recurrentMask: ArrayBufferView | null,
    stepMask: ArrayBufferView | null,
    cache: ArrayBufferView,
    dHseq: ArrayBufferView | null,
    dhLast: ArrayBufferView | null,
    dcLast: ArrayBufferView | null,
    dProjected: ArrayBufferView,
    dRecurrentKernel: ArrayBufferView,
    dRecurrentBias: ArrayBufferView | null,
    meta: Float64Array,
  ): void;
  setNumThreads(n: number): number;
  getNumThreads(): number;
  /** The pool's threads, the count requested, the cap, and why fewer started ('' when all did). */
  threadPoolStatus(): { threads: number; requested: number; max: number; error: string };
  /** The best SIMD family the CPU has: 'avx512' | 'avx2' | 'generic'. */
  cpuIsa(): string;
  /** Forces the float32 GEMM kernel family (capped at the CPU's); returns the one now used. */
  setGemmIsa(isa: string): string;
  /** Whether the softmax kernels' exp uses the AVX2 polynomial (true, if the CPU has it) or libm; returns what is now used. */
  setExpSimd(on: boolean): boolean;
  getGemmIsa(): string;
  /** Bench only: dlopen OpenBLAS; returns null on success or the error. */
  blasLoad(path?: string | null): string | null;
  blasInfo(): string;
  blasSetNumThreads(n: number): void;
  blasMatmul(a: ArrayBufferView, b: ArrayBufferView, out: ArrayBufferView, meta: Float64Array): void;
  /** Casts between bfloat16 (Uint16Array bit patterns) and another storage type; exactly one side is bfloat16. */
  castBf16(x: ArrayBufferView, out: ArrayBufferView): void;
  /** a, b bfloat16; out Float32Array or bfloat16; bias Float32Array or null; meta as for matmul. */
  matmulBf16(
    a: Uint16Array,
    b: Uint16Array,
    out: ArrayBufferView,
    bias: ArrayBufferView | null,
    meta: Float64Array,
  ): void;
  /** Forces the bf16 GEMM family ('amx' | 'avx512bf16' | 'generic', capped at what the machine allows); returns the one now used. */
  setBf16Isa(isa: string): string;
  getBf16Isa(): string;
  /** The best bf16 family the CPU and OS allow, and why AMX is not used ('' when it is). */
  bf16Info(): { detected: string; amxUnavailable: string };
  /** Test only: out = a @ op(b) (+= out) through the pre-packed GEMM; meta [m, n, k, lda, ldb, ldc, transB, accumulate]. */
  gemmPrepacked(a: ArrayBufferView, b: ArrayBufferView, out: ArrayBufferView, meta: Float64Array): void;
  /** Inference plans (native/infer.cc); see src/backend/inference-kernels.ts. */
  inferCreate: InferenceKernels['create'];
  inferRun: InferenceKernels['run'];
  denseSmall: InferenceKernels['denseSmall'];
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

const ADDON_RELATIVE = join('build', 'Release', 'deepscript_native.node');
/**
 * The addon built for linux-x64 with glibc that ships inside the package (scripts/prebuild-native.sh),
 * loaded when there is no addon built from source here. Same sources and run-time CPU dispatch.
 */
export const PREBUILT_RELATIVE = join('prebuilt', 'linux-x64-glibc', 'deepscript_native.node');

/** Whether this process runs on Linux x64 with glibc (the prebuilt addon's platform). */
function isLinuxX64Glibc(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return typeof report?.header?.glibcVersionRuntime === 'string';
}
const BUILD_ERROR_RELATIVE = join('build', 'native-build-error.txt');
const INSTALL_HINT =
  'To enable it, install a C++17 toolchain (Debian/Ubuntu: apt-get install g++ make python3) and run `npm rebuild deepscript`.';

/** The deepscript package root: the nearest directory up from `start` whose package.json is ours. */
function findPackageRoot(start: string): string | null {
  let dir = resolve(start);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'deepscript') return dir;
      } catch {
        // Unreadable package.json: keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function candidatePaths(): string[] {
  const env = process.env['DEEPSCRIPT_NATIVE_ADDON'];
  if (env) return [resolve(env)];
  const roots = [findPackageRoot(dirname(fileURLToPath(import.meta.url))), findPackageRoot(process.cwd())];
  const unique = [...new Set(roots.filter((r): r is string => r !== null))];
  const built = unique.map((r) => join(r, ADDON_RELATIVE));
  return isLinuxX64Glibc() ? [...built, ...unique.map((r) => join(r, PREBUILT_RELATIVE))] : built;
}

function buildFailure(addonPath: string): string | null {
  const file = join(dirname(dirname(dirname(addonPath))), BUILD_ERROR_RELATIVE);
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8').split('\n')[0] ?? null;
}

let cached: AddonLoad | null = null;

/** Loads the compiled addon once; on failure says why and what to install. */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const paths = candidatePaths();
  const found = paths.filter((p) => existsSync(p));
  if (found.length === 0) {
    const tried = paths.length > 0 ? paths.join(', ') : `${ADDON_RELATIVE} (package root not found)`;
    const failure = paths.map(buildFailure).find((f) => f !== null);
    const why = failure ? `the install-time build failed: ${failure}` : 'it was not built';
    cached = { ok: false, reason: `native addon not found at ${tried}; ${why}. ${INSTALL_HINT}` };
    return cached;
  }
  // The addon built here first, then the prebuilt one; the first that loads wins.
  const failures: string[] = [];
  for (const path of found) {
    try {
      const addon = createRequire(import.meta.url)(path) as NativeAddon;
      cached = { ok: true, addon, path };
      return cached;
    } catch (e) {
      failures.push(`loading ${path} failed (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  cached = {
    ok: false,
    reason: `${failures.join('; ')}; it may be built for another Node version or CPU. Run \`npm rebuild deepscript\`. ${INSTALL_HINT}`,
  };
  return cached;
}
