/**
 * Small helpers for the HDF5 exports (NWB, SLEAP analysis) written through h5wasm's high-level API.
 *
 * Choices that make the files open in h5py built on HDF5 1.10 (Debian's, and most conda installs):
 * - library version bounds `earliest`..`v110`, so no object header or superblock newer than HDF5 1.10 appears
 *   (h5wasm itself is built on HDF5 2.0);
 * - fixed-length strings are written as ASCII-flagged, NUL-terminated `S<n>` (h5py reads them as `bytes`, which
 *   `.decode()` turns back into str; UTF-8 bytes pass through untouched). h5wasm's UTF-8 fixed strings are
 *   space-padded instead, which some readers keep;
 * - variable-length strings (NWB's `text`) are UTF-8, as h5py and pynwb write them.
 * Files are written to a temporary sibling, fsynced and renamed, so a reader never sees half a file and an
 * existing file is never replaced unless asked.
 */
import * as fs from 'node:fs';
import type * as H5 from 'h5wasm';
import { temporarySibling } from '../common/atomic';
import { HerdError } from '../common/errors';
import { loadH5wasm } from './hdf5-pandas';

export type H5Group = H5.Group;
export type H5Dataset = H5.Dataset;

export interface AtomicWriteOptions {
  /** Replace an existing file (default: refuse with OUTPUT_EXISTS). */
  overwrite?: boolean;
}

/** Refuses to continue when `target` exists and overwriting was not asked for. */
export function assertWritable(target: string, options: AtomicWriteOptions = {}): void {
  if (!options.overwrite && fs.existsSync(target)) {
    throw new HerdError('OUTPUT_EXISTS', 'the file already exists; pass --overwrite to replace it', { file: target });
  }
}

/**
 * Creates `target` by running `body` on a fresh HDF5 file written beside it, then renames it into place.
 * Any failure removes the temporary file and leaves an existing `target` untouched.
 */
export async function writeHdf5Atomic(target: string, body: (root: H5.File) => void, options: AtomicWriteOptions = {}): Promise<void> {
  assertWritable(target, options);
  const { lib } = await loadH5wasm();
  const temp = temporarySibling(target);
  let file: H5.File | undefined;
  try {
    file = new lib.File(temp, 'w', { libver: ['earliest', 'v110'] });
    if (!file.file_id || file.file_id < 0n) throw new Error('h5wasm could not create the file');
    body(file);
    file.close();
    file = undefined;
    const fd = fs.openSync(temp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    assertWritable(target, options);
    fs.renameSync(temp, target);
  } catch (error) {
    try {
      file?.close();
    } catch {
      // already failing; the temporary file is removed below
    }
    fs.rmSync(temp, { force: true });
    if (error instanceof HerdError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new HerdError('HDF5_WRITE', `cannot write HDF5: ${message}`, { file: target }, { cause: error });
  }
}

/** Creates `name` (one level) under `parent` and returns it. */
export function group(parent: H5.Group, name: string): H5.Group {
  assertLinkName(name);
  return parent.create_group(name);
}

/** HDF5 link names cannot hold '/' (a path separator) or be '.'. */
export function assertLinkName(name: string): void {
  if (name === '' || name === '.' || name.includes('/')) {
    throw new HerdError('HDF5_NAME', `"${name}" cannot name an HDF5 object (empty, "." or containing "/")`);
  }
}

/** A scalar attribute: strings as variable-length UTF-8, numbers with the given numpy-style dtype. */
export function attr(target: H5.Group | H5.Dataset, name: string, value: string | number, dtype: ScalarDtype = 'float64'): void {
  if (typeof value === 'string') target.create_attribute(name, value);
  else target.create_attribute(name, value, [], H5WASM_DTYPE[dtype]);
}

/** A scalar variable-length UTF-8 string dataset (NWB `text`, h5py's `str`). */
export function textScalar(parent: H5.Group, name: string, value: string): H5.Dataset {
  assertLinkName(name);
  return parent.create_dataset({ name, data: value });
}

/** A 1-D variable-length UTF-8 string dataset. */
export function textArray(parent: H5.Group, name: string, values: string[]): H5.Dataset {
  assertLinkName(name);
  if (values.length === 0) throw new HerdError('HDF5_EMPTY', `${name}: an empty string list cannot be written`);
  return parent.create_dataset({ name, data: values, shape: [values.length] });
}

const utf8 = new TextEncoder();

/** Fixed-length, NUL-terminated byte strings (numpy `S<n>`), in `shape` (default 1-D). */
export function bytesArray(parent: H5.Group, name: string, values: string[], shape: number[] = [values.length]): H5.Dataset {
  assertLinkName(name);
  const width = Math.max(1, ...values.map((value) => utf8.encode(value).length));
  return parent.create_dataset({ name, data: values, shape, dtype: `A${width}` });
}

/** numpy names of the numeric types written here. */
export type NumericDtype = 'float32' | 'float64' | 'int64' | 'uint8' | 'uint16';
type ScalarDtype = 'float32' | 'float64' | 'int32' | 'int64';

/** h5wasm spells dtypes with Python struct letters (`<f` float32, `<d` float64…); `<f8` would mean float32. */
const H5WASM_DTYPE: Record<NumericDtype | ScalarDtype, string> = {
  float32: '<f',
  float64: '<d',
  int32: '<i',
  int64: '<q',
  uint8: '<B',
  uint16: '<H',
};
const DTYPE_SIZE: Record<NumericDtype, number> = { float32: 4, float64: 8, int64: 8, uint8: 1, uint16: 2 };

/** A numeric dataset of `shape` (row-major), optionally gzip-compressed in chunks of whole leading rows. */
export function numeric(
  parent: H5.Group,
  name: string,
  data: Float32Array | Float64Array | BigInt64Array | Uint8Array | Uint16Array,
  shape: number[],
  dtype: NumericDtype,
  options: { gzip?: boolean } = {},
): H5.Dataset {
  assertLinkName(name);
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new HerdError('HDF5_SHAPE', `${name}: ${data.length} values do not fill shape [${shape.join(', ')}]`);
  const compress = options.gzip === true && count > 0 && shape.length > 0 && shape.every((n) => n > 0);
  return parent.create_dataset({
    name,
    data,
    shape,
    dtype: H5WASM_DTYPE[dtype],
    ...(compress ? { chunks: chunkShape(shape, DTYPE_SIZE[dtype]), compression: 'gzip' as const, compression_opts: 4 } : {}),
  });
}

/** About 256 KiB chunks: the trailing dimensions whole, the leading ones cut. */
function chunkShape(shape: number[], itemSize: number): number[] {
  const target = 256 * 1024;
  const chunks = [...shape];
  let bytes = chunks.reduce((a, b) => a * b, itemSize);
  for (let axis = 0; axis < chunks.length && bytes > target; axis++) {
    const rest = bytes / chunks[axis];
    chunks[axis] = Math.max(1, Math.floor(target / rest));
    bytes = rest * chunks[axis];
  }
  return chunks;
}
