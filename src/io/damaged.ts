import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

/**
 * The one error every loader throws when a file's bytes are wrong: damaged, truncated, failing a
 * checksum, structurally invalid, or pointing outside itself (an HDF5 external link). `file` is
 * the path the user gave (for a `.keras`, the archive, not a scratch copy); `problem` says what is
 * wrong. A file that is sound but does not fit the model (a shape that differs, a layer class
 * deepscript lacks) gets an ordinary Error instead.
 */
export class DamagedFileError extends Error {
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`Damaged or invalid file '${file}': ${problem}`, options);
    this.name = 'DamagedFileError';
    this.file = file;
    this.problem = problem;
  }
}

/** The message of whatever was thrown, short enough for an error message. */
export function messageOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 300 ? `${m.slice(0, 300)}...` : m;
}

// ---- CRC-32 (IEEE 802.3, as zip uses) ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues a CRC-32 over `data` (start with crc = 0). */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// ---- whole-file checksum trailer of the HDF5 files deepscript writes ----

/*
 * HDF5 has no checksum over raw data (and none over metadata in the format versions Keras
 * writes), so a flipped bit in a weight loads silently. deepscript appends a 20-byte trailer
 * after the HDF5 data: 'DSCRC32\n', the length of the checksummed prefix (uint64 LE), and the
 * CRC-32 of that prefix (uint32 LE). HDF5 readers (h5py, Keras) ignore bytes past the end
 * address in the superblock. A file without the trailer (Keras's own) loads unverified.
 */
const TRAILER_MAGIC = Buffer.from('DSCRC32\n', 'latin1');
export const TRAILER_BYTES = 20;
const CHUNK = 1 << 20;

function crcOfPrefix(fd: number, length: number): number {
  const buf = Buffer.alloc(Math.min(CHUNK, Math.max(1, length)));
  let crc = 0;
  for (let pos = 0; pos < length;) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, length - pos), pos);
    if (n <= 0) throw new Error('short read');
    crc = crc32(buf.subarray(0, n), crc);
    pos += n;
  }
  return crc;
}

/** Appends the checksum trailer to a file just written (before it is renamed into place). */
export function appendChecksum(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const trailer = Buffer.alloc(TRAILER_BYTES);
    TRAILER_MAGIC.copy(trailer, 0);
    trailer.writeBigUInt64LE(BigInt(size), 8);
    trailer.writeUInt32LE(crcOfPrefix(fd, size), 16);
    writeSync(fd, trailer, 0, TRAILER_BYTES, size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks the trailer if the file has one: 'verified', or 'absent' (a file deepscript did not
 * write). A wrong length or checksum throws DamagedFileError naming `display`.
 */
export function verifyChecksum(path: string, display: string): 'verified' | 'absent' {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < TRAILER_BYTES) return 'absent';
    const trailer = Buffer.alloc(TRAILER_BYTES);
    readSync(fd, trailer, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    if (!trailer.subarray(0, 8).equals(TRAILER_MAGIC)) return 'absent';
    const length = trailer.readBigUInt64LE(8);
    if (length !== BigInt(size - TRAILER_BYTES))
      throw new DamagedFileError(
        display,
        `its checksum trailer covers ${length} bytes, but ${size - TRAILER_BYTES} precede it (truncated or altered).`,
      );
    const want = trailer.readUInt32LE(16);
    const got = crcOfPrefix(fd, size - TRAILER_BYTES);
    if (got !== want)
      throw new DamagedFileError(
        display,
        `CRC-32 mismatch (stored ${hex(want)}, computed ${hex(got)}): some bytes changed after it was written.`,
      );
    return 'verified';
  } finally {
    closeSync(fd);
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
