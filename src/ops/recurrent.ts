import type { RecurrentActivation, RecurrentCell, RecurrentParams } from '../backend/backend.js';
import { RECURRENT_ACTIVATIONS, recurrentCachePlanes, recurrentGates } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { DType, FloatArray } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { assertFloat, uninitializedOutput } from './operand.js';

/**
 * Whole-sequence recurrent ops: the recurrence of a SimpleRNN / LSTM / GRU layer over all
 * timesteps as one kernel call, recorded on the tape once per returned tensor (not per step).
 * The input projection x @ kernel + input bias stays a `dense` op before them, so its gradient
 * stays there; these ops take its result.
 */
export interface RecurrentSequenceOptions {
  /** The cell's activation (default tanh). */
  activation?: RecurrentActivation;
  /** The gates' activation (default sigmoid; LSTM and GRU). */
  recurrentActivation?: RecurrentActivation;
  /** [batch, units]: multiplies the previous output before the recurrent matmul (recurrent dropout). A constant. */
  recurrentMask?: Tensor | null;
  /** Output every step ([batch, time, units]) instead of the last ([batch, units]). */
  returnSequences?: boolean;
  /**
   * [batch, time], nonzero where a step is real (Keras's mask, e.g. from Embedding maskZero): at a
   * masked step the states carry over and the output repeats the previous one (zeros before the
   * first real step). A constant; any dtype.
   */
  stepMask?: Tensor | null;
}

/** The activation as the fused kernels name it, or null when they have no such activation. */
export function fusedActivation(name: string): RecurrentActivation | null {
  return (RECURRENT_ACTIVATIONS as readonly string[]).includes(name) ? (name as RecurrentActivation) : null;
}

export interface RecurrentSequenceResult {
  /** [batch, time, units] with returnSequences, else [batch, units]. */
  output: Tensor;
  /** Final states [batch, units]: [h], or [h, c] for LSTM. */
  states: Tensor[];
}

function checkShapes(
  op: string,
  cell: RecurrentCell,
  projected: Tensor,
  recurrentKernel: Tensor,
  recurrentBias: Tensor | null,
  mask: Tensor | null,
): { batch: number; time: number; units: number } {
  assertFloat(projected, op);
  const units = recurrentKernel.shape[0] ?? 0;
  const gu = recurrentGates(cell) * units;
  const bad = (what: string, expected: string, t: Tensor): never => {
    throw new Error(`${op}: ${what} must have shape ${expected}, got ${shapeToString(t.shape)}.`);
  };
  if (recurrentKernel.rank !== 2 || recurrentKernel.shape[1] !== gu || units === 0)
    bad('recurrentKernel', `[units, ${recurrentGates(cell)} * units]`, recurrentKernel);
  if (projected.rank !== 3 || projected.shape[2] !== gu || projected.shape[1] === 0)
    bad('projected', `[batch, time>0, ${gu}]`, projected);
  const [batch, time] = projected.shape as [number, number, number];
  if (recurrentBias && (recurrentBias.rank !== 1 || recurrentBias.shape[0] !== gu))
    bad('recurrentBias', `[${gu}]`, recurrentBias);
  if (mask && (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== units))
    bad('recurrentMask', `[${batch}, ${units}]`, mask);
  for (const t of [recurrentKernel, recurrentBias, mask])
    if (t && t.dtype !== projected.dtype)
      throw new Error(`${op}: all inputs must share the dtype of projected (${projected.dtype}), got ${t.dtype}.`);
  return { batch, time, units };
}

/** The step mask as 0/1 in the computation's dtype, checked against [batch, time]. */
function stepMaskOf(op: string, m: Tensor, batch: number, time: number, dtype: DType): Tensor {
  if (m.rank !== 2 || m.shape[0] !== batch || m.shape[1] !== time)
    throw new Error(`${op}: stepMask must have shape [${batch}, ${time}], got ${shapeToString(m.shape)}.`);
  const out = uninitializedOutput([batch, time], dtype);
  for (let i = 0; i < out.size; i++) out.data[i] = m.data[i] ? 1 : 0;
  return out;
}

function sequence(
  op: string,
  cell: RecurrentCell,
  projected: Tensor,
  recurrentKernel: Tensor,
  recurrentBias: Tensor | null,
  o: RecurrentSequenceOptions,
): RecurrentSequenceResult {
  const mask = o.recurrentMask ?? null;
  const { batch, time, units } = checkShapes(op, cell, projected, recurrentKernel, recurrentBias, mask);
  const stepMask = o.stepMask ? stepMaskOf(op, o.stepMask, batch, time, projected.dtype) : null;
  const p: RecurrentParams = {
    cell,
    batch,
    time,
    units,
    activation: o.activation ?? 'tanh',
    recurrentActivation: o.recurrentActivation ?? 'sigmoid',
  };
  const dtype = projected.dtype;
  // The recurrent kernels overwrite every output and gradient array they are given (Backend docs).
  const hseq = uninitializedOutput([batch, time, units], dtype);
  const cache = uninitializedOutput([recurrentCachePlanes(cell), batch, time, units], dtype);
  const data = (t: Tensor | null): FloatArray | null => (t ? (t.data as FloatArray) : null);
  backend().rnnForward(
    projected.data as FloatArray,
    recurrentKernel.data as FloatArray,
    data(recurrentBias),
    data(mask),
    data(stepMask),
    p,
    hseq.data as FloatArray,
    cache.data as FloatArray,
  );
  const inputs = recurrentBias ? [projected, recurrentKernel, recurrentBias] : [projected, recurrentKernel];
  // Each returned tensor gets its own tape record; a loss using several runs the backward once per
  // record it reaches, and the gradients add up.
  const backwardFrom =
    (which: 'seq' | 'h' | 'c') =>
    (g: Tensor): (Tensor | null)[] => {
      const dProjected = uninitializedOutput(projected.shape, dtype);
      const dKernel = uninitializedOutput(recurrentKernel.shape, dtype);
      const dBias = recurrentBias ? uninitializedOutput(recurrentBias.shape, dtype) : null;
      backend().rnnBackward(
        recurrentKernel.data as FloatArray,
        data(mask),
        data(stepMask),
        cache.data as FloatArray,
        which === 'seq' ? (g.data as FloatArray) : null,
        which === 'h' ? (g.data as FloatArray) : null,
        which === 'c' ? (g.data as FloatArray) : null,
        p,
        dProjected.data as FloatArray,
        dKernel.data as FloatArray,
        data(dBias),
      );
      return [
        projected.requiresGrad ? dProjected : null,
        recurrentKernel.requiresGrad ? dKernel : null,
        recurrentBias?.requiresGrad ? dBias : null,
      ];
    };
  // The last step of a [batch, time, units] plane, copied out as [batch, units].
  const lastStep = (src: FloatArray, planeOffset: number): Tensor => {
    const out = uninitializedOutput([batch, units], dtype);
    const o = out.data as FloatArray;
    for (let b = 0; b < batch; b++) {
      const from = planeOffset + (b * time + time - 1) * units;
      o.set(src.subarray(from, from + units), b * units);
    }
    return out;
  };
  const hLast = record(lastStep(hseq.data as FloatArray, 0), op, inputs, backwardFrom('h'));
  const states = [hLast];
  if (cell === 'lstm') {
    const cPlane = 5 * batch * time * units;
    states.push(record(lastStep(cache.data as FloatArray, cPlane), op, inputs, backwardFrom('c')));
  }
  const out = o.returnSequences ? record(hseq, op, inputs, backwardFrom('seq')) : hLast;
  return { output: out, states };
}

/**
 * SimpleRNN over a whole sequence: h_t = a(projected_t + h_{t-1} U), h_{-1} = 0.
 * projected [batch, time, units], recurrentKernel [units, units].
 */
export function simpleRnnSequence(
  projected: Tensor,
  recurrentKernel: Tensor,
  options: RecurrentSequenceOptions = {},
): RecurrentSequenceResult {
  return sequence('simpleRnnSequence', 'simpleRnn', projected, recurrentKernel, null, options);
}

/**
 * LSTM over a whole sequence (Keras's gate order i, f, c, o): projected [batch, time, 4u],
 * recurrentKernel [u, 4u]; zero initial h and c. States are [h, c].
 */
export function lstmSequence(
  projected: Tensor,
  recurrentKernel: Tensor,
  options: RecurrentSequenceOptions = {},
): RecurrentSequenceResult {
  return sequence('lstmSequence', 'lstm', projected, recurrentKernel, null, options);
}

export interface GruSequenceOptions extends RecurrentSequenceOptions {
  /** Keras 2's default true: r multiplies (h U_h + b'_h); false: r multiplies h before U_h. */
  resetAfter?: boolean;
  /** [3u], added to h U (resetAfter only; Keras's bias row 1). */
  recurrentBias?: Tensor | null;
}

/**
 * GRU over a whole sequence (gate order z, r, h): projected [batch, time, 3u], recurrentKernel
 * [u, 3u]; h' = z * h + (1 - z) * hh.
 */
export function gruSequence(
  projected: Tensor,
  recurrentKernel: Tensor,
  options: GruSequenceOptions = {},
): RecurrentSequenceResult {
  const resetAfter = options.resetAfter ?? true;
  const rb = options.recurrentBias ?? null;
  if (rb && !resetAfter)
    throw new Error('gruSequence: recurrentBias needs resetAfter=true (Keras has none without it).');
  return sequence('gruSequence', resetAfter ? 'gru' : 'gruResetBefore', projected, recurrentKernel, rb, options);
}
