import { inflateSync } from 'fflate';
import { DamagedFileError, crc32, messageOf } from './damaged-error.js';

/**
 * A zip archive read lazily: the central directory is parsed and checked up front, and an entry's
 * bytes are read (and inflated) only when asked for, after its declared size has been checked
 * against a budget, and returned only if its size and CRC-32 match the directory. Every structural
 * problem is a DamagedFileError naming the archive. Zip64, encryption and methods other than
 * stored and deflate are refused (Keras writes none of them). Browser-safe: the bytes come from a
 * ByteSource (a file in keras-zip.ts, an array in memory here).
 */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

/** Random access to an archive's bytes. `read` returns exactly `length` bytes or throws. */
export interface ByteSource {
  readonly size: number;
  read(pos: number, length: number): Uint8Array;
  close(): void;
}

/** An archive already in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (pos, length) => bytes.subarray(pos, pos + length),
    close: () => {},
  };
}

/** Little-endian fields and UTF-8 names of a record. */
class RecordBytes {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  readUInt16LE(at: number): number {
    return this.view.getUint16(at, true);
  }
  readUInt32LE(at: number): number {
    return this.view.getUint32(at, true);
  }
  toString(_encoding: 'utf8', start = 0, end = this.bytes.length): string {
    return new TextDecoder().decode(this.bytes.subarray(start, end));
  }
}

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  private readonly fileSize: number;

  constructor(
    private readonly source: ByteSource,
    private readonly display: string,
  ) {
    try {
      this.fileSize = source.size;
      this.readDirectory();
    } catch (e) {
      source.close();
      throw e;
    }
  }

  close(): void {
    this.source.close();
  }

  private damaged(problem: string): DamagedFileError {
    return new DamagedFileError(this.display, `${problem} (not a sound .keras zip archive).`);
  }

  private read(pos: number, length: number): RecordBytes {
    if (pos < 0 || length < 0 || pos + length > this.fileSize)
      throw this.damaged(
        `a record at byte ${pos} (${length} bytes) runs past the end of the file (${this.fileSize} bytes)`,
      );
    let bytes: Uint8Array;
    try {
      bytes = this.source.read(pos, length);
    } catch (e) {
      throw this.damaged(`short read at byte ${pos} (${messageOf(e)})`);
    }
    if (bytes.length !== length) throw this.damaged(`short read at byte ${pos + bytes.length}`);
    return new RecordBytes(bytes);
  }

  private readDirectory(): void {
    // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
    const tailLength = Math.min(this.fileSize, 22 + 0xffff);
    if (this.fileSize < 22) throw this.damaged('the file is too short for a zip end record');
    const tail = this.read(this.fileSize - tailLength, tailLength);
    let at = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG && i + 22 + tail.readUInt16LE(i + 20) === tailLength) {
        at = i;
        break;
      }
    }
    if (at < 0) throw this.damaged('no zip end-of-central-directory record');
    const disk = tail.readUInt16LE(at + 4);
    const cdDisk = tail.readUInt16LE(at + 6);
    const countHere = tail.readUInt16LE(at + 8);
    const count = tail.readUInt16LE(at + 10);
    const cdSize = tail.readUInt32LE(at + 12);
    const cdOffset = tail.readUInt32LE(at + 16);
    if (disk !== 0 || cdDisk !== 0 || countHere !== count) throw this.damaged('a multi-disk archive');
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw this.damaged('a Zip64 archive');
    const eocdPos = this.fileSize - tailLength + at;
    if (cdOffset + cdSize !== eocdPos)
      throw this.damaged(
        `the central directory (${cdSize} bytes at ${cdOffset}) does not end where the end record starts (${eocdPos})`,
      );
    const cd = this.read(cdOffset, cdSize);
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN_SIG)
        throw this.damaged(`central directory entry ${k} is not where expected`);
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      const compressedSize = cd.readUInt32LE(p + 20);
      const size = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      const localOffset = cd.readUInt32LE(p + 42);
      const end = p + 46 + nameLength + extraLength + commentLength;
      if (end > cd.length) throw this.damaged(`central directory entry ${k} runs past the directory`);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
      if (this.entries.has(name)) throw this.damaged(`entry '${name}' appears twice`);
      if (flags & 1) throw this.damaged(`entry '${name}' is encrypted`);
      if (method !== 0 && method !== 8) throw this.damaged(`entry '${name}' uses compression method ${method}`);
      if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff)
        throw this.damaged(`entry '${name}' needs Zip64`);
      if (method === 0 && compressedSize !== size)
        throw this.damaged(
          `stored entry '${name}' declares ${compressedSize} bytes stored but ${size} bytes of content`,
        );
      if (localOffset + 30 + compressedSize > cdOffset)
        throw this.damaged(`entry '${name}' overlaps the central directory`);
      this.entries.set(name, { name, method, flags, crc, compressedSize, size, localOffset });
      p = end;
    }
    if (p !== cd.length)
      throw this.damaged(`the central directory has ${cd.length - p} bytes after its ${count} entries`);
  }

  /**
   * The entry's bytes, after checking its declared size against `maxBytes` (nothing is allocated
   * for an entry over budget), its local header against the directory, and its CRC-32.
   */
  readEntry(name: string, maxBytes: number): Uint8Array {
    const e = this.entries.get(name);
    if (!e) throw this.damaged(`there is no entry '${name}'`);
    if (e.size > maxBytes)
      throw new DamagedFileError(
        this.display,
        `entry '${name}' declares ${e.size} bytes, more than the ${maxBytes} bytes allowed for it (see LoadOptions.maxBytes).`,
      );
    const loc = this.read(e.localOffset, 30);
    if (loc.readUInt32LE(0) !== LOC_SIG)
      throw this.damaged(`entry '${name}' has no local header at byte ${e.localOffset}`);
    const method = loc.readUInt16LE(8);
    const flags = loc.readUInt16LE(6);
    const nameLength = loc.readUInt16LE(26);
    const extraLength = loc.readUInt16LE(28);
    if (method !== e.method) throw this.damaged(`entry '${name}': local header and directory disagree on the method`);
    const localName = this.read(e.localOffset + 30, nameLength).toString('utf8');
    if (localName !== name) throw this.damaged(`entry '${name}': its local header names '${localName}'`);
    if (!(flags & 8)) {
      // Without a data descriptor the local header repeats the CRC and sizes.
      if (
        loc.readUInt32LE(14) !== e.crc ||
        loc.readUInt32LE(18) !== e.compressedSize ||
        loc.readUInt32LE(22) !== e.size
      )
        throw this.damaged(`entry '${name}': local header and directory disagree on its CRC or sizes`);
    }
    const dataStart = e.localOffset + 30 + nameLength + extraLength;
    const raw = this.read(dataStart, e.compressedSize).bytes;
    let data: Uint8Array;
    if (e.method === 0) data = raw;
    else {
      const out = new Uint8Array(e.size);
      try {
        // Inflates into a buffer of the declared size: a stream that would grow past it cannot
        // allocate more, and comes out with the wrong CRC or length.
        data = inflateSync(raw, { out });
      } catch (err) {
        throw this.damaged(`entry '${name}' does not inflate: ${messageOf(err)}`);
      }
    }
    if (data.length !== e.size)
      throw this.damaged(`entry '${name}' holds ${data.length} bytes, its header says ${e.size}`);
    const crc = crc32(data);
    if (crc !== e.crc)
      throw new DamagedFileError(
        this.display,
        `entry '${name}' fails its CRC-32 check (stored 0x${e.crc.toString(16)}, computed 0x${crc.toString(16)}).`,
      );
    return data;
  }
}
