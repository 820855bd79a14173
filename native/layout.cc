#include "layout.h"

#include <cstring>
#include <string>
#include <vector>

#include "thread_pool.h"

namespace ds {
namespace {

constexpr size_t kGrain = 1 << 15;

// Swaps the last two axes of a batch of [rows, cols] matrices in square tiles, so both the
// reads and the writes touch few cache lines per tile.
template <class E>
void transpose_last2(const E* x, E* out, size_t batch, size_t rows, size_t cols) {
  constexpr size_t kTile = 32;
  const size_t tr = (rows + kTile - 1) / kTile, tc = (cols + kTile - 1) / kTile;
  const size_t tiles = batch * tr * tc;
  parallel_for(tiles, kGrain / (kTile * kTile) + 1, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; t++) {
      size_t bt = t / (tr * tc), rem = t % (tr * tc);
      size_t r0 = (rem / tc) * kTile, c0 = (rem % tc) * kTile;
      size_t r1 = r0 + kTile < rows ? r0 + kTile : rows, c1 = c0 + kTile < cols ? c0 + kTile : cols;
      const E* xs = x + bt * rows * cols;
      E* os = out + bt * rows * cols;
      for (size_t c = c0; c < c1; c++)
        for (size_t r = r0; r < r1; r++) os[c * rows + r] = xs[r * cols + c];
    }
  });
}

// General permutation: walk the output in order, stepping the input by each out axis's stride.
template <class E>
void transpose_general(const E* x, E* out, int rank, const int64_t* outShape, const int64_t* step) {
  size_t total = 1;
  for (int d = 0; d < rank; d++) total *= (size_t)outShape[d];
  if (total == 0) return;
  const size_t last = (size_t)outShape[rank - 1];
  const int64_t sl = step[rank - 1];
  const size_t rows = total / last;
  parallel_for(rows, kGrain / last + 1, [&](size_t r0, size_t r1) {
    std::vector<int64_t> ctr(rank, 0);
    int64_t src = 0;
    size_t rem = r0;
    for (int d = rank - 2; d >= 0; d--) {
      ctr[d] = (int64_t)(rem % (size_t)outShape[d]);
      rem /= (size_t)outShape[d];
      src += ctr[d] * step[d];
    }
    for (size_t row = r0; row < r1; row++) {
      E* o = out + row * last;
      if (sl == 1) std::memcpy(o, x + src, last * sizeof(E));
      else
        for (size_t i = 0; i < last; i++) o[i] = x[src + (int64_t)i * sl];
      for (int d = rank - 2; d >= 0; d--) {
        ctr[d]++;
        src += step[d];
        if (ctr[d] < outShape[d]) break;
        src -= step[d] * outShape[d];
        ctr[d] = 0;
      }
    }
  });
}

template <class E>
void transpose_e(const E* x, E* out, int rank, const int64_t* shape, const int64_t* perm) {
  std::vector<int64_t> inStride(rank), outShape(rank), step(rank);
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    inStride[d] = s;
    s *= shape[d];
  }
  bool leadingIdentity = rank >= 2 && perm[rank - 1] == rank - 2 && perm[rank - 2] == rank - 1;
  for (int d = 0; d < rank; d++) {
    outShape[d] = shape[perm[d]];
    step[d] = inStride[perm[d]];
    if (d < rank - 2 && perm[d] != d) leadingIdentity = false;
  }
  if (leadingIdentity) {
    size_t batch = 1;
    for (int d = 0; d < rank - 2; d++) batch *= (size_t)shape[d];
    transpose_last2(x, out, batch, (size_t)shape[rank - 2], (size_t)shape[rank - 1]);
    return;
  }
  transpose_general(x, out, rank, outShape.data(), step.data());
}

// Elements are moved as bits, so one instantiation per element size serves every dtype.
template <class F>
void dispatch_size(DType d, F&& f) {
  switch (dtype_size(d)) {
    case 1: return f(uint8_t{});
    case 4: return f(uint32_t{});
    default: return f(uint64_t{});
  }
}

void check_indices(const Buf& indices, size_t axisSize, const char* what) {
  if (indices.dtype != DType::I32) throw KernelError(std::string(what) + ": indices must be an Int32Array");
  const int32_t* idx = indices.as<int32_t>();
  for (size_t j = 0; j < indices.len; j++)
    if (idx[j] < 0 || (size_t)idx[j] >= axisSize)
      throw KernelError(std::string(what) + ": index " + std::to_string(idx[j]) + " is out of range for an axis of size " +
                        std::to_string(axisSize));
}

}  // namespace

void transpose(const Buf& x, int rank, const int64_t* shape, const int64_t* perm, const Buf& out) {
  if (x.dtype != out.dtype) throw KernelError("transpose: out must have x's dtype");
  size_t total = 1;
  std::vector<bool> seen(rank, false);
  for (int d = 0; d < rank; d++) {
    total *= (size_t)shape[d];
    if (perm[d] < 0 || perm[d] >= rank || seen[perm[d]]) throw KernelError("transpose: perm is not a permutation");
    seen[perm[d]] = true;
  }
  if (x.len < total || out.len < total) throw KernelError("transpose: arrays are shorter than the shape");
  if (total == 0) return;
  if (rank == 0) {
    std::memcpy(out.data, x.data, dtype_size(x.dtype));
    return;
  }
  dispatch_size(x.dtype, [&](auto tag) {
    using E = decltype(tag);
    transpose_e(x.as<E>(), out.as<E>(), rank, shape, perm);
  });
}

void gather(const Buf& x, size_t outer, size_t axisSize, size_t inner, const Buf& indices, const Buf& out) {
  if (x.dtype != out.dtype) throw KernelError("gather: out must have x's dtype");
  const size_t nIdx = indices.len;
  if (x.len < outer * axisSize * inner || out.len < outer * nIdx * inner) throw KernelError("gather: arrays are shorter than the layout");
  check_indices(indices, axisSize, "gather");
  const int32_t* idx = indices.as<int32_t>();
  const size_t es = dtype_size(x.dtype);
  const char* xs = static_cast<const char*>(x.data);
  char* os = static_cast<char*>(out.data);
  const size_t rowBytes = inner * es;
  parallel_for(outer * nIdx, kGrain / (inner + 1) + 1, [&](size_t b, size_t e) {
    for (size_t w = b; w < e; w++) {
      size_t o = w / nIdx, j = w % nIdx;
      std::memcpy(os + w * rowBytes, xs + (o * axisSize + (size_t)idx[j]) * rowBytes, rowBytes);
    }
  });
}

void scatter_add(const Buf& updates, size_t outer, size_t axisSize, size_t inner, const Buf& indices, const Buf& out) {
  if (updates.dtype != out.dtype) throw KernelError("scatterAdd: out must have updates' dtype");
  const size_t nIdx = indices.len;
  if (out.len < outer * axisSize * inner || updates.len < outer * nIdx * inner)
    throw KernelError("scatterAdd: arrays are shorter than the layout");
  check_indices(indices, axisSize, "scatterAdd");
  const int32_t* idx = indices.as<int32_t>();
  dispatch_float(out.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* u = updates.as<T>();
    T* o = out.as<T>();
    // Repeated indices add into one row, so threads split over outer (disjoint output rows) only.
    parallel_for(outer, kGrain / (nIdx * inner + 1) + 1, [&](size_t b, size_t e) {
      for (size_t oo = b; oo < e; oo++)
        for (size_t j = 0; j < nIdx; j++) {
          T* dst = o + (oo * axisSize + (size_t)idx[j]) * inner;
          const T* src = u + (oo * nIdx + j) * inner;
          for (size_t i = 0; i < inner; i++) dst[i] += src[i];
        }
    });
  });
}

}  // namespace ds
