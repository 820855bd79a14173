/**
 * `.keras` archives in memory: the weights file passes through h5wasm's in-memory file system
 * (its browser build, which the browser bundle maps 'h5wasm/node' to). Loaded lazily by
 * io/browser.ts, so h5wasm's module is fetched and compiled only when a model is loaded or saved.
 */
import type { Model } from '../models/model.js';
import { DamagedFileError, verifyChecksumBytes, withChecksum } from './damaged-error.js';
import { checkHdf5Head, createH5At, guardedRead, h5FileSystem, h5Ready, withFile } from './h5-objects.js';
import type { WeightsIO } from './keras-archive.js';
import { kerasArchiveBytes, modelFromKerasArchive, openKerasArchive } from './keras-archive.js';
import type { LoadOptions } from './load-budget.js';
import { checkStorableNames } from './storable-names.js';
import { bytesSource } from './zip-reader.js';

let serial = 0;
/** A fresh path in h5wasm's file system, removed after use. */
const scratchPath = (what: string): string => `/deepscript-${what}-${++serial}.h5`;

function removeQuietly(path: string): void {
  try {
    h5FileSystem().unlink(path);
  } catch {
    /* never created */
  }
}

interface StreamOps {
  write: (stream: unknown, buffer: unknown, offset: number, length: number) => number;
}

/**
 * Mutes HDF5's stderr diagnostics (printed when a lookup of a missing group fails, which the
 * writer does on purpose) while `fn` runs: h5wasm's in-memory build sends them to the console.
 */
function quietly<T>(fn: () => T): T {
  const fs = h5FileSystem() as unknown as { getStream(fd: number): { stream_ops: StreamOps } | null };
  const stderr = fs.getStream(2);
  if (!stderr) return fn();
  const ops = stderr.stream_ops;
  stderr.stream_ops = { ...ops, write: (_s, _b, _o, length) => length };
  try {
    return fn();
  } finally {
    stderr.stream_ops = ops;
  }
}

export const MEMORY_IO: WeightsIO = {
  async write(write) {
    await h5Ready();
    const path = scratchPath('save');
    try {
      quietly(() =>
        withFile(createH5At(path), (f) => {
          write(f);
          f.flush();
        }),
      );
      return withChecksum(h5FileSystem().readFile(path));
    } finally {
      removeQuietly(path);
    }
  },
  async read(bytes, display, inner, fn) {
    await h5Ready();
    try {
      checkHdf5Head(bytes, bytes.length, display);
      verifyChecksumBytes(bytes, display);
    } catch (e) {
      if (e instanceof DamagedFileError && inner) throw new DamagedFileError(display, `${inner}${e.problem}`);
      throw e;
    }
    const path = scratchPath('load');
    h5FileSystem().writeFile(path, bytes);
    try {
      return quietly(() => guardedRead(path, display, inner, fn));
    } finally {
      removeQuietly(path);
    }
  },
};

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** loadModel on bytes: a Keras 3 `.keras` archive (deepscript's or Keras's). */
export async function loadModelFromBytes(bytes: Uint8Array, display: string, options: LoadOptions): Promise<Model> {
  const starts = (magic: number[]): boolean => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
  if (starts(ZIP_MAGIC))
    return modelFromKerasArchive(openKerasArchive(bytesSource(bytes), display), display, options, MEMORY_IO);
  if (starts(HDF5_MAGIC))
    throw new Error(
      `loadModel: '${display}' is a legacy HDF5 (.h5) model; the browser build reads Keras 3 .keras archives only (in Node, loadModel reads both; re-save it there as .keras).`,
    );
  throw new DamagedFileError(display, 'it is neither a .keras (zip) archive nor an HDF5 file.');
}

/** The `.keras` archive of `model`, as bytes. */
export async function kerasBytes(model: Model, includeOptimizer: boolean, display: string): Promise<Uint8Array> {
  checkStorableNames(model, 'save', display);
  return kerasArchiveBytes(model, includeOptimizer, MEMORY_IO);
}
