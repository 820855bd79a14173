import {
  closeSync,
  existsSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model } from '../models/model.js';
import { isStale } from './atomic-write.js';
import { appendChecksum } from './damaged.js';
import { createH5, h5Ready, withFile, withH5Read } from './h5-file.js';
import type { WeightsIO } from './keras-archive.js';
import {
  kerasArchiveBytes,
  modelFromKerasArchive,
  openKerasArchive,
  weightsFromKerasArchive,
} from './keras-archive.js';
import type { ByteSource, ZipReader } from './zip-reader.js';
import type { LoadOptions } from './load-budget.js';

/** Keras 3's `.keras` archive as a file (the archive itself: keras-archive.ts). */
export { KERAS_ZIP_ENTRIES } from './keras-archive.js';

/**
 * h5wasm reads and writes real files, so the weights pass through a private temporary folder,
 * named with our process id so that a later save or load can remove the folders of processes
 * that were killed before cleaning up (cleanStaleScratch).
 */
function withScratch<T>(fn: (file: string) => Promise<T>): Promise<T> {
  cleanStaleScratch();
  const dir = mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`));
  return fn(join(dir, 'model.weights.h5')).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const SCRATCH_PREFIX = 'deepscript-keras-';

/** Removes `deepscript-keras-<pid>-*` folders in the temp dir left by processes that are gone. */
export function cleanStaleScratch(dir = tmpdir()): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^deepscript-keras-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (m && isStale(join(dir, name), Number(m[1]))) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** Weights through a scratch file on disk (h5wasm's Node build reads and writes real files). */
const SCRATCH_IO: WeightsIO = {
  async write(write) {
    await h5Ready();
    return withScratch(async (file) => {
      withFile(createH5(file), (f) => {
        write(f);
        f.flush();
      });
      appendChecksum(file);
      return new Uint8Array(readFileSync(file));
    });
  },
  read(bytes, display, inner, fn) {
    return withScratch(async (file) => {
      writeFileSync(file, bytes);
      return withH5Read(file, display, fn, inner);
    });
  },
};

export async function kerasZipBytes(model: Model, includeOptimizer = true): Promise<Uint8Array> {
  return kerasArchiveBytes(model, includeOptimizer, SCRATCH_IO);
}

/** A file's bytes, read on demand. */
function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return {
    size,
    read(pos, length) {
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, pos + done);
        if (n <= 0) break;
        done += n;
      }
      return buf.subarray(0, done);
    },
    close: () => closeSync(fd),
  };
}

function openKerasZip(path: string): ZipReader {
  if (!existsSync(path)) throw new Error(`No such file: '${path}'.`);
  return openKerasArchive(fileSource(path), path);
}

export async function loadKerasZip(path: string, options: LoadOptions = {}): Promise<Model> {
  return modelFromKerasArchive(openKerasZip(path), path, options, SCRATCH_IO);
}

/** `loadWeights` on a `.keras` file: only the weights part. */
export async function loadWeightsFromKerasZip(model: Model, path: string, options: LoadOptions = {}): Promise<void> {
  return weightsFromKerasArchive(model, openKerasZip(path), path, options, SCRATCH_IO);
}
