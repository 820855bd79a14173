import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Writes a file so that readers (and a crash or `kill -9` mid-write) only ever see the old or
 * the new complete file: the writer fills a temporary name in the same folder (same file
 * system, so rename is atomic), the data is flushed to disk, then renamed into place.
 * Missing folders are created. A writer killed before the rename leaves its temporary file
 * (`.<name>.<pid>.<random>.tmp`); each later write removes those of processes that are gone (and
 * untouched for a minute).
 */
export async function writeAtomic(path: string, write: (tmpPath: string) => void | Promise<void>): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true });
  cleanStaleTemps(dir);
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

/** Temporary files of writeAtomic: `.<name>.<pid>.<up to 8 base-36 chars>.tmp`. */
const TEMP_PATTERN = /^\..+\.(\d+)\.[0-9a-z]{1,8}\.tmp$/;

/**
 * How long a temporary file must have been left untouched before it counts as litter: a writer
 * in another PID namespace or on another host sharing the folder has a pid we cannot see, so a
 * dead-looking pid alone is not enough while the file is still being written.
 */
export const STALE_AFTER_MS = 60_000;

/** Whether a killed writer's leftover at `path` (pid from its name) may be removed. */
export function isStale(path: string, pid: number, now = Date.now()): boolean {
  if (processAlive(pid)) return false;
  try {
    return now - statSync(path).mtimeMs > STALE_AFTER_MS;
  } catch {
    return false;
  }
}

/** Removes writeAtomic's temporary files in `dir` left by processes that are gone. */
export function cleanStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_PATTERN.exec(name);
    if (m && isStale(join(dir, name), Number(m[1]))) rmSync(join(dir, name), { force: true });
  }
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
