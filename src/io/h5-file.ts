import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { Dataset, File as H5File, Group } from 'h5wasm/node';
import type { DType } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';

export type { Dataset, Group, H5File };

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

let readyPromise: Promise<unknown> | null = null;

/** h5wasm's WebAssembly module loads once, asynchronously. */
export async function h5Ready(): Promise<void> {
  readyPromise ??= h5wasm.ready;
  await readyPromise;
}

/** Creates (truncating) an HDF5 file; call h5Ready() first. */
export function createH5(path: string): H5File {
  const f = new h5wasm.File(resolve(path), 'w');
  if (Number(f.file_id) < 0) throw new Error(`Cannot create the HDF5 file '${path}'.`);
  return f;
}

/**
 * Opens an HDF5 file for reading after checking it is one and is complete, so a foreign or
 * truncated file gets a clear error instead of HDF5's diagnostics.
 */
export async function openH5(path: string): Promise<H5File> {
  await h5Ready();
  checkHdf5File(path);
  let f: H5File;
  try {
    f = new h5wasm.File(resolve(path), 'r');
  } catch (e) {
    throw new Error(`Cannot read '${path}' as HDF5 (damaged file?): ${String(e)}`);
  }
  if (Number(f.file_id) < 0) throw new Error(`Cannot read '${path}' as HDF5 (damaged file?).`);
  return f;
}

/** Checks the HDF5 signature and that the file is as long as its superblock says. */
export function checkHdf5File(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new Error(`No such file: '${path}'.`);
  }
  const head = Buffer.alloc(64);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 64, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 8 || !SIGNATURE.every((b, i) => head[i] === b))
    throw new Error(`'${path}' is not an HDF5 file (no HDF5 signature).`);
  const eof = superblockEof(head);
  if (eof !== null && size < eof)
    throw new Error(`'${path}' is truncated: HDF5 says ${eof} bytes, the file has ${size}.`);
}

/** End-of-file address from the superblock (8-byte offsets), for versions 0 to 3. */
function superblockEof(head: Buffer): number | null {
  const version = head[8]!;
  const offsetAt = version === 0 ? 40 : version === 1 ? 44 : version <= 3 ? 28 : -1;
  const sizeOfOffsets = version <= 1 ? head[13]! : head[9]!;
  if (offsetAt < 0 || sizeOfOffsets !== 8) return null;
  return Number(head.readBigUInt64LE(offsetAt));
}

/** Creates every missing group along a slash-separated path (h5py does this implicitly). */
export function requireGroup(root: Group, path: string): Group {
  let g = root;
  for (const part of path.split('/').filter((p) => p !== '')) {
    const existing = g.get(part);
    g = existing instanceof h5wasm.Group ? existing : g.create_group(part);
  }
  return g;
}

export function getGroup(root: Group, path: string): Group | null {
  const e = root.get(path);
  return e instanceof h5wasm.Group ? e : null;
}

export function getDataset(root: Group, path: string): Dataset | null {
  const e = root.get(path);
  return e instanceof h5wasm.Dataset ? e : null;
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

/** Reads a numeric dataset as a tensor of the wanted dtype (cast as Keras/NumPy would). */
export function readTensor(ds: Dataset, dtype: DType, what: string): Tensor {
  const shape = ds.shape ?? [];
  const raw = ds.value;
  if (!ArrayBuffer.isView(raw) && typeof raw !== 'number' && typeof raw !== 'bigint')
    throw new Error(`${what} is not a numeric dataset.`);
  const values = ArrayBuffer.isView(raw) ? (raw as unknown as ArrayLike<number | bigint>) : [raw];
  const t = Tensor.empty(shape, dtype);
  if (values.length !== t.size)
    throw new Error(`${what} holds ${values.length} values for shape [${shape.join(', ')}].`);
  if (values instanceof t.data.constructor) t.data.set(values as ArrayLike<number>);
  else for (let i = 0; i < t.size; i++) t.data[i] = Number(values[i]!);
  return t;
}

export function readScalar(ds: Dataset, what: string): number {
  const v = ds.value;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length === 1)
    return Number((v as unknown as ArrayLike<number | bigint>)[0]);
  throw new Error(`${what} is not a scalar.`);
}

/** A string-list attribute as Keras writes them (`layer_names`, `weight_names`); empty lists are empty float arrays there. */
export function writeStringList(obj: Group, name: string, items: readonly string[]): void {
  if (items.length === 0) obj.create_attribute(name, new Float64Array(0), [0]);
  else obj.create_attribute(name, [...items]);
}

/** Reads a string-list attribute, including Keras's chunked form (`name0`, `name1`, ...) for long lists. */
export function readStringList(obj: Group, name: string): string[] | null {
  const attrs = obj.attrs;
  const one = (key: string): string[] => {
    const v = attrs[key]!.value;
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
  if (name in attrs) return one(name);
  if (!(`${name}0` in attrs)) return null;
  const out: string[] = [];
  for (let i = 0; `${name}${i}` in attrs; i++) out.push(...one(`${name}${i}`));
  return out;
}

export function readStringAttr(obj: Group, name: string): string | null {
  const a = obj.attrs[name];
  if (!a) return null;
  const v = a.value;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

/** Runs `fn` on an open file and always closes it. */
export function withFile<T>(f: H5File, fn: (f: H5File) => T): T {
  try {
    return fn(f);
  } finally {
    f.close();
  }
}
