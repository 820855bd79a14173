/**
 * On-disk cache for processed datasets, like Keras's `~/.keras/datasets`: building a word index
 * from raw text takes seconds, reloading the cached arrays a fraction of one.
 *
 * File layout (little-endian):
 *   8 bytes  magic "DSCACHE\0"
 *   4 bytes  uint32 byte length of the JSON header
 *   JSON header: format version, kind, recipe, metadata, array and blob lengths, SHA-256 of the payload
 *   zero padding to a multiple of 4
 *   payload: the Int32 arrays, then the UTF-8 blobs, in header order
 *
 * Files are written to a temporary name in the same folder and renamed into place, so a reader
 * never sees a half-written file; anything that fails a check on read is reported as a miss and
 * rebuilt by the caller.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const CACHE_FORMAT_VERSION = 1;
const MAGIC = 'DSCACHE\0';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface CacheContent {
  /** Small JSON-serialisable facts (counts, label names, ...). */
  meta: Record<string, unknown>;
  /** Named integer arrays. */
  arrays: Record<string, Int32Array>;
  /** Named strings (e.g. a vocabulary joined by newlines), stored as UTF-8. */
  blobs: Record<string, string>;
}

interface Header {
  format: number;
  kind: string;
  recipe: string;
  littleEndian: boolean;
  meta: Record<string, unknown>;
  arrays: { name: string; length: number }[];
  blobs: { name: string; bytes: number }[];
  payloadBytes: number;
  sha256: string;
}

/** The cache folder: `options.cacheDir`, else $DEEPSCRIPT_CACHE_DIR, else ~/.deepscript/datasets. */
export function resolveCacheDir(cacheDir?: string): string {
  if (cacheDir) return resolve(cacheDir);
  const fromEnv = process.env['DEEPSCRIPT_CACHE_DIR'];
  if (fromEnv) return resolve(fromEnv);
  return join(homedir(), '.deepscript', 'datasets');
}

/**
 * Reads a cache file if it exists and passes every check (magic, format version, kind, recipe,
 * byte order, lengths, checksum); otherwise returns null.
 */
export function readCache(path: string, kind: string, recipe: string): CacheContent | null {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch {
    return null;
  }
  try {
    if (file.length < 12 || file.toString('latin1', 0, 8) !== MAGIC) return null;
    const headerBytes = file.readUInt32LE(8);
    if (12 + headerBytes > file.length) return null;
    const header = JSON.parse(file.toString('utf8', 12, 12 + headerBytes)) as Header;
    if (
      header.format !== CACHE_FORMAT_VERSION ||
      header.kind !== kind ||
      header.recipe !== recipe ||
      header.littleEndian !== LITTLE_ENDIAN
    ) {
      return null;
    }
    const start = align4(12 + headerBytes);
    if (file.length !== start + header.payloadBytes) return null;
    const payload = file.subarray(start);
    if (createHash('sha256').update(payload).digest('hex') !== header.sha256) return null;

    // Int32Array views need 4-byte alignment; copy once if the Buffer does not provide it.
    const bytes = payload.byteOffset % 4 === 0 ? payload : Buffer.from(payload);
    const arrays: Record<string, Int32Array> = {};
    let offset = 0;
    for (const { name, length } of header.arrays) {
      arrays[name] = new Int32Array(bytes.buffer, bytes.byteOffset + offset, length);
      offset += length * 4;
    }
    const blobs: Record<string, string> = {};
    for (const { name, bytes: n } of header.blobs) {
      blobs[name] = bytes.toString('utf8', offset, offset + n);
      offset += n;
    }
    if (offset !== header.payloadBytes) return null;
    return { meta: header.meta, arrays, blobs };
  } catch {
    return null;
  }
}

/** Writes a cache file atomically (temporary file in the same folder, then rename). */
export function writeCache(path: string, kind: string, recipe: string, content: CacheContent): void {
  const arrayParts = Object.entries(content.arrays);
  const blobParts = Object.entries(content.blobs).map(([name, text]) => [name, Buffer.from(text, 'utf8')] as const);
  const parts: Uint8Array[] = [
    ...arrayParts.map(([, a]) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)),
    ...blobParts.map(([, b]) => b),
  ];
  const hash = createHash('sha256');
  let payloadBytes = 0;
  for (const p of parts) {
    hash.update(p);
    payloadBytes += p.byteLength;
  }
  const header: Header = {
    format: CACHE_FORMAT_VERSION,
    kind,
    recipe,
    littleEndian: LITTLE_ENDIAN,
    meta: content.meta,
    arrays: arrayParts.map(([name, a]) => ({ name, length: a.length })),
    blobs: blobParts.map(([name, b]) => ({ name, bytes: b.byteLength })),
    payloadBytes,
    sha256: hash.digest('hex'),
  };
  const headerBuf = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(align4(12 + headerBuf.length));
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(headerBuf.length, 8);
  headerBuf.copy(prefix, 12);

  const dir = resolve(path, '..');
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, Buffer.concat([prefix, ...parts]));
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Returns the cached content if it passes `accept` (extra checks on top of the checksum), or
 * builds it, caches it, and returns it. A cache that cannot be
 * written (read-only home, full disk) only costs speed: a warning is emitted and loading goes on.
 */
export function cached(
  path: string,
  kind: string,
  recipe: string,
  build: () => CacheContent,
  accept: (content: CacheContent) => boolean = () => true,
): CacheContent {
  const hit = readCache(path, kind, recipe);
  if (hit && accept(hit)) return hit;
  const content = build();
  try {
    writeCache(path, kind, recipe, content);
  } catch (err) {
    process.emitWarning(`deepscript: could not write the dataset cache ${path}: ${(err as Error).message}`);
  }
  return content;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
