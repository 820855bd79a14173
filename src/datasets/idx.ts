/**
 * Reader for the IDX format MNIST is distributed in (http://yann.lecun.com/exdb/mnist/):
 * two zero bytes, a type byte, a rank byte, `rank` big-endian uint32 dimensions, then the data.
 * Files may be gzip-compressed; they are recognised by content (magic 1f 8b), not by name.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { shapeToString, sizeOf } from '../core/shape.js';

/** A parsed IDX file. Only uint8 data is supported, which is all MNIST-style datasets use. */
export interface IdxArray {
  readonly shape: number[];
  readonly dtype: 'uint8';
  /** Row-major values, in a buffer of its own (not a view into the file's bytes). */
  readonly data: Uint8Array;
}

export interface IdxOptions {
  /** Reject files of any other rank (e.g. 3 for image stacks, 1 for labels). */
  rank?: number;
}

const UINT8 = 0x08;

/** Type bytes defined by the IDX format, so an unsupported file gets a precise message. */
const TYPE_NAMES: Record<number, string> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex = (n: number, width: number): string => '0x' + n.toString(16).padStart(width, '0');

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses IDX bytes (plain or gzip). `source` names the file in error messages.
 * Copies the data section once so the result does not pin the (possibly larger) input buffer.
 */
export function parseIdx(bytes: Uint8Array, source: string, options: IdxOptions = {}): IdxArray {
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${source}: corrupt gzip data (${(e as Error).message}).`);
    }
  }
  if (bytes.length < 4) {
    throw new Error(`${source}: truncated IDX file: ${bytes.length} bytes, too short for the 4-byte magic number.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = bytes[2]!;
  const rank = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(type in TYPE_NAMES)) {
    throw new Error(
      `${source}: not an IDX file (magic number ${hex(magic, 8)}; IDX files start with 0x0000, ` +
        `then a type byte such as 0x08 for uint8, then the rank, e.g. 0x00000803 for MNIST images).`,
    );
  }
  if (type !== UINT8) {
    throw new Error(
      `${source}: unsupported IDX data type ${hex(type, 2)} (${TYPE_NAMES[type]}); only 0x08 (uint8) is supported.`,
    );
  }
  if (options.rank !== undefined && rank !== options.rank) {
    const want = hex(0x0800 | options.rank, 8);
    throw new Error(
      `${source}: expected a rank-${options.rank} IDX file (magic ${want}), found rank ${rank} (magic ${hex(magic, 8)}).`,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new Error(
      `${source}: truncated IDX header: rank ${rank} needs ${headerBytes} header bytes, file has ${bytes.length}.`,
    );
  }
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i));
  const expected = sizeOf(shape);
  const found = bytes.length - headerBytes;
  if (found !== expected) {
    const what = found < expected ? 'file is truncated' : `${found - expected} bytes of trailing data`;
    throw new Error(
      `${source}: expected ${expected} data bytes for shape ${shapeToString(shape)}, found ${found} (${what}).`,
    );
  }
  // slice() copies: a single memcpy, and the result owns a compact ArrayBuffer.
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, expected).slice();
  return { shape, dtype: 'uint8', data };
}

/** Reads and parses an IDX file (plain or gzip) from disk. */
export function readIdx(path: string, options: IdxOptions = {}): IdxArray {
  return parseIdx(readFileSync(path), path, options);
}

/** Encodes a uint8 array as IDX bytes: the inverse of `parseIdx`, used for fixtures and exports. */
export function encodeIdx(data: Uint8Array, shape: readonly number[]): Uint8Array {
  if (shape.length > 255) throw new Error(`encodeIdx: rank ${shape.length} exceeds the IDX maximum of 255.`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new Error(`encodeIdx: invalid dimension in shape ${shapeToString(shape)}.`);
    }
  }
  if (sizeOf(shape) !== data.length) {
    throw new Error(`encodeIdx: shape ${shapeToString(shape)} needs ${sizeOf(shape)} values, got ${data.length}.`);
  }
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 | shape.length);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, headerBytes);
  return out;
}
