// Fused recurrent layers: a whole sequence's recurrence (forward and backward through time) per call.
// See the Backend interface's rnnForward / rnnBackward for the layouts.
#pragma once
#include "dtype.h"

namespace ds {

// Codes are positions in RECURRENT_CELLS / RECURRENT_ACTIVATIONS of src/backend/backend.ts.
enum class RnnCell { Simple = 0, Lstm = 1, Gru = 2, GruResetBefore = 3 };
enum class RnnAct { Linear = 0, Relu = 1, Sigmoid = 2, Tanh = 3 };

struct RnnArgs {
  RnnCell cell;
  size_t batch, time, units;
  RnnAct act, ract;
};

// stepMask [batch, time] (nullable): 0 marks a masked step (states carry over, output repeats).
void rnn_forward(const Buf& projected, const Buf& kernel, const Buf* bias, const Buf* mask, const Buf* stepMask,
                 const Buf& hseq, const Buf& cache, const RnnArgs& p);
void rnn_backward(const Buf& kernel, const Buf* mask, const Buf* stepMask, const Buf& cache, const Buf* dHseq, const Buf* dhLast,
                  const Buf* dcLast, const Buf& dProjected, const Buf& dKernel, const Buf* dBias, const RnnArgs& p);

}  // namespace ds
