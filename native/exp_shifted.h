// exp(x - shift) over a row with its sum: the inner loop of every softmax (the softmax kernels,
// attention's probabilities). float32 runs an AVX2 polynomial where the CPU has it: libm's scalar
// exp costs about 7 ns an element, which made it most of an attention forward pass.
#pragma once
#include <cstddef>

namespace ds {

// e[j] = exp(x[j] - shift) for j < n (x and e may be the same array); returns the sum of the e[j]
// accumulated in double. The AVX2 path is within 2 ulp of exp, keeps NaN, overflows to inf and
// underflows gradually to 0 as exp does.
double exp_shifted(const float* x, size_t n, float shift, float* e);
double exp_shifted(const double* x, size_t n, double shift, double* e);

// Selects the path, so tests can compare the vector path with libm's exp: true uses AVX2 when the
// CPU has it (the default), false always uses libm. Returns whether AVX2 is now used.
bool set_exp_simd(bool want);

}  // namespace ds
