/**
 * NumPy `.npy` files (format 1.0, little-endian, C order) for int32 and float32 tensors, so the
 * PyTorch side of the benchmarks can read deepscript's data with `np.load`. Bench-only: the
 * library itself never writes NumPy files.
 *
 * Layout: "\x93NUMPY", version 1.0, uint16 header length, an ASCII Python-dict header padded with
 * spaces and a newline so the data starts on a 64-byte boundary, then the raw elements.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Tensor } from '../src/core/tensor.js';

const MAGIC = '\x93NUMPY';
const DESCR = { int32: '<i4', float32: '<f4' } as const;
type NpyDType = keyof typeof DESCR;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('bench/npy: this writer assumes a little-endian machine.');
}

/** The bytes of a `.npy` file holding `t` (int32 or float32). */
export function encodeNpy(t: Tensor): Buffer {
  if (t.dtype !== 'int32' && t.dtype !== 'float32') {
    throw new Error(`encodeNpy: only int32 and float32 tensors are supported, got ${t.dtype}.`);
  }
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const d = t.data;
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), new Uint8Array(d.buffer, d.byteOffset, d.byteLength)]);
}

/** Parses a `.npy` file written by `encodeNpy` (or NumPy, for the same dtypes and C order). */
export function decodeNpy(bytes: Uint8Array, what = 'npy data'): Tensor {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== MAGIC || buf[6] !== 1) {
    throw new Error(`decodeNpy: ${what} is not a version-1 .npy file.`);
  }
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  const dtype = (Object.keys(DESCR) as NpyDType[]).find((k) => DESCR[k] === descr);
  if (!dtype || fortran !== 'False' || shapeText === undefined) {
    throw new Error(`decodeNpy: ${what} has an unsupported header ${header.trim()} (expected <i4 or <f4, C order).`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 10 + headerLen;
  if (buf.length !== start + count * 4) {
    throw new Error(
      `decodeNpy: ${what} should hold ${count} elements after its header, has ${buf.length - start} bytes.`,
    );
  }
  // Copy, so the typed array is aligned and owns its memory.
  const raw = new Uint8Array(buf.subarray(start));
  const data = dtype === 'int32' ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
  return new Tensor(data, shape, dtype);
}

export function writeNpy(path: string, t: Tensor): void {
  writeFileSync(path, encodeNpy(t));
}

export function readNpy(path: string): Tensor {
  return decodeNpy(readFileSync(path), path);
}
