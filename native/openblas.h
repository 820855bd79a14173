// Bench-only bridge to OpenBLAS: loaded with dlopen at run time when asked, never linked, so the
// addon neither needs nor depends on it. Used to measure our GEMM against it side by side.
#pragma once
#include <string>

#include "gemm.h"

namespace ds {

// Loads the library (default "libopenblas.so.0"); on failure returns false and sets err.
bool blas_load(const std::string& path, std::string& err);
std::string blas_info();
void blas_set_num_threads(int n);
void blas_sgemm(const Buf& a, const Buf& b, const Buf& out, const MatmulArgs& p);

}  // namespace ds
