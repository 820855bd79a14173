import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { devNull as devNullPath } from 'node:os';
import { resolve } from 'node:path';
import type { H5File } from './h5-objects.js';
import { checkHdf5Head, createH5At, guardedRead, h5Ready } from './h5-objects.js';
import { DamagedFileError, verifyChecksum } from './damaged.js';

/** HDF5 files on disk (Node); the objects inside them, browser-safe: h5-objects.ts. */
export * from './h5-objects.js';

/** Creates (truncating) an HDF5 file; call h5Ready() first. */
export function createH5(path: string): H5File {
  return createH5At(resolve(path), path);
}

let devNull: number | null = null;

/**
 * Reads an HDF5 file inside a guard: the checksum trailer (if deepscript wrote one) is verified
 * first; while `fn` runs, HDF5 may open no file but this one (an external link or external
 * storage pointing elsewhere fails instead of reading another file) and its stderr diagnostics
 * are silenced; whatever HDF5 throws becomes a DamagedFileError naming `display` (the path the
 * user gave). Synchronous inside, so no other load can interleave with the guard.
 */
export async function withH5Read<T>(path: string, display: string, fn: (f: H5File) => T, inner = ''): Promise<T> {
  await h5Ready();
  try {
    checkHdf5File(path, display);
    verifyChecksum(path, display);
  } catch (e) {
    if (e instanceof DamagedFileError && inner) throw new DamagedFileError(display, `${inner}${e.problem}`);
    throw e;
  }
  devNull ??= openSync(devNullPath, 'w');
  const nul = devNull;
  return guardedRead(resolve(path), display, inner, fn, {
    normalize: (p) => resolve(p),
    // h5wasm's Node build writes HDF5's diagnostics to the process's stderr.
    silence: (fs) => {
      const stderr = fs.getStream(2);
      const stderrFd = stderr?.nfd;
      if (stderr) stderr.nfd = nul;
      return () => {
        if (stderr && stderrFd !== undefined) stderr.nfd = stderrFd;
      };
    },
  });
}

/** Checks the HDF5 signature and that the file is as long as its superblock says. */
export function checkHdf5File(path: string, display = path): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new Error(`No such file: '${display}'.`);
  }
  const head = Buffer.alloc(64);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 64, 0);
  } finally {
    closeSync(fd);
  }
  checkHdf5Head(head, size, display);
}
