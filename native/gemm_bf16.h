// bfloat16 storage and the bf16 GEMM: products of bf16 operands accumulated in float32, with the
// fused bias + relu epilogue of the float32 kernel, written as float32 or rounded to bf16.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dtype.h"
#include "gemm.h"

namespace ds {

// float32 -> bf16, round to nearest even; NaN stays a (quiet) NaN of the same sign.
inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

inline float bf16_to_f32(uint16_t h) {
  const uint32_t u = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Kernel families for bf16, in increasing order; set_bf16_isa caps a request at what the CPU and
// the OS allow.
enum class Bf16Isa { Generic = 0, Avx512Bf16 = 1, Amx = 2 };

// What this machine allows: AMX needs the CPU flags, the OS's XSAVE support and Linux's
// permission for the tile data state (asked once with arch_prctl); DEEPSCRIPT_DISABLE_AMX=1 in the
// environment at load time skips AMX without asking.
Bf16Isa detected_bf16_isa();
const char* bf16_isa_name(Bf16Isa isa);
// Why AMX is not used (empty when it is), for diagnostics.
const char* amx_unavailable_reason();
Bf16Isa set_bf16_isa(Bf16Isa want);
Bf16Isa bf16_isa();

// A bf16 array (a JS Uint16Array holding bfloat16 bit patterns).
struct Bf16Span {
  uint16_t* data = nullptr;
  size_t len = 0;
};

// out[b] = op(a[b]) @ op(b[b]) (+ bias) (relu) with float32 sums; bias float32 or null. The
// output is float32 (outF32) or bf16 (outBf16, rounded once, after the epilogue): exactly one is set.
void matmul_bf16(const Bf16Span& a, const Bf16Span& b, const Buf* outF32, const Bf16Span* outBf16, const Buf* bias,
                 const MatmulArgs& p);

// Casts to bf16 go through float32 (as the reference does, and as Eigen and PyTorch convert
// doubles); casts from bf16 are exact, integer outputs truncated as the float32 cast truncates.
void cast_to_bf16(const Buf& x, const Bf16Span& out);
void cast_from_bf16(const Bf16Span& x, const Buf& out);

// Internal: a 32 x 32 block of float32 sums, acc[r * 32 + j] = sum_k ap[r][k] * B[k][j], from A
// packed as 32 rows of kp values (kp a multiple of 32) and B as two 16-column groups of kp/2
// (pair, column, 2) entries, the second group `gstride` values after the first.
using Bf16BlockFn = void (*)(const uint16_t* ap, size_t kp, const uint16_t* bp, size_t gstride, float* acc);
Bf16BlockFn bf16_block_avx512();
Bf16BlockFn bf16_block_amx();
// Stores rows x cols (<= 32 x 32) of a block of sums (row stride 32) with the epilogue: + bias[j]
// (may be null), relu, then float32 (outF) or bf16 (outH, nearest even, NaN kept), row stride ldo.
using Bf16StoreFn = void (*)(const float* acc, size_t rows, size_t cols, const float* bias, bool relu, float* outF,
                             uint16_t* outH, size_t ldo);
Bf16StoreFn bf16_store_avx512();
// Packs 32 columns (j0 .. j0 + 31, all inside B) of a row-major B [k, ldb] into two 16-column
// groups (dst, dst + gstride) of kp/2 (pair, column, 2) rows, zero padded past k.
using Bf16PackBFn = void (*)(const uint16_t* b, size_t ldb, size_t k, size_t kp, size_t j0, uint16_t* dst,
                             size_t gstride);
Bf16PackBFn bf16_pack_b_avx512();
// Packs one 16-column group (columns j0 .. j0 + 15, all inside B) of op(B) = B^T, B stored [n, k].
using Bf16PackBtFn = void (*)(const uint16_t* b, size_t k, size_t kp, size_t j0, uint16_t* dst);
Bf16PackBtFn bf16_pack_bt_avx512();
// Packs a full 32-row panel (rows i0 .. i0 + 31, all inside op(A)) of op(A) = A^T, A stored
// [k, lda], as 32 rows of kp values, zero padded.
using Bf16PackAtFn = void (*)(const uint16_t* a, size_t lda, size_t k, size_t kp, size_t i0, uint16_t* dst);
Bf16PackAtFn bf16_pack_at_avx512();
// Per-thread setup and release of the AMX tile configuration (no-ops for the other families).
void amx_begin();
void amx_end();

}  // namespace ds
