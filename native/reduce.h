// Reductions over the middle axis of x viewed as [outer, n, inner].
#pragma once
#include "dtype.h"

namespace ds {

enum ReduceOp { R_SUM, R_MAX, R_MIN };
enum ArgReduceOp { A_ARGMAX, A_ARGMIN };

void reduce(int op, const Buf& x, size_t outer, size_t n, size_t inner, const Buf& out);
void arg_reduce(int op, const Buf& x, size_t outer, size_t n, size_t inner, const Buf& out);

}  // namespace ds
