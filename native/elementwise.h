// Elementwise kernels: unary math, clip, broadcasting binary ops and dtype casts.
#pragma once
#include <cstdint>

#include "dtype.h"

namespace ds {

// Op codes follow the order of UNARY_OPS / ARITHMETIC_OPS + COMPARE_OPS in backend.ts.
enum UnaryOp { U_NEG, U_ABS, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_SQUARE, U_RECIPROCAL, U_RELU, U_STEP,
               U_SIGMOID, U_TANH, U_SIGN, U_FLOOR, U_ROUND, U_SOFTPLUS, U_COUNT };
enum BinaryOp { B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_EQUAL, B_NOT_EQUAL,
                B_GREATER, B_GREATER_EQUAL, B_LESS, B_LESS_EQUAL, B_COUNT };

void unary(int op, const Buf& x, const Buf& out);
void clip(const Buf& x, double lo, double hi, const Buf& out);

// Broadcast layout: out has `shape` (rank >= 1); a and b are read at strides aStr/bStr per axis
// (0 along broadcast axes).
struct BroadcastLayout {
  int rank;
  const int64_t* shape;
  const int64_t* aStr;
  const int64_t* bStr;
};
void binary(int op, const Buf& a, const Buf& b, const Buf& out, const BroadcastLayout& layout);

void cast(const Buf& x, const Buf& out);

// out[i] = grad[i] * (y[i] > 0 ? 1 : 0): relu's backward in one pass.
void relu_grad(const Buf& grad, const Buf& y, const Buf& out);

}  // namespace ds
