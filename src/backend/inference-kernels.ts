/**
 * The native addon's inference-plan kernels (native/infer.cc), registered when the addon loads,
 * so browser-safe code (src/models/inference-plan.ts) can use them without importing Node.
 */

/** An opaque native plan made by `create`. */
export type NativePlanHandle = object;

export interface InferenceKernels {
  /** meta = [steps, then per step STEP_META_WIDTH numbers] (see inference-plan.ts). */
  create(meta: Float64Array): NativePlanHandle;
  /** Runs a plan on `batch` samples of x into out; weights are the steps' kernels and biases. */
  run(plan: NativePlanHandle, weights: Float32Array[], x: Float32Array, batch: number, out: Float32Array): void;
  /** out [rows, n] = act(x [rows, k] @ w [k, n] + bias) by the small-batch Dense kernel (tests). */
  denseSmall(
    x: Float32Array,
    rows: number,
    w: Float32Array,
    k: number,
    n: number,
    bias: Float32Array | null,
    relu: boolean,
    out: Float32Array,
  ): void;
}

let kernels: InferenceKernels | null = null;

export function registerInferenceKernels(k: InferenceKernels): void {
  kernels = k;
}

/** The native inference kernels, or null when the addon is not loaded. */
export function inferenceKernels(): InferenceKernels | null {
  return kernels;
}
