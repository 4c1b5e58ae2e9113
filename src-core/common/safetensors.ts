/**
 * The safetensors container (https://github.com/huggingface/safetensors), float32 only: an 8-byte little-endian
 * header length, a JSON header `{ "<name>": { dtype, shape, data_offsets: [begin, end] }, "__metadata__": {
 * string: string } }` padded with spaces to a multiple of 8 (so tensor data starts aligned), then the raw
 * little-endian tensor bytes. Chosen for Herd's binary files because it is trivial to read safely (no pickle) and
 * Python's `safetensors` / numpy read it as is.
 */
import { HerdError } from './errors';

export interface NamedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface Tensor {
  shape: number[];
  values: Float32Array;
}

export interface DecodedSafetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** A file that is not valid safetensors; `reason` is the bare cause, for callers that rephrase the error. */
export class SafetensorsError extends HerdError {
  readonly reason: string;
  constructor(reason: string, file: string) {
    super('SAFETENSORS_INVALID', `not a valid safetensors file: ${reason}`, { file });
    this.reason = reason;
  }
}

const METADATA = '__metadata__';

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Record<string, string>): Buffer {
  const header: Record<string, unknown> = { [METADATA]: metadata };
  let offset = 0;
  for (const t of tensors) {
    // Programming errors, not user errors: the caller built the tensors.
    if (t.name === METADATA || t.name in header) throw new Error(`safetensors: duplicate or reserved tensor name ${t.name}`);
    if (elementCount(t.shape) !== t.values.length) throw new Error(`safetensors: ${t.name} has ${t.values.length} values for shape [${t.shape.join(', ')}]`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.values.length] };
    offset += 4 * t.values.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    // Float32Array is little-endian on every platform Node supports, so its bytes are the file's bytes.
    Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength).copy(out, at);
    at += t.values.byteLength;
  }
  return out;
}

/**
 * Decodes `bytes` (read from `file`, named in errors). `checkMetadata` runs after the header is parsed and before
 * any tensor is read, so a caller can refuse a foreign file (say, a BF16 language model) with its own message.
 */
export function decodeSafetensors(
  bytes: Buffer,
  file: string,
  options: { checkMetadata?: (metadata: Record<string, string>) => void } = {},
): DecodedSafetensors {
  const bad = (reason: string) => new SafetensorsError(reason, file);
  if (bytes.length < 8) throw bad('the file is shorter than a safetensors header');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (8 + headerLength > bytes.length) throw bad('the header runs past the end of the file (truncated?)');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength)) as Record<string, unknown>;
  } catch {
    throw bad('the header is not JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('the header is not a JSON object');
  const metadata = (header[METADATA] ?? {}) as Record<string, string>;
  options.checkMetadata?.(metadata);
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA) continue;
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (dtype !== 'F32') throw bad(`tensor ${name} is ${dtype}, only F32 is read`);
    if (!Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2 || offsets[1] - offsets[0] !== 4 * elementCount(shape) || offsets[0] < 0) {
      throw bad(`tensor ${name} has an inconsistent shape or data range`);
    }
    if (dataStart + offsets[1] > bytes.length) throw bad(`tensor ${name} runs past the end of the file (truncated?)`);
    // Copy, so the values are aligned and independent of the file buffer.
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + dataStart + offsets[0], bytes.byteOffset + dataStart + offsets[1]));
    tensors.set(name, { shape, values });
  }
  return { tensors, metadata };
}

/** How to read one kind of Herd file kept in safetensors (detections, tracklets): its `format` and its errors. */
export interface HerdFileKind {
  /** The `format` metadata this version reads, e.g. `herd-detections-1`. */
  format: string;
  /** Words for messages: "detections", "tracklets". */
  noun: string;
  /** Error code prefix: `DETECTIONS` gives DETECTIONS_INVALID and DETECTIONS_VERSION. */
  code: string;
  /** What to do about a file of another version, e.g. "analyse the video again with this version". */
  remedy: string;
}

/** Checked access to a decoded Herd file; every failure is a HerdError naming the file. */
export interface HerdFileReader {
  /** A string of `__metadata__`. */
  text(key: string): string;
  /** A JSON value of `__metadata__`. */
  field<T>(key: string): T;
  /** A tensor whose shape must match (`null` = any size in that dimension). */
  tensor(name: string, shape: ReadonlyArray<number | null>): Tensor;
  has(name: string): boolean;
  /** An error for something wrong in the file's content. */
  invalid(why: string): HerdError;
}

/** Decodes a Herd file of `kind`: refuses other formats and versions, and wraps the container's errors. */
export function decodeHerdFile(bytes: Buffer, file: string, kind: HerdFileKind): HerdFileReader {
  const invalid = (why: string) => new HerdError(`${kind.code}_INVALID`, `not a Herd ${kind.noun} file: ${why}`, { file });
  const family = kind.format.replace(/\d+$/, '');
  let decoded: DecodedSafetensors;
  try {
    decoded = decodeSafetensors(bytes, file, {
      checkMetadata: (metadata) => {
        const format = metadata.format;
        if (typeof format === 'string' && format.startsWith(family) && format !== kind.format) {
          throw new HerdError(`${kind.code}_VERSION`, `${kind.noun} format ${format} is not the ${kind.format} this Herd reads; ${kind.remedy}`, { file });
        }
        if (format !== kind.format) throw invalid(`a safetensors file without Herd's ${kind.noun} description`);
      },
    });
  } catch (error) {
    // The container's errors (truncated, not JSON…) keep their reason under this kind's code.
    if (error instanceof SafetensorsError) throw invalid(error.reason);
    throw error;
  }
  const { tensors, metadata } = decoded;
  const text = (key: string): string => {
    if (typeof metadata[key] !== 'string') throw invalid(`metadata "${key}" is missing`);
    return metadata[key];
  };
  return {
    text,
    field<T>(key: string): T {
      const value = text(key);
      try {
        return JSON.parse(value) as T;
      } catch {
        throw invalid(`metadata "${key}" is not JSON`);
      }
    },
    tensor(name, shape) {
      const t = tensors.get(name);
      if (!t) throw invalid(`tensor ${name} is missing`);
      if (t.shape.length !== shape.length || shape.some((size, i) => size !== null && size !== t.shape[i])) {
        throw invalid(`tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.map((s) => s ?? '*').join(', ')}]`);
      }
      return t;
    },
    has: (name) => tensors.has(name),
    invalid,
  };
}
