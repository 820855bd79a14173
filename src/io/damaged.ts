/** The checksum trailer on files (Node); the error type and the byte-level trailer: damaged-error.ts. */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { DamagedFileError, TRAILER_BYTES, TRAILER_MAGIC as MAGIC_BYTES, crc32, hex } from './damaged-error.js';

export { DamagedFileError, messageOf, crc32, TRAILER_BYTES } from './damaged-error.js';

const TRAILER_MAGIC = Buffer.from(MAGIC_BYTES);
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
