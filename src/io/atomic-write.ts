import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Writes a file so that readers (and a crash or `kill -9` mid-write) only ever see the old or
 * the new complete file: the writer fills a temporary name in the same folder (same file
 * system, so rename is atomic), the data is flushed to disk, then renamed into place.
 * Missing folders are created.
 */
export async function writeAtomic(path: string, write: (tmpPath: string) => void | Promise<void>): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    await write(tmp);
    fsyncPath(tmp);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  // Make the rename itself durable; some platforms cannot fsync folders.
  try {
    fsyncPath(dir);
  } catch {
    /* best effort */
  }
}

export function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  return writeAtomic(path, (tmp) => writeFileSync(tmp, data));
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
