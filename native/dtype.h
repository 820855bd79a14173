// Element types the kernels see, and a switch that instantiates a kernel template for one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace ds {

enum class DType { F32, F64, I32, U8 };

inline size_t dtype_size(DType d) {
  switch (d) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I32: return 4;
    case DType::U8: return 1;
  }
  return 0;
}

// A typed view of a JS typed array: data already points at the view's first element.
struct Buf {
  void* data = nullptr;
  size_t len = 0;
  DType dtype = DType::F32;
  template <class T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

// Error a kernel reports; the addon turns it into a JS Error.
struct KernelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class F>
decltype(auto) dispatch_dtype(DType d, F&& f) {
  switch (d) {
    case DType::F32: return f(float{});
    case DType::F64: return f(double{});
    case DType::I32: return f(int32_t{});
    default: return f(uint8_t{});
  }
}

template <class F>
decltype(auto) dispatch_float(DType d, F&& f) {
  if (d == DType::F64) return f(double{});
  return f(float{});
}

}  // namespace ds
