/**
 * HDF5 objects through h5wasm, without files: groups, datasets, attributes, the checks a load
 * makes on them, and the guard around reading one file. Browser-safe (the browser bundle maps
 * 'h5wasm/node' to h5wasm's in-memory build); h5-file.ts adds files on disk.
 */
import h5wasm, * as h5module from 'h5wasm/node';
import type { Dataset, File as H5File, Group } from 'h5wasm/node';
import type { DType } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { DamagedFileError, messageOf } from './damaged-error.js';

export type { Dataset, Group, H5File };

export const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

let readyPromise: Promise<unknown> | null = null;

/** h5wasm's WebAssembly module loads once, asynchronously. */
export async function h5Ready(): Promise<void> {
  readyPromise ??= h5wasm.ready;
  await readyPromise;
}

/** Creates (truncating) an HDF5 file at a path of h5wasm's file system; call h5Ready() first. */
export function createH5At(fsPath: string, display = fsPath): H5File {
  const f = new h5wasm.File(fsPath, 'w');
  if (Number(f.file_id) < 0) throw new Error(`Cannot create the HDF5 file '${display}'.`);
  return f;
}

/** h5wasm's emscripten file system (in-memory in browsers), once h5Ready() has resolved. */
export function h5FileSystem(): {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
} {
  const fs = h5module.FS as unknown as ReturnType<typeof h5FileSystem> | null;
  if (!fs) throw new Error('h5wasm is not ready yet (await h5Ready() first).');
  return fs;
}

/** What the loader is reading now: errors name `display`; opens of any other file are refused. */
interface ReadContext {
  display: string;
  /** Prefix of every problem, e.g. 'model.weights.h5: ' for the weights inside a .keras. */
  inner: string;
  allowed: string;
  /** Paths HDF5 tried to open besides the file itself (external links, external storage, VDS). */
  blocked: string[];
}

let current: ReadContext | null = null;

/** Emscripten's file system object inside h5wasm (its raw-node flavour: calls go to node:fs). */
export interface EmFS {
  open: (path: string, flags: unknown, mode?: unknown) => unknown;
  getStream: (fd: number) => { nfd: number } | null;
  ErrnoError: new (errno: number) => Error;
}

export interface GuardOptions {
  /** How HDF5's open() paths compare with `allowed` (Node resolves them to absolute paths). */
  normalize?: (path: string) => string;
  /** Silences HDF5's stderr while `fn` runs; returns the undo. */
  silence?: (fs: EmFS) => () => void;
}

/**
 * Opens `allowed` (a path of h5wasm's file system, already checked by the caller) and runs `fn`
 * on it inside the guard: HDF5 may open no other file (an external link or external storage
 * pointing elsewhere fails instead of reading another file), and whatever HDF5 throws becomes a
 * DamagedFileError naming `display`. Synchronous inside, so no other load can interleave.
 */
export function guardedRead<T>(
  allowed: string,
  display: string,
  inner: string,
  fn: (f: H5File) => T,
  options: GuardOptions = {},
): T {
  const normalize = options.normalize ?? ((p: string) => p);
  const ctx: ReadContext = { display, inner, allowed: normalize(allowed), blocked: [] };
  const fs = h5module.FS as unknown as EmFS;
  const open = fs.open;
  fs.open = function (this: unknown, p: string, flags: unknown, mode?: unknown) {
    const abs = normalize(String(p));
    if (abs !== ctx.allowed) {
      ctx.blocked.push(abs);
      throw new fs.ErrnoError(2); // EACCES in emscripten's numbering
    }
    return open.call(this, p, flags, mode);
  };
  const unsilence = options.silence?.(fs);
  const prev = current;
  current = ctx;
  try {
    let f: H5File;
    try {
      f = new h5wasm.File(allowed, 'r');
    } catch (e) {
      throw damagedHere(`HDF5 cannot open it (${messageOf(e)}).`);
    }
    if (Number(f.file_id) < 0) throw damagedHere('HDF5 cannot open it.');
    try {
      const result = fn(f);
      // HDF5 may carry on after a refused open (a missing external file reads as fill values).
      if (ctx.blocked.length > 0) throw new Error('blocked');
      return result;
    } finally {
      try {
        f.close();
      } catch {
        /* a damaged file may fail to close; the error that matters is already thrown */
      }
    }
  } catch (e) {
    if (ctx.blocked.length > 0)
      throw damagedHere(
        `it refers to another file ('${ctx.blocked[0]}', by an HDF5 external link or external storage); deepscript reads only the file named.`,
      );
    if (e instanceof DamagedFileError || !(e instanceof Error && e.name === 'RuntimeError')) throw e;
    throw damagedHere(`HDF5 failed on it (${messageOf(e)}).`);
  } finally {
    current = prev;
    fs.open = open;
    unsilence?.();
  }
}

/**
 * Checks the HDF5 signature and that the file is as long as its superblock says, from its first
 * bytes (64 are enough) and its size.
 */
export function checkHdf5Head(bytes: Uint8Array, size: number, display: string): void {
  const head = new Uint8Array(64);
  head.set(bytes.subarray(0, 64));
  if (size < 8 || !HDF5_SIGNATURE.every((b, i) => head[i] === b))
    throw new DamagedFileError(display, 'it is not an HDF5 file (no HDF5 signature).');
  const eof = superblockEof(head);
  if (eof !== null && size < eof)
    throw new DamagedFileError(display, `it is truncated: HDF5 says ${eof} bytes, the file has ${size}.`);
}

/** End-of-file address from the superblock (8-byte offsets), for versions 0 to 3. */
function superblockEof(head: Uint8Array): number | null {
  const version = head[8]!;
  const offsetAt = version === 0 ? 40 : version === 1 ? 44 : version <= 3 ? 28 : -1;
  const sizeOfOffsets = version <= 1 ? head[13]! : head[9]!;
  if (offsetAt < 0 || sizeOfOffsets !== 8) return null;
  return Number(new DataView(head.buffer, head.byteOffset, head.byteLength).getBigUint64(offsetAt, true));
}

/** A DamagedFileError about the file being read (naming it as the user did). */
function damagedHere(problem: string): DamagedFileError {
  return new DamagedFileError(current?.display ?? '', `${current?.inner ?? ''}${problem}`);
}

/** Runs one h5wasm call; what it throws means the file is damaged (the caller asked for sound things). */
function h5<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DamagedFileError) throw e;
    throw damagedHere(`${what}: HDF5 cannot read it (${messageOf(e)}).`);
  }
}

/** Creates every missing group along a slash-separated path (h5py does this implicitly). */
export function requireGroup(root: Group, path: string): Group {
  let g = root;
  for (const part of path.split('/').filter((p) => p !== '')) {
    // keys() first: get() on a missing name makes HDF5 print its error stack to stderr. (Writing
    // only: the file is ours. Reading keeps the single-name lookups, so a hostile group of a
    // million links is not listed once per name asked for.)
    const existing = g.keys().includes(part) ? g.get(part) : null;
    g = existing instanceof h5wasm.Group ? existing : g.create_group(part);
  }
  return g;
}

/**
 * The object at a relative path read from the file (a layer or weight name), refusing what Keras
 * never writes and a hostile file might: absolute paths, '.' and '..' parts, soft and external
 * links anywhere along the path.
 */
function lookup(root: Group, path: string): Group | Dataset | null {
  const parts = path.split('/');
  if (path === '' || path.startsWith('/') || parts.some((p) => p === '.' || p === '..') || path.includes('\0'))
    throw damagedHere(`it names the object '${path}', which is not a plain relative path.`);
  let at = root.path === '/' ? '' : root.path;
  let obj: Group | Dataset | null = root;
  for (const part of parts.filter((p) => p !== '')) {
    if (!(obj instanceof h5wasm.Group)) return null;
    const full = `${at}/${part}`;
    const link = h5(`'${full}'`, () => (obj as Group).get_link(full));
    if (typeof link === 'string')
      throw damagedHere(`'${full}' is an HDF5 soft link (to '${link}'); deepscript reads only plain objects.`);
    const ext = h5(
      `'${full}'`,
      () => (obj as Group).get_external_link(full) as { filename?: string; obj_path?: string },
    );
    if (ext && typeof ext.filename === 'string')
      throw damagedHere(
        `'${full}' is an HDF5 external link to '${ext.filename}' (${ext.obj_path}); deepscript reads only the file named.`,
      );
    const next = h5(`'${full}'`, () => (obj as Group).get(part));
    if (!(next instanceof h5wasm.Group) && !(next instanceof h5wasm.Dataset)) return null;
    obj = next;
    at = full;
  }
  return obj;
}

export function getGroup(root: Group, path: string): Group | null {
  const e = lookup(root, path);
  return e instanceof h5wasm.Group ? e : null;
}

export function getDataset(root: Group, path: string): Dataset | null {
  const e = lookup(root, path);
  return e instanceof h5wasm.Dataset ? e : null;
}

/** Names of a group's members (h5wasm lists them). */
export function memberNames(g: Group): string[] {
  return h5(`the members of '${g.path}'`, () => g.keys());
}

/** HDF5 type classes of numeric data (H5T_INTEGER, H5T_FLOAT). */
const NUMERIC_CLASSES = new Set([0, 1]);

/**
 * A dataset's shape after checking it can be read as numbers and its size (in the file's element
 * type) is within `maxBytes`, before anything is allocated for it.
 */
export function datasetShape(ds: Dataset, what: string, maxBytes = Infinity): number[] {
  const m = h5(what, () => ds.metadata);
  if (!m || !Array.isArray(m.shape)) throw damagedHere(`${what} has no shape (an empty or null dataspace).`);
  if (!NUMERIC_CLASSES.has(m.type) || m.vlen || !(m.size >= 1 && m.size <= 8))
    throw damagedHere(`${what} is not a numeric dataset (HDF5 type class ${m.type}, ${m.size} bytes).`);
  if (m.virtual_sources)
    throw damagedHere(`${what} is a virtual dataset, built from other files; deepscript reads only the file named.`);
  const shape = m.shape.map(Number);
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw damagedHere(`${what} has an invalid shape [${shape.join(', ')}].`);
    n *= d;
  }
  if (!Number.isSafeInteger(n) || n * m.size > maxBytes)
    throw damagedHere(
      `${what} declares shape [${shape.join(', ')}] (${n} values), more than the ${maxBytes} bytes allowed (see LoadOptions.maxBytes).`,
    );
  return shape;
}

/** Writes a dataset whose name may contain '/', as Keras's `dense/kernel:0`. */
export function writeTensor(group: Group, name: string, t: Tensor): void {
  const slash = name.lastIndexOf('/');
  const parent = slash < 0 ? group : requireGroup(group, name.slice(0, slash));
  const dtype = H5_DTYPES[t.dtype];
  if (!dtype) throw new Error(`Cannot write weight '${name}' of dtype ${t.dtype} to HDF5.`);
  parent.create_dataset({ name: name.slice(slash + 1), data: t.data, shape: [...t.shape], dtype });
}

/** Scalar int64 (Keras's iteration counters). */
export function writeInt64Scalar(group: Group, name: string, value: number): void {
  const slash = name.lastIndexOf('/');
  const parent = slash < 0 ? group : requireGroup(group, name.slice(0, slash));
  parent.create_dataset({
    name: name.slice(slash + 1),
    data: new BigInt64Array([BigInt(value)]),
    shape: [],
    dtype: '<q',
  });
}

const H5_DTYPES: Partial<Record<DType, string>> = { float32: '<f4', float64: '<f8', int32: '<i4', uint8: '<B' };

/** Reads a numeric dataset as a tensor of the wanted dtype (cast as Keras/NumPy would), within `maxBytes`. */
export function readTensor(ds: Dataset, dtype: DType, what: string, maxBytes = Infinity): Tensor {
  const shape = datasetShape(ds, what, maxBytes);
  const raw = h5(what, () => ds.value);
  if (!ArrayBuffer.isView(raw) && typeof raw !== 'number' && typeof raw !== 'bigint')
    throw damagedHere(`${what} is not a numeric dataset.`);
  const values = ArrayBuffer.isView(raw) ? (raw as unknown as ArrayLike<number | bigint>) : [raw];
  const t = Tensor.empty(shape, dtype);
  if (values.length !== t.size)
    throw damagedHere(`${what} holds ${values.length} values for shape [${shape.join(', ')}].`);
  if (values instanceof t.data.constructor) t.data.set(values as ArrayLike<number>);
  else for (let i = 0; i < t.size; i++) t.data[i] = Number(values[i]!);
  return t;
}

export function readScalar(ds: Dataset, what: string): number {
  datasetShape(ds, what, 64);
  const v = h5(what, () => ds.value);
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length === 1)
    return Number((v as unknown as ArrayLike<number | bigint>)[0]);
  throw damagedHere(`${what} is not a scalar.`);
}

/** A string-list attribute as Keras writes them (`layer_names`, `weight_names`); empty lists are empty float arrays there. */
export function writeStringList(obj: Group, name: string, items: readonly string[]): void {
  if (items.length === 0) obj.create_attribute(name, new Float64Array(0), [0]);
  else obj.create_attribute(name, [...items]);
}

/** The attribute names of an object, read once. */
function attrNames(obj: Group): Set<string> {
  return new Set(h5(`the attributes of '${obj.path}'`, () => Object.keys(obj.attrs)));
}

function attrValue(obj: Group, name: string): unknown {
  return h5(`attribute '${name}' of '${obj.path}'`, () => obj.attrs[name]!.value);
}

/** Reads a string-list attribute, including Keras's chunked form (`name0`, `name1`, ...) for long lists. */
export function readStringList(obj: Group, name: string): string[] | null {
  const names = attrNames(obj);
  const one = (key: string): string[] => {
    const v = attrValue(obj, key);
    const list =
      typeof v === 'string'
        ? [v]
        : Array.isArray(v)
          ? v
          : ArrayBuffer.isView(v)
            ? Array.from(v as unknown as ArrayLike<unknown>)
            : [];
    return list.map((s) => (s instanceof Uint8Array ? new TextDecoder().decode(s) : String(s)));
  };
  if (names.has(name)) return one(name);
  if (!names.has(`${name}0`)) return null;
  const out: string[] = [];
  for (let i = 0; names.has(`${name}${i}`); i++) out.push(...one(`${name}${i}`));
  return out;
}

/** A string attribute (`model_config`, ...), or null; longer than `maxChars` is refused. */
export function readStringAttr(obj: Group, name: string, maxChars = Infinity): string | null {
  if (!attrNames(obj).has(name)) return null;
  const v = attrValue(obj, name);
  const s = typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);
  if (s.length > maxChars)
    throw damagedHere(
      `attribute '${name}' holds ${s.length} characters, more than the ${maxChars} allowed (see LoadOptions.maxConfigBytes).`,
    );
  return s;
}

/** Runs `fn` on an open file and always closes it. */
export function withFile<T>(f: H5File, fn: (f: H5File) => T): T {
  try {
    return fn(f);
  } finally {
    f.close();
  }
}
