// Data movement: transpose (any rank), gather along an axis and its gradient scatterAdd.
#pragma once
#include <cstdint>

#include "dtype.h"

namespace ds {

void transpose(const Buf& x, int rank, const int64_t* shape, const int64_t* perm, const Buf& out);
void gather(const Buf& x, size_t outer, size_t axisSize, size_t inner, const Buf& indices, const Buf& out);
void scatter_add(const Buf& updates, size_t outer, size_t axisSize, size_t inner, const Buf& indices, const Buf& out);

}  // namespace ds
