// The F(2x2, 3x3) input and output transforms, written on 64-byte vectors of channels (GCC
// vector extensions). Included once per instruction set (see winograd.cc), without include guard.

// V = B^T d B for one 4x4 tile d, given as 16 row-major pointers to channel vectors; V[xi] goes to
// v + xi * stride. B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
template <class T, class V>
inline void input_transform_at(const T* const* d, size_t ch, T* v, size_t stride) {
  V x[16];
  for (int i = 0; i < 16; i++) __builtin_memcpy(&x[i], d[i] + ch, sizeof(V));
  V t[16];
  for (int j = 0; j < 4; j++) {  // rows: t = B^T d
    t[0 + j] = x[0 + j] - x[8 + j];
    t[4 + j] = x[4 + j] + x[8 + j];
    t[8 + j] = x[8 + j] - x[4 + j];
    t[12 + j] = x[4 + j] - x[12 + j];
  }
  for (int i = 0; i < 4; i++) {  // columns: V = t B
    const V r0 = t[4 * i] - t[4 * i + 2], r1 = t[4 * i + 1] + t[4 * i + 2];
    const V r2 = t[4 * i + 2] - t[4 * i + 1], r3 = t[4 * i + 1] - t[4 * i + 3];
    __builtin_memcpy(v + (4 * i + 0) * stride + ch, &r0, sizeof(V));
    __builtin_memcpy(v + (4 * i + 1) * stride + ch, &r1, sizeof(V));
    __builtin_memcpy(v + (4 * i + 2) * stride + ch, &r2, sizeof(V));
    __builtin_memcpy(v + (4 * i + 3) * stride + ch, &r3, sizeof(V));
  }
}

template <class T>
void input_transform(const T* const* d, size_t cin, T* v, size_t stride) {
  typedef T Vec __attribute__((vector_size(64)));
  typedef T One __attribute__((vector_size(sizeof(T))));
  constexpr size_t W = 64 / sizeof(T);
  size_t ch = 0;
  for (; ch + W <= cin; ch += W) input_transform_at<T, Vec>(d, ch, v, stride);
  for (; ch < cin; ch++) input_transform_at<T, One>(d, ch, v, stride);
}

// Y = A^T M A (2x2) for one tile from its 16 product rows m + xi * stride, plus bias and relu, into
// the four output rows y[0..3]. A^T = [1 1 1 0; 0 1 -1 -1].
template <class T, class V>
inline void output_transform_at(const T* m, size_t stride, size_t f, const T* bias, bool relu, T* const* y) {
  V x[16];
  for (int i = 0; i < 16; i++) __builtin_memcpy(&x[i], m + i * stride + f, sizeof(V));
  V r[8];
  for (int j = 0; j < 4; j++) {
    r[j] = x[j] + x[4 + j] + x[8 + j];
    r[4 + j] = x[4 + j] - x[8 + j] - x[12 + j];
  }
  V b = {};
  if (bias) __builtin_memcpy(&b, bias + f, sizeof(V));
  V out[4] = {r[0] + r[1] + r[2] + b, r[1] - r[2] - r[3] + b, r[4] + r[5] + r[6] + b, r[5] - r[6] - r[7] + b};
  const V zero = {};
  for (int k = 0; k < 4; k++) {
    if (relu) out[k] = out[k] > zero ? out[k] : zero;
    __builtin_memcpy(y[k] + f, &out[k], sizeof(V));
  }
}

template <class T>
void output_transform(const T* m, size_t stride, size_t cout, const T* bias, bool relu, T* const* y) {
  typedef T Vec __attribute__((vector_size(64)));
  typedef T One __attribute__((vector_size(sizeof(T))));
  constexpr size_t W = 64 / sizeof(T);
  size_t f = 0;
  for (; f + W <= cout; f += W) output_transform_at<T, Vec>(m, stride, f, bias, relu, y);
  for (; f < cout; f++) output_transform_at<T, One>(m, stride, f, bias, relu, y);
}

// E = A e A^T (4x4) for one 2x2 tile e of output gradients (the weight gradient's F(3x3, 2x2)),
// given as 4 row-major pointers to channel vectors; E[xi] goes to out + xi * stride.
template <class T, class V>
inline void grad_transform_at(const T* const* e, size_t ch, T* out, size_t stride) {
  V x00, x01, x10, x11;
  __builtin_memcpy(&x00, e[0] + ch, sizeof(V));
  __builtin_memcpy(&x01, e[1] + ch, sizeof(V));
  __builtin_memcpy(&x10, e[2] + ch, sizeof(V));
  __builtin_memcpy(&x11, e[3] + ch, sizeof(V));
  // Rows: A e, A = [1 0; 1 1; 1 -1; 0 -1].
  const V r[4][2] = {{x00, x01}, {x00 + x10, x01 + x11}, {x00 - x10, x01 - x11}, {-x10, -x11}};
  for (int i = 0; i < 4; i++) {  // columns: (A e) A^T
    const V c[4] = {r[i][0], r[i][0] + r[i][1], r[i][0] - r[i][1], -r[i][1]};
    for (int j = 0; j < 4; j++) __builtin_memcpy(out + (4 * i + j) * stride + ch, &c[j], sizeof(V));
  }
}

template <class T>
void grad_transform(const T* const* e, size_t f, T* out, size_t stride) {
  typedef T Vec __attribute__((vector_size(64)));
  typedef T One __attribute__((vector_size(sizeof(T))));
  constexpr size_t W = 64 / sizeof(T);
  size_t ch = 0;
  for (; ch + W <= f; ch += W) grad_transform_at<T, Vec>(e, ch, out, stride);
  for (; ch < f; ch++) grad_transform_at<T, One>(e, ch, out, stride);
}
