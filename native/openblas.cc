#include "openblas.h"

#if defined(_WIN32)
namespace ds {
bool blas_load(const std::string&, std::string& err) {
  err = "dlopen is not available on this platform";
  return false;
}
std::string blas_info() { return ""; }
void blas_set_num_threads(int) {}
void blas_sgemm(const Buf&, const Buf&, const Buf&, const MatmulArgs&) { throw KernelError("OpenBLAS is not loaded"); }
}  // namespace ds
#else
#include <dlfcn.h>

namespace ds {
namespace {

// CBLAS enum values (cblas.h), declared here to avoid a header dependency.
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
using SetThreadsFn = void (*)(int);
using StrFn = char* (*)();

void* g_lib = nullptr;
SgemmFn g_sgemm = nullptr;
SetThreadsFn g_set_threads = nullptr;
StrFn g_config = nullptr;
StrFn g_corename = nullptr;

}  // namespace

bool blas_load(const std::string& path, std::string& err) {
  if (g_sgemm) return true;
  const std::string lib = path.empty() ? "libopenblas.so.0" : path;
  g_lib = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!g_lib) {
    const char* e = dlerror();
    err = e ? e : "dlopen failed";
    return false;
  }
  g_sgemm = (SgemmFn)dlsym(g_lib, "cblas_sgemm");
  g_set_threads = (SetThreadsFn)dlsym(g_lib, "openblas_set_num_threads");
  g_config = (StrFn)dlsym(g_lib, "openblas_get_config");
  g_corename = (StrFn)dlsym(g_lib, "openblas_get_corename");
  if (!g_sgemm) {
    err = "cblas_sgemm not found in " + lib;
    return false;
  }
  return true;
}

std::string blas_info() {
  std::string s;
  if (g_config) s += g_config();
  if (g_corename) s += std::string(" core=") + g_corename();
  return s;
}

void blas_set_num_threads(int n) {
  if (g_set_threads) g_set_threads(n);
}

void blas_sgemm(const Buf& a, const Buf& b, const Buf& out, const MatmulArgs& p) {
  if (!g_sgemm) throw KernelError("OpenBLAS is not loaded");
  if (a.dtype != DType::F32 || b.dtype != DType::F32 || out.dtype != DType::F32) throw KernelError("blasSgemm: float32 only");
  if (p.batch == 0 || p.m == 0 || p.n == 0) return;
  if (a.len < (p.batch - 1) * p.aBatchStride + p.m * p.k || b.len < (p.batch - 1) * p.bBatchStride + p.k * p.n ||
      out.len < p.batch * p.m * p.n)
    throw KernelError("blasSgemm: arrays are shorter than the product's shapes");
  const int lda = (int)(p.transA ? p.m : p.k), ldb = (int)(p.transB ? p.k : p.n);
  for (size_t bt = 0; bt < p.batch; bt++)
    g_sgemm(kRowMajor, p.transA ? kTrans : kNoTrans, p.transB ? kTrans : kNoTrans, (int)p.m, (int)p.n, (int)p.k, 1.0f,
            a.as<float>() + bt * p.aBatchStride, lda, b.as<float>() + bt * p.bBatchStride, ldb, 0.0f,
            out.as<float>() + bt * p.m * p.n, (int)p.n);
}

}  // namespace ds
#endif
