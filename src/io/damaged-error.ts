/**
 * The loaders' error type, CRC-32 and deepscript's checksum trailer on bytes in memory: the
 * browser-safe half of damaged.ts (which adds the same trailer on files).
 */
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
export const TRAILER_MAGIC = new TextEncoder().encode('DSCRC32\n');
export const TRAILER_BYTES = 20;

/** The 20-byte trailer for `data` (the HDF5 bytes it follows). */
export function checksumTrailer(data: Uint8Array): Uint8Array {
  const trailer = new Uint8Array(TRAILER_BYTES);
  trailer.set(TRAILER_MAGIC, 0);
  const view = new DataView(trailer.buffer);
  view.setBigUint64(8, BigInt(data.length), true);
  view.setUint32(16, crc32(data), true);
  return trailer;
}

/** `data` with its checksum trailer appended. */
export function withChecksum(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + TRAILER_BYTES);
  out.set(data, 0);
  out.set(checksumTrailer(data), data.length);
  return out;
}

/**
 * verifyChecksum on bytes in memory: 'verified', or 'absent' (bytes deepscript did not write);
 * a wrong length or checksum throws DamagedFileError naming `display`.
 */
export function verifyChecksumBytes(bytes: Uint8Array, display: string): 'verified' | 'absent' {
  const size = bytes.length;
  if (size < TRAILER_BYTES) return 'absent';
  const trailer = bytes.subarray(size - TRAILER_BYTES);
  if (!TRAILER_MAGIC.every((b, i) => trailer[i] === b)) return 'absent';
  const view = new DataView(trailer.buffer, trailer.byteOffset, TRAILER_BYTES);
  const length = view.getBigUint64(8, true);
  if (length !== BigInt(size - TRAILER_BYTES))
    throw new DamagedFileError(
      display,
      `its checksum trailer covers ${length} bytes, but ${size - TRAILER_BYTES} precede it (truncated or altered).`,
    );
  const want = view.getUint32(16, true);
  const got = crc32(bytes.subarray(0, size - TRAILER_BYTES));
  if (got !== want)
    throw new DamagedFileError(
      display,
      `CRC-32 mismatch (stored ${hex(want)}, computed ${hex(got)}): some bytes changed after it was written.`,
    );
  return 'verified';
}

export function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
