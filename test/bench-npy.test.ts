import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../src/core/tensor.js';
import { decodeNpy, encodeNpy, readNpy, writeNpy } from '../bench/npy.js';

// Written by NumPy 1.24 (Debian python3-numpy):
//   a = np.array([[1, -2, 3], [4, 5, 2147483647]], np.int32); b = io.BytesIO(); np.save(b, a); b.getvalue().hex()
//   and the same for np.array([0.5, -1.25], np.float32)
const NUMPY_INT32_2X3 =
  '934e554d5059010076007b276465736372273a20273c6934272c2027666f727472616e5f6f72646572273a2046616c73652c2027736861' +
  '7065273a2028322c2033292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020' +
  '20202020202020202020202020202020200a01000000feffffff030000000400000005000000ffffff7f';
const NUMPY_FLOAT32_2 =
  '934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c2027736861' +
  '7065273a2028322c292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020' +
  '20202020202020202020202020202020200a0000003f0000a0bf';

function headerOf(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  return b.toString('latin1', 10, 10 + b.readUInt16LE(8));
}

test('decodeNpy reads files NumPy wrote (int32 2-D, float32 1-D)', () => {
  const a = decodeNpy(Buffer.from(NUMPY_INT32_2X3, 'hex'));
  assert.equal(a.dtype, 'int32');
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual(Array.from(a.data), [1, -2, 3, 4, 5, 2147483647]);
  const b = decodeNpy(Buffer.from(NUMPY_FLOAT32_2, 'hex'));
  assert.equal(b.dtype, 'float32');
  assert.deepEqual(b.shape, [2]);
  assert.deepEqual(Array.from(b.data), [0.5, -1.25]);
});

test('encodeNpy writes the header NumPy writes, data aligned to 64 bytes', () => {
  for (const [hex, t] of [
    [NUMPY_INT32_2X3, new Tensor(new Int32Array([1, -2, 3, 4, 5, 2147483647]), [2, 3])],
    [NUMPY_FLOAT32_2, new Tensor(new Float32Array([0.5, -1.25]), [2])],
  ] as const) {
    const ours = encodeNpy(t);
    const theirs = Buffer.from(hex, 'hex');
    assert.equal(headerOf(ours).trim(), headerOf(theirs).trim());
    assert.equal((10 + headerOf(ours).length) % 64, 0);
    assert.ok(headerOf(ours).endsWith('\n'));
    assert.deepEqual(ours.subarray(10 + headerOf(ours).length), theirs.subarray(10 + headerOf(theirs).length));
  }
});

test('writeNpy / readNpy round-trip random int32 and float32 tensors of odd shapes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-test-'));
  try {
    let s = 12345;
    const next = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31);
    const cases = [
      new Tensor(
        Int32Array.from({ length: 7 * 13 }, () => next() - 2 ** 30),
        [7, 13],
      ),
      new Tensor(
        Int32Array.from({ length: 5 }, () => next()),
        [5],
      ),
      new Tensor(
        Float32Array.from({ length: 3 * 4 * 5 }, () => next() / 2 ** 20 - 1000),
        [3, 4, 5],
      ),
      new Tensor(new Int32Array(0), [0, 100]),
    ];
    cases.forEach((t, i) => {
      const path = join(dir, `t${i}.npy`);
      writeNpy(path, t);
      const back = readNpy(path);
      assert.equal(back.dtype, t.dtype);
      assert.deepEqual(back.shape, t.shape);
      assert.deepEqual(Array.from(back.data), Array.from(t.data));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('encodeNpy / decodeNpy reject what they do not handle, naming it', () => {
  assert.throws(() => encodeNpy(new Tensor(new Float64Array(2), [2])), /only int32 and float32 .* got float64/);
  const bad = Buffer.from(NUMPY_INT32_2X3, 'hex');
  assert.throws(() => decodeNpy(bad.subarray(0, bad.length - 4), 'x.npy'), /x\.npy should hold 6 elements/);
  const fortran = Buffer.from(bad.toString('latin1').replace('False', 'True '), 'latin1');
  assert.throws(() => decodeNpy(fortran, 'f.npy'), /f\.npy has an unsupported header/);
  assert.throws(() => decodeNpy(Buffer.from('not numpy at all'), 'n.npy'), /n\.npy is not a version-1 \.npy file/);
});
