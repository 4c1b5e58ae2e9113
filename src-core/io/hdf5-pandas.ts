/**
 * pandas DataFrames in HDF5 files (`DataFrame.to_hdf` / `pd.read_hdf`), read and written through h5wasm.
 *
 * Format facts this module relies on (checked against files written by pandas 1.5.3 + PyTables 3.7.0 and
 * DeepLabCut's own openfield example):
 *
 * - A frame lives in the group `/<key>` (DeepLabCut: `df_with_missing`). The group's `pandas_type` attribute
 *   says the format: `frame` = "fixed" (pandas' default, what DeepLabCut writes for `CollectedData_*.h5`),
 *   `frame_table` = "table" (PyTables table; DeepLabCut's predictions and some old label files).
 * - Fixed: pandas calls the columns `axis0` and the rows `axis1`. A MultiIndex axis is stored as
 *   `<axis>_level<i>` (the level's unique values, sorted, as numpy `S<n>` UTF-8 bytes, attrs `kind="string"`,
 *   `name`, `<axis>_name<name>`) plus `<axis>_label<i>` (the codes, int8 when a level has < 127 values);
 *   a plain index is one string array `<axis>` (attrs `kind`, `name`). The group says
 *   `<axis>_variety` = `multi`|`regular` and `<axis>_nlevels` (int64). Values are `block<j>_values`
 *   (float64, stored transposed: shape [rows, columns]) with their columns in `block<j>_items*` (same layout as
 *   an axis). Every array carries PyTables' `CLASS=ARRAY`, `FLAVOR=numpy`, `TITLE`, `VERSION=2.4`, `transposed`.
 *   Group attributes: `CLASS=GROUP`, `TITLE`, `VERSION=1.0`, `pandas_type`, `pandas_version=0.15.2`,
 *   `encoding=UTF-8`, `errors=strict`, `ndim=2`, `nblocks`.
 *   A `name` of None is stored as the protocol-0 pickle `N.` (ASCII string), which PyTables unpickles.
 * - Table: `/<key>/table` is a compound dataset: `index` (string or int64) and `values_block_<j>` (float64[n]).
 *   Column names are only in pickled group attributes (`non_index_axes = [(1, [column tuples])]`,
 *   `values_block_<j>_kind` on the table); PyTables pickles them with protocol 0. They are read with the
 *   safe unpickler in `pickle.ts`, which never executes anything. pandas cannot write a table whose row
 *   index is a MultiIndex together with MultiIndex columns, so label tables in table format always have a
 *   one-level (path) index; tables whose index is stored as data columns are refused with a clear error.
 * - We WRITE the fixed format (no pickles needed, and it is what DeepLabCut writes for labels), with the
 *   version-0 superblock and version-1 object headers PyTables writes. Differences from a pandas-written file
 *   that h5wasm cannot avoid: `TITLE` is a 1-byte empty string instead of a null-dataspace string, and UTF-8
 *   attribute strings are space-padded (h5wasm's choice) rather than null-terminated; PyTables reads both as
 *   ''/the same str. `transposed` must be an 8-bit bitfield (numpy bool); h5wasm cannot create one, so it is
 *   written as int8 and retyped in place (see `markTransposedAsBool`). Empty frames are refused (pandas
 *   stores them with pickled object arrays).
 * - h5wasm's Node build is an ES module with direct file access (`import('h5wasm/node')`); it decodes
 *   fixed-length strings as windows-1252 and cuts them at the first NUL, so strings (and pickles) are read
 *   here from the raw bytes instead.
 */
import * as fs from 'node:fs';
// The module object itself (not a namespace copy), so `quietly` can intercept h5wasm's writes to stderr.
import nodeFs from 'node:fs';
import * as path from 'node:path';
import type * as H5 from 'h5wasm';
import { temporarySibling } from '../common/atomic';
import { HerdError } from '../common/errors';
import { unpickle, type PickleValue } from './pickle';

type H5Lib = typeof H5;
/** The parts of h5wasm's emscripten module used for raw attribute/dataset access. */
interface RawModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  get_attribute_metadata(fileId: bigint, path: string, name: string): H5.Metadata;
  get_attribute_data(fileId: bigint, path: string, name: string, ptr: bigint): number;
  get_attribute_names(fileId: bigint, path: string): string[];
  get_dataset_metadata(fileId: bigint, path: string): H5.Metadata;
  get_dataset_data(fileId: bigint, path: string, count: null, offset: null, strides: null, ptr: bigint): number;
  create_attribute(fileId: bigint, path: string, name: string, ptr: bigint, metadata: object): number;
  create_dataset(fileId: bigint, path: string, ptr: bigint, metadata: object): number;
  create_group(fileId: bigint, name: string, trackOrder?: boolean): number;
}

let loading: Promise<{ lib: H5Lib; module: RawModule }> | undefined;

/**
 * Loads h5wasm once per process (about 0.15 s; several seconds under tsx, which rewrites its 4 MB module).
 * The literal specifier lets esbuild bundle it (esbuild.mjs defines `import.meta.url` for it), so the
 * bundles stay self-contained.
 */
export function loadH5wasm(): Promise<{ lib: H5Lib; module: RawModule }> {
  loading ??= (import('h5wasm/node') as Promise<H5Lib>).then(async (lib) => {
    const module = (await lib.ready) as unknown as RawModule;
    return { lib, module };
  });
  return loading;
}

/**
 * Runs `body` while swallowing what the HDF5 library prints to stderr (its "HDF5-DIAG" error stacks, written by
 * h5wasm straight to file descriptor 2). Returns the result and the last, most specific diagnostic line.
 */
function quietly<T>(body: () => T): { result?: T; error?: unknown; diagnostic?: string } {
  const original = nodeFs.writeSync;
  let text = '';
  nodeFs.writeSync = function (this: unknown, fd: number, data: unknown, ...rest: unknown[]) {
    if (fd !== 2) return (original as (...args: unknown[]) => number).call(this, fd, data, ...rest);
    if (typeof data === 'string') {
      text += data;
      return Buffer.byteLength(data);
    }
    const bytes = data as Uint8Array;
    const offset = typeof rest[0] === 'number' ? rest[0] : 0;
    const length = typeof rest[1] === 'number' ? rest[1] : bytes.length - offset;
    text += Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('utf8');
    return length;
  } as typeof nodeFs.writeSync;
  const details = () => {
    const messages = [...text.matchAll(/ in [\w.]+\(\): (.*)$/gm)].map((match) => match[1].trim());
    return messages.at(-1);
  };
  try {
    return { result: body(), diagnostic: details() };
  } catch (error) {
    return { error, diagnostic: details() };
  } finally {
    nodeFs.writeSync = original;
  }
}

// ---------------------------------------------------------------------------------------------
// The frame model

/** One axis of a frame: tuples of labels (one entry per level) and the level names. */
export interface PandasAxis {
  names: Array<string | null>;
  /** `tuples[i][level]`; a plain index has one level. Strings, or numbers for an integer index. */
  tuples: Array<Array<string | number>>;
}

/** A float DataFrame: values row-major, `index.tuples.length × columns.tuples.length`. */
export interface PandasFrame {
  columns: PandasAxis;
  index: PandasAxis;
  values: Float64Array;
  /** Which pandas HDF5 format the frame was read from. */
  format?: 'fixed' | 'table';
}

// ---------------------------------------------------------------------------------------------
// Raw reading

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_BITFIELD = 4;
const H5T_COMPOUND = 6;
const H5T_ARRAY = 10;

const utf8 = new TextDecoder('utf-8');

function readRaw(module: RawModule, metadata: H5.Metadata, fill: (ptr: bigint) => void): Uint8Array {
  if (metadata.vlen) throw new Error('variable-length data');
  const size = metadata.size * metadata.total_size;
  const ptr = module._malloc(Math.max(size, 1));
  try {
    fill(BigInt(ptr));
    return module.HEAPU8.slice(ptr, ptr + size);
  } finally {
    module._free(ptr);
  }
}

function decodeString(bytes: Uint8Array, strpad: number | undefined): string {
  let end = bytes.length;
  if (strpad === 2) {
    while (end > 0 && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0)) end--;
  } else {
    const nul = bytes.indexOf(0);
    if (nul >= 0) end = nul;
  }
  return utf8.decode(bytes.subarray(0, end));
}

type Scalar = string | number | boolean;

/** Decodes simple (string, integer, float, bitfield) HDF5 data into JS values. */
function decodeSimple(metadata: H5.Metadata, bytes: Uint8Array, count: number): Scalar[] {
  const { type, size, signed, littleEndian } = metadata;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Scalar[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * size;
    if (type === H5T_STRING) out.push(decodeString(bytes.subarray(at, at + size), metadata.strpad));
    else if (type === H5T_FLOAT) out.push(size === 8 ? view.getFloat64(at, littleEndian) : view.getFloat32(at, littleEndian));
    else if (type === H5T_BITFIELD) out.push(bytes[at] !== 0);
    else if (type === H5T_INTEGER) {
      if (size === 1) out.push(signed ? view.getInt8(at) : view.getUint8(at));
      else if (size === 2) out.push(signed ? view.getInt16(at, littleEndian) : view.getUint16(at, littleEndian));
      else if (size === 4) out.push(signed ? view.getInt32(at, littleEndian) : view.getUint32(at, littleEndian));
      else out.push(Number(signed ? view.getBigInt64(at, littleEndian) : view.getBigUint64(at, littleEndian)));
    } else throw new HerdError('HDF5_UNSUPPORTED', `unsupported HDF5 data type (class ${type}); only numbers and strings are read`);
  }
  return out;
}

/** An open HDF5 file with raw, encoding-correct accessors. */
class Reader {
  constructor(
    readonly file: H5.File,
    readonly module: RawModule,
    readonly fileName: string,
  ) {}

  fail(message: string): never {
    throw new HerdError('HDF5_FORMAT', message, { file: this.fileName });
  }

  attributeNames(objectPath: string): string[] {
    return this.module.get_attribute_names(this.file.file_id, objectPath);
  }

  attributeBytes(objectPath: string, name: string): Uint8Array {
    const metadata = this.module.get_attribute_metadata(this.file.file_id, objectPath, name);
    if (!metadata.shape) return new Uint8Array(0);
    if (metadata.type !== H5T_STRING) this.fail(`attribute ${objectPath}:${name} is not a string`);
    const raw = readRaw(this.module, metadata, (ptr) => this.module.get_attribute_data(this.file.file_id, objectPath, name, ptr));
    let end = raw.length;
    while (end > 0 && raw[end - 1] === 0) end--;
    return raw.subarray(0, end);
  }

  /** A scalar attribute; string attributes that hold a pickle are not unpickled here (see `pickled`). */
  attribute(objectPath: string, name: string): Scalar | null | undefined {
    if (!this.attributeNames(objectPath).includes(name)) return undefined;
    const metadata = this.module.get_attribute_metadata(this.file.file_id, objectPath, name);
    if (!metadata.shape) return metadata.type === H5T_STRING ? '' : null;
    if (metadata.vlen) {
      const value = this.file.get(objectPath) as H5.Group | null;
      const v = value?.attrs[name]?.value;
      return typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : null;
    }
    const raw = readRaw(this.module, metadata, (ptr) => this.module.get_attribute_data(this.file.file_id, objectPath, name, ptr));
    return decodeSimple(metadata, raw, 1)[0];
  }

  /** A PyTables-pickled attribute (an ASCII string holding a pickle), unpickled safely. */
  pickled(objectPath: string, name: string): PickleValue {
    if (!this.attributeNames(objectPath).includes(name)) this.fail(`${objectPath} has no attribute ${name}`);
    return unpickle(this.attributeBytes(objectPath, name), this.fileName);
  }

  /** A name attribute as pandas wrote it: a string, or a pickled None. */
  nameAttribute(objectPath: string): string | null {
    if (!this.attributeNames(objectPath).includes('name')) return null;
    const metadata = this.module.get_attribute_metadata(this.file.file_id, objectPath, 'name');
    if (metadata.type === H5T_STRING && metadata.cset === 0) {
      const value = this.pickled(objectPath, 'name');
      return typeof value === 'string' ? value : null;
    }
    const value = this.attribute(objectPath, 'name');
    return typeof value === 'string' ? value : null;
  }

  datasetMetadata(objectPath: string): H5.Metadata {
    return this.module.get_dataset_metadata(this.file.file_id, objectPath);
  }

  datasetBytes(objectPath: string, metadata = this.datasetMetadata(objectPath)): Uint8Array {
    return readRaw(this.module, metadata, (ptr) => this.module.get_dataset_data(this.file.file_id, objectPath, null, null, null, ptr));
  }

  /** An array as pandas wrote it; pandas stores an empty array as one dummy element plus a `shape` attribute. */
  array(objectPath: string): { shape: number[]; values: Scalar[] } {
    if (this.attributeNames(objectPath).includes('shape')) {
      const shape = this.pickled(objectPath, 'shape');
      return { shape: Array.isArray(shape) ? shape.map(Number) : [0], values: [] };
    }
    return this.dataset(objectPath);
  }

  dataset(objectPath: string): { shape: number[]; values: Scalar[] } {
    const metadata = this.datasetMetadata(objectPath);
    const shape = metadata.shape ?? [];
    if (metadata.vlen) {
      const dataset = this.file.get(objectPath) as H5.Dataset;
      return { shape, values: (dataset.value as string[]).map(String) };
    }
    const count = shape.reduce((a, b) => a * b, 1);
    return { shape, values: decodeSimple(metadata, this.datasetBytes(objectPath, metadata), count) };
  }

  has(objectPath: string): boolean {
    const parent = path.posix.dirname(objectPath);
    const group = this.file.get(parent);
    return group instanceof Object && 'keys' in group && (group as H5.Group).keys().includes(path.posix.basename(objectPath));
  }
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5 files start with a signature at byte 0, or at 512, 1024, 2048… after a user block. */
export function hasHdf5Signature(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const probe = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      fs.readSync(fd, probe, 0, 8, offset);
      if (probe.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens `file` read-only and runs `body`; any HDF5 failure becomes an error naming the file. */
async function withReader<T>(file: string, body: (reader: Reader) => T): Promise<T> {
  const { lib, module } = await loadH5wasm();
  if (!fs.existsSync(file)) throw new HerdError('HDF5_NOT_FOUND', 'no such file', { file });
  if (!hasHdf5Signature(file)) {
    throw new HerdError('HDF5_CORRUPT', 'not an HDF5 file (bad signature)', { file });
  }
  const opened = quietly(() => new lib.File(file, 'r'));
  const h5file = opened.result;
  if (!h5file || opened.error || !h5file.file_id || h5file.file_id < 0n) {
    const reason = opened.diagnostic ?? (opened.error as Error | undefined)?.message ?? 'unreadable';
    throw new HerdError('HDF5_CORRUPT', `cannot open as HDF5 (truncated or damaged?): ${reason}`, { file }, { cause: opened.error });
  }
  try {
    const read = quietly(() => body(new Reader(h5file, module, file)));
    if (read.error === undefined) return read.result as T;
    if (read.error instanceof HerdError) {
      if (read.error.location.file) throw read.error;
      throw new HerdError(read.error.code, read.error.message, { file }, { cause: read.error });
    }
    const reason = read.diagnostic ?? (read.error as Error).message;
    throw new HerdError('HDF5_CORRUPT', `cannot read HDF5 data (truncated or damaged?): ${reason}`, { file }, { cause: read.error });
  } finally {
    quietly(() => h5file.close());
  }
}

/** The keys (top-level groups) of a pandas HDF5 file. */
export async function listHdfKeys(file: string): Promise<string[]> {
  return withReader(file, (reader) => reader.file.keys());
}

function readFixedAxis(reader: Reader, group: string, axis: string): PandasAxis {
  const variety = reader.attribute(group, `${axis}_variety`);
  if (variety === 'multi') {
    const nlevels = Number(reader.attribute(group, `${axis}_nlevels`));
    const names: Array<string | null> = [];
    const columns: Scalar[][] = [];
    let count = -1;
    for (let level = 0; level < nlevels; level++) {
      const levelPath = `${group}/${axis}_level${level}`;
      const codes = reader.array(`${group}/${axis}_label${level}`).values as number[];
      // An empty axis stores its (empty) levels as pickled object arrays: nothing to read.
      const labels = codes.length === 0 ? [] : reader.array(levelPath).values;
      names.push(reader.nameAttribute(levelPath));
      if (count >= 0 && codes.length !== count) reader.fail(`${axis} level ${level} has ${codes.length} codes, expected ${count}`);
      count = codes.length;
      columns.push(
        codes.map((code) => {
          if (code < 0 || code >= labels.length) reader.fail(`${axis} level ${level} has an invalid code ${code}`);
          return labels[code];
        }),
      );
    }
    const tuples = Array.from({ length: Math.max(count, 0) }, (_, i) => columns.map((column) => column[i] as string | number));
    return { names, tuples };
  }
  if (variety !== 'regular') reader.fail(`${group}: unknown ${axis}_variety ${String(variety)}`);
  const axisPath = `${group}/${axis}`;
  const kind = reader.attribute(axisPath, 'kind');
  if (kind !== 'string' && kind !== 'integer' && kind !== 'float' && kind !== undefined && !reader.attributeNames(axisPath).includes('shape')) {
    reader.fail(`${axisPath}: unsupported index kind ${String(kind)}`);
  }
  const values = reader.array(axisPath).values;
  return { names: [reader.nameAttribute(axisPath)], tuples: values.map((value) => [value as string | number]) };
}

function readFixed(reader: Reader, group: string): PandasFrame {
  const columns = readFixedAxis(reader, group, 'axis0');
  const index = readFixedAxis(reader, group, 'axis1');
  const nblocks = Number(reader.attribute(group, 'nblocks') ?? 0);
  const values = new Float64Array(index.tuples.length * columns.tuples.length).fill(Number.NaN);
  const columnPosition = new Map(columns.tuples.map((tuple, i) => [JSON.stringify(tuple), i]));
  for (let block = 0; block < nblocks; block++) {
    const items = readFixedAxis(reader, group, `block${block}_items`);
    const valuesPath = `${group}/block${block}_values`;
    const metadata = reader.datasetMetadata(valuesPath);
    if (metadata.type !== H5T_FLOAT && metadata.type !== H5T_INTEGER) reader.fail(`${valuesPath}: only numeric columns are supported`);
    const { shape, values: blockValues } = reader.array(valuesPath);
    const transposed = Boolean(reader.attribute(valuesPath, 'transposed'));
    const rows = index.tuples.length;
    const cols = items.tuples.length;
    const [a, b] = shape.length === 2 ? shape : [rows, cols];
    if (rows > 0 && cols > 0 && a * b !== rows * cols) reader.fail(`${valuesPath} has shape ${shape}, expected ${rows}×${cols}`);
    items.tuples.forEach((tuple, item) => {
      const column = columnPosition.get(JSON.stringify(tuple));
      if (column === undefined) reader.fail(`${valuesPath}: block column ${tuple.join('/')} is not a frame column`);
      for (let row = 0; row < rows; row++) {
        const at = transposed ? row * cols + item : item * rows + row;
        values[row * columns.tuples.length + column] = Number(blockValues[at]);
      }
    });
  }
  return { columns, index, values, format: 'fixed' };
}

function asTuple(value: PickleValue): Array<string | number> {
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'bigint' ? Number(item) : (item as string | number)));
  return [value as string | number];
}

function readTable(reader: Reader, group: string): PandasFrame {
  const tablePath = `${group}/table`;
  const nonIndexAxes = reader.pickled(group, 'non_index_axes');
  if (!Array.isArray(nonIndexAxes) || !Array.isArray(nonIndexAxes[0]) || !Array.isArray(nonIndexAxes[0][1])) {
    reader.fail(`${group}: unexpected non_index_axes`);
  }
  const columnTuples = (nonIndexAxes[0][1] as PickleValue[]).map(asTuple);
  const info = reader.attributeNames(group).includes('info') ? reader.pickled(group, 'info') : null;
  let columnNames: Array<string | null> = columnTuples[0]?.map(() => null) ?? [null];
  let indexNames: Array<string | null> = [null];
  if (info instanceof Map) {
    const columnInfo = info.get(1);
    if (columnInfo instanceof Map && Array.isArray(columnInfo.get('names'))) {
      columnNames = (columnInfo.get('names') as PickleValue[]).map((name) => (typeof name === 'string' ? name : null));
    }
    const indexInfo = info.get('index');
    if (indexInfo instanceof Map && typeof indexInfo.get('names') !== 'undefined') {
      const names = indexInfo.get('names');
      if (Array.isArray(names)) indexNames = names.map((name) => (typeof name === 'string' ? name : null));
    }
  }
  const metadata = reader.datasetMetadata(tablePath);
  if (metadata.type !== H5T_COMPOUND || !metadata.compound_type) reader.fail(`${tablePath} is not a table`);
  const rows = metadata.shape?.[0] ?? 0;
  const raw = reader.datasetBytes(tablePath, metadata);
  const members = metadata.compound_type.members;
  const indexMember = members.find((member) => member.name === 'index');
  if (!indexMember) {
    reader.fail(`${tablePath}: tables whose row index is stored as data columns (a MultiIndex) are not supported; re-save it with pandas' default (fixed) format`);
  }
  const values = new Float64Array(rows * columnTuples.length).fill(Number.NaN);
  const position = new Map(columnTuples.map((tuple, i) => [JSON.stringify(tuple), i]));
  const index: Array<Array<string | number>> = [];
  const blocks = members.filter((member) => /^values_block_\d+$/.test(member.name));
  const blockColumns = blocks.map((member) => {
    const kind = reader.pickled(tablePath, `${member.name}_kind`);
    if (!Array.isArray(kind)) reader.fail(`${tablePath}: unexpected ${member.name}_kind`);
    return kind.map((tuple) => {
      const column = position.get(JSON.stringify(asTuple(tuple)));
      if (column === undefined) reader.fail(`${tablePath}: ${member.name} names an unknown column`);
      return column;
    });
  });
  for (let row = 0; row < rows; row++) {
    const record = raw.subarray(row * metadata.size, (row + 1) * metadata.size);
    const indexBytes = record.subarray(indexMember.offset, indexMember.offset + indexMember.size);
    index.push([decodeSimple(indexMember, indexBytes, 1)[0] as string | number]);
    blocks.forEach((member, b) => {
      const element = member.type === H5T_ARRAY && member.array_type ? member.array_type : member;
      const count = member.size / element.size;
      const cells = decodeSimple(element, record.subarray(member.offset, member.offset + member.size), count);
      blockColumns[b].forEach((column, i) => {
        values[row * columnTuples.length + column] = Number(cells[i]);
      });
    });
  }
  return { columns: { names: columnNames, tuples: columnTuples }, index: { names: indexNames, tuples: index }, values, format: 'table' };
}

/** Reads the DataFrame stored under `key` (pandas "fixed" or "table" format). */
export async function readPandasHdf(file: string, key = 'df_with_missing'): Promise<PandasFrame> {
  return withReader(file, (reader) => {
    const group = `/${key}`;
    if (!reader.file.keys().includes(key)) {
      throw new HerdError('HDF5_KEY', `no object named "${key}" (keys: ${reader.file.keys().join(', ') || 'none'})`, { file });
    }
    const pandasType = reader.attribute(group, 'pandas_type');
    if (pandasType === 'frame') return readFixed(reader, group);
    if (pandasType === 'frame_table') return readTable(reader, group);
    return reader.fail(`${group} is not a pandas DataFrame (pandas_type ${String(pandasType)})`);
  });
}

// ---------------------------------------------------------------------------------------------
// Writing (pandas "fixed" format)

const encoder = new TextEncoder();

interface Writer {
  module: RawModule;
  fileId: bigint;
}

function withBuffer<T>(module: RawModule, bytes: Uint8Array, body: (ptr: bigint) => T): T {
  const ptr = module._malloc(Math.max(bytes.length, 1));
  try {
    module.HEAPU8.set(bytes, ptr);
    return body(BigInt(ptr));
  } finally {
    module._free(ptr);
  }
}

function check(status: number, what: string): void {
  if (typeof status === 'number' && status < 0) throw new Error(`h5wasm failed to ${what}`);
}

function stringAttribute(w: Writer, objectPath: string, name: string, value: string, ascii = false): void {
  const bytes = encoder.encode(value);
  const data = bytes.length === 0 ? new Uint8Array(1) : bytes;
  withBuffer(w.module, data, (ptr) =>
    check(
      w.module.create_attribute(w.fileId, objectPath, name, ptr, {
        type: H5T_STRING, size: data.length, cset: ascii ? 0 : 1, strpad: 0, vlen: false, signed: false,
        littleEndian: true, shape: [], maxshape: [], total_size: 1,
      }),
      `write attribute ${name}`,
    ),
  );
}

function intAttribute(w: Writer, objectPath: string, name: string, value: number, size: 1 | 8): void {
  const bytes = new Uint8Array(size);
  if (size === 8) new DataView(bytes.buffer).setBigInt64(0, BigInt(value), true);
  else bytes[0] = value;
  withBuffer(w.module, bytes, (ptr) =>
    check(
      w.module.create_attribute(w.fileId, objectPath, name, ptr, {
        type: H5T_INTEGER, size, signed: true, vlen: false, littleEndian: true, shape: [], maxshape: [], total_size: 1,
      }),
      `write attribute ${name}`,
    ),
  );
}

/** A pickled-None / string `name`, as pandas writes it. */
function nameAttribute(w: Writer, objectPath: string, attribute: string, name: string | null): void {
  if (name === null) stringAttribute(w, objectPath, attribute, 'N.', true);
  else stringAttribute(w, objectPath, attribute, name);
}

function pytablesArrayAttributes(w: Writer, objectPath: string): void {
  stringAttribute(w, objectPath, 'CLASS', 'ARRAY');
  stringAttribute(w, objectPath, 'FLAVOR', 'numpy');
  stringAttribute(w, objectPath, 'TITLE', '');
  stringAttribute(w, objectPath, 'VERSION', '2.4');
}

function dataset(w: Writer, objectPath: string, bytes: Uint8Array, shape: number[], type: object): void {
  withBuffer(w.module, bytes, (ptr) =>
    check(
      w.module.create_dataset(w.fileId, objectPath, ptr, {
        ...type, vlen: false, littleEndian: true, shape: shape.map(BigInt), maxshape: shape.map(BigInt), chunks: null,
        compression: 0, compression_opts: [], track_order: false, total_size: shape.reduce((a, b) => a * b, 1),
      }),
      `write ${objectPath}`,
    ),
  );
}

function stringArray(w: Writer, objectPath: string, values: string[]): void {
  const encoded = values.map((value) => encoder.encode(value));
  const size = Math.max(1, ...encoded.map((bytes) => bytes.length));
  const bytes = new Uint8Array(size * values.length);
  encoded.forEach((item, i) => bytes.set(item, i * size));
  dataset(w, objectPath, bytes, [values.length], { type: H5T_STRING, size, cset: 0, strpad: 0, signed: false });
  pytablesArrayAttributes(w, objectPath);
}

function codesArray(w: Writer, objectPath: string, codes: number[], levels: number): void {
  // pandas' coerce_indexer_dtype: int8 below 127 categories, then int16, int32.
  const size = levels < 127 ? 1 : levels < 32767 ? 2 : 4;
  const bytes = new Uint8Array(codes.length * size);
  const view = new DataView(bytes.buffer);
  codes.forEach((code, i) => {
    if (size === 1) view.setInt8(i, code);
    else if (size === 2) view.setInt16(i * 2, code, true);
    else view.setInt32(i * 4, code, true);
  });
  dataset(w, objectPath, bytes, [codes.length], { type: H5T_INTEGER, size, signed: true });
  pytablesArrayAttributes(w, objectPath);
  intAttribute(w, objectPath, 'transposed', 1, 1);
}

/** Python's default sort of str (code-point order), which MultiIndex levels follow. */
function pythonCompare(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function writeAxis(w: Writer, group: string, axis: string, data: PandasAxis): void {
  const nlevels = data.names.length;
  if (nlevels === 1 && data.tuples.length > 0 && data.tuples.every((tuple) => Number.isSafeInteger(tuple[0]))) {
    // An integer index (frame numbers of analysis tables): int64, as pandas writes an Index of int64.
    stringAttribute(w, group, `${axis}_variety`, 'regular');
    const axisPath = `${group}/${axis}`;
    const bytes = new Uint8Array(8 * data.tuples.length);
    const view = new DataView(bytes.buffer);
    data.tuples.forEach((tuple, i) => view.setBigInt64(8 * i, BigInt(tuple[0] as number), true));
    dataset(w, axisPath, bytes, [data.tuples.length], { type: H5T_INTEGER, size: 8, signed: true });
    pytablesArrayAttributes(w, axisPath);
    stringAttribute(w, axisPath, 'kind', 'integer');
    nameAttribute(w, axisPath, 'name', data.names[0]);
    intAttribute(w, axisPath, 'transposed', 0, 1);
    return;
  }
  if (nlevels === 1) {
    stringAttribute(w, group, `${axis}_variety`, 'regular');
    const axisPath = `${group}/${axis}`;
    stringArray(w, axisPath, data.tuples.map((tuple) => String(tuple[0])));
    stringAttribute(w, axisPath, 'kind', 'string');
    nameAttribute(w, axisPath, 'name', data.names[0]);
    intAttribute(w, axisPath, 'transposed', 1, 1);
    return;
  }
  stringAttribute(w, group, `${axis}_variety`, 'multi');
  intAttribute(w, group, `${axis}_nlevels`, nlevels, 8);
  writeAxisLevelsOnly(w, group, axis, data);
}

/** Writes `frame` under `key` in pandas' fixed format to `file` (created or truncated; not atomic by itself). */
export async function writePandasHdfFixed(file: string, frame: PandasFrame, key = 'df_with_missing'): Promise<void> {
  const { lib, module } = await loadH5wasm();
  const rows = frame.index.tuples.length;
  const cols = frame.columns.tuples.length;
  if (rows === 0 || cols === 0) throw new HerdError('HDF5_EMPTY', 'cannot write an empty table to HDF5 (no rows or no columns)', { file });
  if (frame.values.length !== rows * cols) throw new HerdError('HDF5_SHAPE', `expected ${rows}×${cols} values, got ${frame.values.length}`, { file });
  // libver 'earliest' gives the version-0 superblock and version-1 object headers PyTables writes.
  const opened = quietly(() => new lib.File(file, 'w', { libver: ['earliest', 'v108'] }));
  const h5file = opened.result;
  if (!h5file || opened.error || !h5file.file_id || h5file.file_id < 0n) {
    throw new HerdError('HDF5_WRITE', `cannot create the file: ${opened.diagnostic ?? (opened.error as Error | undefined)?.message ?? 'unknown error'}`, { file });
  }
  const written = quietly(() => writeFrame(module, h5file, frame, key));
  quietly(() => h5file.close());
  if (written.error !== undefined) {
    const reason = written.diagnostic ?? (written.error as Error).message;
    throw new HerdError('HDF5_WRITE', `cannot write HDF5: ${reason}`, { file }, { cause: written.error });
  }
  markTransposedAsBool(file);
}

function writeFrame(module: RawModule, h5file: H5.File, frame: PandasFrame, key: string): void {
  const rows = frame.index.tuples.length;
  const cols = frame.columns.tuples.length;
  const w: Writer = { module, fileId: h5file.file_id };
  stringAttribute(w, '/', 'CLASS', 'GROUP');
  stringAttribute(w, '/', 'PYTABLES_FORMAT_VERSION', '2.1');
  stringAttribute(w, '/', 'TITLE', '');
  stringAttribute(w, '/', 'VERSION', '1.0');
  const group = `/${key}`;
  check(module.create_group(w.fileId, group, false), `create ${group}`);
  stringAttribute(w, group, 'CLASS', 'GROUP');
  stringAttribute(w, group, 'TITLE', '');
  stringAttribute(w, group, 'VERSION', '1.0');
  stringAttribute(w, group, 'pandas_type', 'frame');
  stringAttribute(w, group, 'pandas_version', '0.15.2');
  stringAttribute(w, group, 'encoding', 'UTF-8');
  stringAttribute(w, group, 'errors', 'strict');
  intAttribute(w, group, 'ndim', 2, 8);
  writeAxis(w, group, 'axis0', frame.columns);
  writeAxis(w, group, 'axis1', frame.index);
  intAttribute(w, group, 'nblocks', 1, 8);
  stringAttribute(w, group, 'block0_items_variety', frame.columns.names.length === 1 ? 'regular' : 'multi');
  if (frame.columns.names.length > 1) intAttribute(w, group, 'block0_items_nlevels', frame.columns.names.length, 8);
  // block0_items repeats the column axis (one float block holds every column).
  const itemsAxis = { ...frame.columns };
  if (frame.columns.names.length > 1) {
    writeAxisLevelsOnly(w, group, 'block0_items', itemsAxis);
  } else {
    const itemsPath = `${group}/block0_items`;
    stringArray(w, itemsPath, itemsAxis.tuples.map((tuple) => String(tuple[0])));
    stringAttribute(w, itemsPath, 'kind', 'string');
    nameAttribute(w, itemsPath, 'name', itemsAxis.names[0]);
    intAttribute(w, itemsPath, 'transposed', 1, 1);
  }
  const valuesPath = `${group}/block0_values`;
  const bytes = new Uint8Array(frame.values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < frame.values.length; i++) view.setFloat64(i * 8, frame.values[i], true);
  dataset(w, valuesPath, bytes, [rows, cols], { type: H5T_FLOAT, size: 8, signed: false });
  pytablesArrayAttributes(w, valuesPath);
  intAttribute(w, valuesPath, 'transposed', 1, 1);
}

/**
 * PyTables stores numpy booleans as 8-bit HDF5 bitfields, which h5wasm cannot create. The `transposed`
 * attributes are written as int8 1 and then retyped in place: in a version-1 attribute message (no checksums
 * with the version-0 superblock written here) the int8 datatype `10 08 00 00 01 00 00 00 00 00 08 00` becomes
 * the bitfield `14 00 00 00 01 00 00 00 00 00 08 00`; same size, same value byte. Only exact matches of the
 * whole message prefix (version 1, name "transposed", 12-byte datatype, 8-byte scalar dataspace) are touched.
 */
function markTransposedAsBool(file: string): void {
  const bytes = fs.readFileSync(file);
  if (bytes[8] !== 0) return; // not a version-0 superblock: leave the int8 in place
  const prefix = Buffer.concat([
    Buffer.from([0x01, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x08, 0x00]),
    Buffer.from('transposed\0\0\0\0\0\0', 'latin1'),
    Buffer.from([0x10, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00]),
  ]);
  let changed = false;
  for (let at = bytes.indexOf(prefix); at >= 0; at = bytes.indexOf(prefix, at + prefix.length)) {
    const type = at + 24;
    bytes[type] = 0x14;
    bytes[type + 1] = 0x00;
    changed = true;
  }
  if (changed) fs.writeFileSync(file, bytes);
}

/** Like writeAxis for a MultiIndex, without the group-level variety/nlevels attributes (written by the caller). */
function writeAxisLevelsOnly(w: Writer, group: string, axis: string, data: PandasAxis): void {
  for (let level = 0; level < data.names.length; level++) {
    const labels = data.tuples.map((tuple) => String(tuple[level]));
    const levels = [...new Set(labels)].sort(pythonCompare);
    const code = new Map(levels.map((label, i) => [label, i]));
    const levelPath = `${group}/${axis}_level${level}`;
    stringArray(w, levelPath, levels);
    const name = data.names[level];
    nameAttribute(w, levelPath, `${axis}_name${name ?? 'None'}`, name);
    stringAttribute(w, levelPath, 'kind', 'string');
    nameAttribute(w, levelPath, 'name', name);
    intAttribute(w, levelPath, 'transposed', 1, 1);
    codesArray(w, `${group}/${axis}_label${level}`, labels.map((label) => code.get(label) as number), levels.length);
  }
}

/**
 * Writes `frame` atomically: a temporary sibling is written by h5wasm, fsynced and renamed over `target`,
 * so readers see the old file or the new one, never a half-written one.
 */
export async function writePandasHdfAtomic(target: string, frame: PandasFrame, key = 'df_with_missing'): Promise<void> {
  const temp = temporarySibling(target);
  try {
    await writePandasHdfFixed(temp, frame, key);
    const fd = fs.openSync(temp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    if (error instanceof HerdError) throw error;
    throw new HerdError('HDF5_WRITE', `cannot write HDF5: ${(error as Error).message}`, { file: target }, { cause: error });
  }
}
