// Row softmax / log-softmax, and the fused softmax + categorical cross-entropy forward.
#pragma once
#include "dtype.h"

namespace ds {

void softmax(const Buf& x, size_t rows, size_t n, bool log, const Buf& out);
void softmax_cross_entropy(const Buf& logits, const Buf& labels, size_t rows, size_t n, const Buf& loss, const Buf& probs);

}  // namespace ds
