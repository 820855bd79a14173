import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { gradients } from '../src/core/autograd.js';
import { Random } from '../src/core/random.js';
import { sizeOf } from '../src/core/shape.js';
import { Tensor } from '../src/core/tensor.js';
import { avgPool1d, avgPool2d, maxPool1d, maxPool2d } from '../src/ops/pool.js';
import { conv1d, conv2d } from '../src/ops/conv.js';
import { pad } from '../src/ops/pad.js';
import { tensor } from '../src/ops/creation.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';

type Pad = 'valid' | 'same' | 'causal';

/** TensorFlow's output size and leading pad, written out independently of the library. */
function axis(size: number, k: number, s: number, d: number, padding: Pad): [out: number, before: number] {
  const span = d * (k - 1) + 1;
  if (padding === 'valid') return [Math.floor((size - span) / s) + 1, 0];
  if (padding === 'causal') return [Math.floor((size - 1) / s) + 1, span - 1];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max(0, (out - 1) * s + span - size) / 2)];
}

/** Direct-loop convolution in float64: x [N,H,W,C], k [KH,KW,C,F]. */
function naiveConv2d(
  x: Tensor,
  k: Tensor,
  strides: [number, number],
  padding: Pad,
  dil: [number, number],
  bias?: Tensor,
): Tensor {
  const [n, h, w, c] = x.shape as number[] as [number, number, number, number];
  const [kh, kw, , f] = k.shape as number[] as [number, number, number, number];
  const [oh, pt] = axis(h, kh, strides[0], dil[0], padding);
  const [ow, pl] = axis(w, kw, strides[1], dil[1], padding);
  const out = new Float64Array(n * oh * ow * f);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < f; o++) {
          let s = bias ? bias.data[o]! : 0;
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const y = i * strides[0] - pt + p * dil[0];
              const xx = j * strides[1] - pl + q * dil[1];
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              for (let ch = 0; ch < c; ch++)
                s += x.data[((b * h + y) * w + xx) * c + ch]! * k.data[((p * kw + q) * c + ch) * f + o]!;
            }
          out[((b * oh + i) * ow + j) * f + o] = s;
        }
  return new Tensor(out, [n, oh, ow, f], 'float64');
}

/** Direct-loop pooling; padding never wins a max and is not counted in an average. */
function naivePool2d(
  x: Tensor,
  pool: [number, number],
  strides: [number, number],
  padding: Pad,
  kind: 'max' | 'avg',
): Tensor {
  const [n, h, w, c] = x.shape as number[] as [number, number, number, number];
  const [oh, pt] = axis(h, pool[0], strides[0], 1, padding);
  const [ow, pl] = axis(w, pool[1], strides[1], 1, padding);
  const out = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          let acc = kind === 'max' ? -Infinity : 0;
          let count = 0;
          for (let p = 0; p < pool[0]; p++)
            for (let q = 0; q < pool[1]; q++) {
              const y = i * strides[0] - pt + p;
              const xx = j * strides[1] - pl + q;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              const v = x.data[((b * h + y) * w + xx) * c + ch]!;
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          out[((b * oh + i) * ow + j) * c + ch] = kind === 'max' ? acc : acc / count;
        }
  return new Tensor(out, [n, oh, ow, c], 'float64');
}

function assertClose(actual: Tensor, expected: Tensor, tol = 1e-9, label = ''): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${label}: shape`);
  for (let i = 0; i < expected.size; i++) {
    const a = actual.data[i]!;
    const e = expected.data[i]!;
    assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${label}: [${i}] ${a} vs ${e}`);
  }
}

const rng = new Random(42);
const rand = (shape: number[], kind: 'signed' | 'distinct' = 'signed'): Tensor => makeInput(rng, { shape, kind });
const img = (rows: number[][]): Tensor => tensor(rows, [1, rows.length, rows[0]!.length, 1], 'float64');
const plain = (t: Tensor): number[][] => {
  const [, h, w] = t.shape as number[];
  return Array.from({ length: h! }, (_, i) => Array.from(t.data.subarray(i * w!, (i + 1) * w!)));
};

describe('lecture worked examples', () => {
  test('the 2x2 mask [[1,0],[0,1]] over the 4x4 image', () => {
    const x = img([
      [1, 0, 1, 0],
      [0, 1, 1, 0],
      [0, 0, 1, 1],
      [0, 0, 1, 0],
    ]);
    const mask = tensor([1, 0, 0, 1], [2, 2, 1, 1], 'float64');
    assert.deepEqual(plain(conv2d(x, mask)), [
      [2, 1, 1],
      [0, 2, 2],
      [0, 1, 1],
    ]);
  });

  test('2x2 max pooling', () => {
    const x = img([
      [1, 0, 1, 0],
      [0, 4, 2, 0],
      [0, 1, 6, 1],
      [0, 0, 1, 0],
    ]);
    assert.deepEqual(plain(maxPool2d(x, 2)), [
      [4, 2],
      [1, 6],
    ]);
  });
});

describe('conv2d forward against a direct loop', () => {
  const configs: { x: number[]; k: number[]; s: [number, number]; p: Pad; d: [number, number]; bias?: boolean }[] = [
    { x: [2, 7, 6, 3], k: [3, 3, 3, 4], s: [1, 1], p: 'valid', d: [1, 1], bias: true },
    { x: [2, 7, 6, 3], k: [3, 3, 3, 4], s: [1, 1], p: 'same', d: [1, 1] },
    { x: [3, 9, 8, 2], k: [3, 2, 2, 5], s: [2, 3], p: 'valid', d: [1, 1] },
    { x: [3, 9, 8, 2], k: [4, 3, 2, 5], s: [2, 3], p: 'same', d: [1, 1], bias: true },
    { x: [2, 9, 10, 2], k: [3, 3, 2, 3], s: [1, 1], p: 'valid', d: [2, 3] },
    { x: [2, 9, 10, 2], k: [3, 2, 2, 3], s: [1, 1], p: 'same', d: [2, 2] },
    { x: [2, 5, 5, 3], k: [1, 1, 3, 4], s: [1, 1], p: 'valid', d: [1, 1] },
    { x: [2, 6, 5, 3], k: [1, 1, 3, 2], s: [2, 2], p: 'same', d: [1, 1] },
    { x: [1, 4, 4, 1], k: [5, 5, 1, 2], s: [1, 1], p: 'same', d: [1, 1] },
  ];
  for (const cfg of configs) {
    test(`x ${cfg.x} kernel ${cfg.k} strides ${cfg.s} ${cfg.p} dilation ${cfg.d}${cfg.bias ? ' + bias' : ''}`, () => {
      const x = rand(cfg.x);
      const k = rand(cfg.k);
      const bias = cfg.bias ? rand([cfg.k[3]!]) : undefined;
      const y = conv2d(x, k, {
        strides: cfg.s,
        padding: cfg.p as 'valid' | 'same',
        dilationRate: cfg.d,
        bias: bias ?? null,
      });
      assertClose(y, naiveConv2d(x, k, cfg.s, cfg.p, cfg.d, bias), 1e-12, 'conv2d');
    });
  }

  test("'same' with stride 1 keeps the spatial size; fused relu equals relu of the linear output", () => {
    const x = rand([2, 5, 4, 2]);
    const k = rand([3, 3, 2, 3]);
    const lin = conv2d(x, k, { padding: 'same' });
    assert.deepEqual([...lin.shape], [2, 5, 4, 3]);
    const r = conv2d(x, k, { padding: 'same', activation: 'relu' });
    for (let i = 0; i < lin.size; i++) assert.equal(r.data[i], Math.max(0, lin.data[i]!));
  });

  test('float32 agrees with float64', () => {
    const x = rand([2, 6, 6, 3]);
    const k = rand([3, 3, 3, 4]);
    const y32 = conv2d(x.astype('float32'), k.astype('float32'), { padding: 'same', strides: 2 });
    assert.equal(y32.dtype, 'float32');
    assertClose(y32, naiveConv2d(x, k, [2, 2], 'same', [1, 1]), 1e-5, 'float32');
  });
});

describe('conv1d forward against a direct loop', () => {
  const configs: { x: number[]; k: number[]; s: number; p: Pad; d: number }[] = [
    { x: [2, 11, 3], k: [5, 3, 4], s: 1, p: 'valid', d: 1 },
    { x: [2, 11, 3], k: [4, 3, 2], s: 2, p: 'same', d: 1 },
    { x: [2, 11, 3], k: [3, 3, 2], s: 1, p: 'causal', d: 2 },
    { x: [3, 10, 2], k: [2, 2, 3], s: 3, p: 'causal', d: 1 },
  ];
  for (const cfg of configs) {
    test(`x ${cfg.x} kernel ${cfg.k} stride ${cfg.s} ${cfg.p} dilation ${cfg.d}`, () => {
      const x = rand(cfg.x);
      const k = rand(cfg.k);
      const y = conv1d(x, k, { strides: cfg.s, padding: cfg.p, dilationRate: cfg.d });
      const [n, l, c] = cfg.x as [number, number, number];
      const ref = naiveConv2d(x.reshape([n, 1, l, c]), k.reshape([1, ...cfg.k]), [1, cfg.s], cfg.p, [1, cfg.d]);
      assertClose(y, ref.reshape([n, ref.shape[2]!, cfg.k[2]!]), 1e-12, 'conv1d');
    });
  }

  test('causal output t depends only on inputs t, t-2, t-4 (kernel 3, dilation 2)', () => {
    const x = rand([1, 8, 2]);
    const k = rand([3, 2, 1]);
    const y0 = conv1d(x, k, { padding: 'causal', dilationRate: 2 });
    assert.deepEqual([...y0.shape], [1, 8, 1]);
    const x2 = new Tensor(Float64Array.from(x.data), x.shape, 'float64');
    x2.data[5 * 2] = 100; // change step 5
    const y1 = conv1d(x2, k, { padding: 'causal', dilationRate: 2 });
    for (let t = 0; t < 8; t++) assert.equal(y1.data[t] !== y0.data[t], t === 5 || t === 7, `step ${t}`);
  });
});

describe('pooling forward against a direct loop', () => {
  const configs: { x: number[]; pool: [number, number]; s: [number, number]; p: Pad }[] = [
    { x: [2, 6, 6, 3], pool: [2, 2], s: [2, 2], p: 'valid' },
    { x: [2, 7, 5, 3], pool: [2, 2], s: [2, 2], p: 'valid' },
    { x: [2, 7, 5, 3], pool: [2, 2], s: [2, 2], p: 'same' },
    { x: [2, 7, 8, 2], pool: [3, 2], s: [1, 2], p: 'valid' },
    { x: [2, 7, 8, 2], pool: [3, 3], s: [2, 1], p: 'same' },
    { x: [1, 5, 5, 1], pool: [3, 3], s: [3, 3], p: 'same' },
  ];
  for (const cfg of configs) {
    for (const kind of ['max', 'avg'] as const) {
      test(`${kind} x ${cfg.x} pool ${cfg.pool} strides ${cfg.s} ${cfg.p}`, () => {
        const x = rand(cfg.x);
        const f = kind === 'max' ? maxPool2d : avgPool2d;
        const y = f(x, cfg.pool, { strides: cfg.s, padding: cfg.p as 'valid' | 'same' });
        assertClose(y, naivePool2d(x, cfg.pool, cfg.s, cfg.p, kind), 1e-12, `${kind}Pool2d`);
      });
    }
  }

  test('strides default to the pool size; 1-D pooling matches 2-D pooling of height 1', () => {
    const x = rand([2, 9, 3]);
    for (const [f1, kind] of [
      [maxPool1d, 'max'],
      [avgPool1d, 'avg'],
    ] as const) {
      for (const padding of ['valid', 'same'] as const) {
        const y = f1(x, 4, { padding });
        const ref = naivePool2d(x.reshape([2, 1, 9, 3]), [1, 4], [1, 4], padding, kind);
        assertClose(y, ref.reshape([2, ref.shape[2]!, 3]), 1e-12, `${kind}Pool1d ${padding}`);
        const y2 = f1(x, 3, { strides: 2, padding });
        const ref2 = naivePool2d(x.reshape([2, 1, 9, 3]), [1, 3], [1, 2], padding, kind);
        assertClose(y2, ref2.reshape([2, ref2.shape[2]!, 3]), 1e-12, `${kind}Pool1d stride 2 ${padding}`);
      }
    }
  });

  test('max pooling of all-negative windows with same padding ignores the padding', () => {
    const x = tensor([-3, -2, -5, -1, -4], [1, 5, 1], 'float64');
    assert.deepEqual(Array.from(maxPool1d(x, 2, { padding: 'same' }).data), [-2, -1, -4]);
    assert.deepEqual(Array.from(avgPool1d(x, 2, { padding: 'same' }).data), [-2.5, -3, -4]);
  });

  test('max pooling sends the gradient to the first maximum of a window (as TensorFlow)', () => {
    const x = img([
      [1, 3, 2, 2],
      [3, 0, 2, 2],
    ]);
    x.requiresGrad = true;
    const y = maxPool2d(x, 2);
    assert.deepEqual(Array.from(y.data), [3, 2]);
    const [g] = gradients(y, [x], tensor([10, 20], [1, 1, 2, 1], 'float64'));
    assert.deepEqual(Array.from(g!.data), [0, 10, 20, 0, 0, 0, 0, 0]);
  });
});

describe('pad', () => {
  test('pads with a constant and leaves unlisted axes alone', () => {
    const x = tensor([[1, 2, 3]], undefined, 'float64');
    assert.deepEqual(
      pad(x, [
        [1, 0],
        [2, 1],
      ]).toArray(),
      [
        [0, 0, 0, 0, 0, 0],
        [0, 0, 1, 2, 3, 0],
      ],
    );
    assert.deepEqual(pad(x, [[0, 1]], -1).toArray(), [
      [1, 2, 3],
      [-1, -1, -1],
    ]);
    assert.throws(() => pad(x, [[0, -1]]), /non-negative/);
  });
});

describe('gradient checks (float64 finite differences)', () => {
  const cases: [string, number[][], (xs: Tensor[]) => Tensor, ('signed' | 'distinct')[]?][] = [
    [
      'conv2d valid',
      [
        [2, 5, 4, 2],
        [3, 2, 2, 3],
      ],
      ([x, k]) => conv2d(x!, k!),
    ],
    [
      'conv2d strides 2x3, valid, odd sizes',
      [
        [1, 7, 8, 2],
        [3, 3, 2, 2],
      ],
      ([x, k]) => conv2d(x!, k!, { strides: [2, 3] }),
    ],
    [
      'conv2d same, strides 2, even kernel, bias',
      [[2, 5, 5, 2], [2, 4, 2, 3], [3]],
      ([x, k, b]) => conv2d(x!, k!, { padding: 'same', strides: 2, bias: b! }),
    ],
    [
      'conv2d dilation 2, same, relu',
      [[1, 6, 5, 2], [3, 2, 2, 2], [2]],
      ([x, k, b]) => conv2d(x!, k!, { padding: 'same', dilationRate: 2, bias: b!, activation: 'relu' }),
    ],
    [
      'conv2d 1x1 (identity windows)',
      [
        [2, 3, 3, 3],
        [1, 1, 3, 2],
      ],
      ([x, k]) => conv2d(x!, k!),
    ],
    [
      'conv1d valid stride 2',
      [
        [2, 9, 2],
        [3, 2, 3],
      ],
      ([x, k]) => conv1d(x!, k!, { strides: 2 }),
    ],
    [
      'conv1d same',
      [
        [2, 6, 2],
        [4, 2, 2],
      ],
      ([x, k]) => conv1d(x!, k!, { padding: 'same' }),
    ],
    [
      'conv1d causal dilation 2 + bias',
      [[1, 7, 2], [3, 2, 2], [2]],
      ([x, k, b]) => conv1d(x!, k!, { padding: 'causal', dilationRate: 2, bias: b! }),
    ],
    ['maxPool2d valid, odd size', [[2, 5, 5, 2]], ([x]) => maxPool2d(x!, 2), ['distinct']],
    [
      'maxPool2d same, strides 1',
      [[1, 4, 5, 2]],
      ([x]) => maxPool2d(x!, [3, 2], { strides: 1, padding: 'same' }),
      ['distinct'],
    ],
    ['avgPool2d valid, strides 1', [[2, 4, 5, 2]], ([x]) => avgPool2d(x!, [2, 3], { strides: 1 })],
    ['avgPool2d same, odd size', [[1, 5, 5, 2]], ([x]) => avgPool2d(x!, 2, { padding: 'same' })],
    ['maxPool1d same', [[2, 7, 2]], ([x]) => maxPool1d(x!, 3, { padding: 'same', strides: 2 }), ['distinct']],
    ['avgPool1d valid', [[2, 7, 2]], ([x]) => avgPool1d(x!, 3, { strides: 2 })],
    [
      'pad',
      [[2, 3, 2]],
      ([x]) =>
        pad(
          x!,
          [
            [0, 1],
            [2, 1],
            [1, 0],
          ],
          0.5,
        ),
    ],
  ];
  cases.forEach(([name, shapes, fn, kinds], i) => {
    test(name, () => {
      const r = new Random(500 + i);
      const inputs = shapes.map((shape, j) => makeInput(r, { shape, kind: kinds?.[j] ?? 'signed' }));
      assert.ok(inputs.every((t) => t.size === sizeOf(t.shape)));
      gradcheck(fn, inputs, { name, seed: 11 + i });
    });
  });
});

describe('errors name the op and the shapes', () => {
  test('bad ranks, channel mismatch, windows that do not fit, bad sizes', () => {
    const x = rand([1, 4, 4, 2]);
    assert.throws(
      () => conv2d(rand([4, 4, 2]), rand([2, 2, 2, 1])),
      /conv2d: expected input \[N, H, W, C\].*\[4, 4, 2\]/,
    );
    assert.throws(
      () => conv2d(x, rand([2, 2, 3, 1])),
      /conv2d: the kernel \[2, 2, 3, 1\] expects 3 input channels but the input \[1, 4, 4, 2\] has 2/,
    );
    assert.throws(
      () => conv2d(x, rand([5, 5, 2, 1])),
      /conv2d of input \[1, 4, 4, 2\] with kernel \[5, 5, 2, 1\].*does not fit.*4x4/,
    );
    assert.throws(() => conv2d(x, rand([2, 2, 2, 1]), { strides: 0 }), /strides must be a positive integer/);
    assert.throws(() => conv2d(x, rand([2, 2, 2, 1]), { padding: 'causal' }), /padding must be 'valid' or 'same'/);
    assert.throws(() => maxPool2d(x, 5), /maxPool2d of input \[1, 4, 4, 2\].*does not fit/);
    assert.throws(() => maxPool1d(x, 2), /maxPool1d: expected an input \[N, L, C\]/);
    assert.throws(() => avgPool2d(x, [2, 0]), /poolSize must be/);
  });
});
