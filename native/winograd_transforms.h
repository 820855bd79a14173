// The Winograd input, output and gradient transforms for tiles of M x M outputs (WinoTile<M>),
// written on 64-byte vectors of channels (GCC vector extensions). Included once per instruction set
// (see winograd.cc), without include guard. Every loop is unrolled so each matrix coefficient is a
// compile-time constant: zero terms vanish and +-1 become adds and subtracts (x * 0 is not folded
// without fast-math, so wino_madd skips it explicitly). Each transform runs as two passes, rows
// then columns, through a small array, which keeps register pressure down for 6x6 tiles.

// acc (+)= c * x; `any` says whether acc holds a term yet.
template <class T, class V>
inline void wino_madd(V& acc, bool& any, double c, const V& x) {
  if (c == 0) return;
  if (!any) {
    acc = c == 1 ? x : c == -1 ? -x : x * (T)c;
    any = true;
  } else if (c == 1) {
    acc += x;
  } else if (c == -1) {
    acc -= x;
  } else {
    acc += x * (T)c;
  }
}

// V = B^T d B for one N x N tile d, given as N * N row-major pointers to channel vectors; V[xi] goes
// to v + xi * stride.
template <class T, class V, int M>
inline void input_transform_at(const T* const* d, size_t ch, T* v, size_t stride) {
  typedef WinoTile<M> W;
  constexpr int N = W::N;
  V t[N * N];  // B^T d
#pragma GCC unroll 8
  for (int i = 0; i < N; i++)
#pragma GCC unroll 8
    for (int j = 0; j < N; j++) {
      V acc = {};
      bool any = false;
#pragma GCC unroll 8
      for (int k = 0; k < N; k++) {
        if (W::BT[i][k] == 0) continue;
        V x;
        __builtin_memcpy(&x, d[k * N + j] + ch, sizeof(V));
        wino_madd<T>(acc, any, W::BT[i][k], x);
      }
      t[i * N + j] = acc;
    }
#pragma GCC unroll 8
  for (int i = 0; i < N; i++)
#pragma GCC unroll 8
    for (int j = 0; j < N; j++) {
      V acc = {};
      bool any = false;
#pragma GCC unroll 8
      for (int k = 0; k < N; k++) wino_madd<T>(acc, any, W::BT[j][k], t[i * N + k]);
      __builtin_memcpy(v + (i * N + j) * stride + ch, &acc, sizeof(V));
    }
}

template <class T, int M>
void input_transform(const T* const* d, size_t cin, T* v, size_t stride) {
  typedef T Vec __attribute__((vector_size(64)));
  typedef T One __attribute__((vector_size(sizeof(T))));
  constexpr size_t W = 64 / sizeof(T);
  size_t ch = 0;
  for (; ch + W <= cin; ch += W) input_transform_at<T, Vec, M>(d, ch, v, stride);
  for (; ch < cin; ch++) input_transform_at<T, One, M>(d, ch, v, stride);
}

// Y = A^T P A (M x M) for one tile from its N * N product rows m + xi * stride, plus bias and relu,
// into the M * M output rows y[].
template <class T, class V, int M>
inline void output_transform_at(const T* m, size_t stride, size_t f, const T* bias, bool relu, T* const* y) {
  typedef WinoTile<M> W;
  constexpr int N = W::N;
  V r[M * N];  // A^T P
#pragma GCC unroll 8
  for (int a = 0; a < M; a++)
#pragma GCC unroll 8
    for (int j = 0; j < N; j++) {
      V acc = {};
      bool any = false;
#pragma GCC unroll 8
      for (int k = 0; k < N; k++) {
        if (W::AT[a][k] == 0) continue;
        V x;
        __builtin_memcpy(&x, m + (k * N + j) * stride + f, sizeof(V));
        wino_madd<T>(acc, any, W::AT[a][k], x);
      }
      r[a * N + j] = acc;
    }
  V b = {};
  if (bias) __builtin_memcpy(&b, bias + f, sizeof(V));
  const V zero = {};
#pragma GCC unroll 8
  for (int a = 0; a < M; a++)
#pragma GCC unroll 8
    for (int c = 0; c < M; c++) {
      V acc = {};
      bool any = false;
#pragma GCC unroll 8
      for (int k = 0; k < N; k++) wino_madd<T>(acc, any, W::AT[c][k], r[a * N + k]);
      acc += b;
      if (relu) acc = acc < zero ? zero : acc;  // NaN stays NaN
      __builtin_memcpy(y[a * M + c] + f, &acc, sizeof(V));
    }
}

template <class T, int M>
void output_transform(const T* m, size_t stride, size_t cout, const T* bias, bool relu, T* const* y) {
  typedef T Vec __attribute__((vector_size(64)));
  typedef T One __attribute__((vector_size(sizeof(T))));
  constexpr size_t W = 64 / sizeof(T);
  size_t f = 0;
  for (; f + W <= cout; f += W) output_transform_at<T, Vec, M>(m, stride, f, bias, relu, y);
  for (; f < cout; f++) output_transform_at<T, One, M>(m, stride, f, bias, relu, y);
}

// E = A e A^T (N x N) for one M x M tile e of output gradients (the weight gradient's F(3x3, M x M)),
// given as M * M row-major pointers to channel vectors; E[xi] goes to out + xi * stride.
template <class T, class V, int M>
inline void grad_transform_at(const T* const* e, size_t ch, T* out, size_t stride) {
  typedef WinoTile<M> W;
  constexpr int N = W::N;
  V r[N * M];  // A e, A[i][a] = A^T[a][i]
#pragma GCC unroll 8
  for (int i = 0; i < N; i++)
#pragma GCC unroll 8
    for (int b = 0; b < M; b++) {
      V acc = {};
      bool any = false;
#pragma GCC unroll 8
      for (int a = 0; a < M; a++) {
        if (W::AT[a][i] == 0) continue;
        V x;
        __builtin_memcpy(&x, e[a * M + b] + ch, sizeof(V));
        wino_madd<T>(acc, any, W::AT[a][i], x);
      }
      r[i * M + b] = acc;
    }
#pragma GCC unroll 8
  for (int i = 0; i < N; i++)
#pragma GCC unroll 8
    for (int j = 0; j < N; j++) {
      V acc = {};
      bool any = false;
#pragma GCC unroll 8
      for (int b = 0; b < M; b++) wino_madd<T>(acc, any, W::AT[b][j], r[i * M + b]);
      __builtin_memcpy(out + (i * N + j) * stride + ch, &acc, sizeof(V));
    }
}

template <class T, int M>
void grad_transform(const T* const* e, size_t f, T* out, size_t stride) {
  typedef T Vec __attribute__((vector_size(64)));
  typedef T One __attribute__((vector_size(sizeof(T))));
  constexpr size_t W = 64 / sizeof(T);
  size_t ch = 0;
  for (; ch + W <= f; ch += W) grad_transform_at<T, Vec, M>(e, ch, out, stride);
  for (; ch < f; ch++) grad_transform_at<T, One, M>(e, ch, out, stride);
}
