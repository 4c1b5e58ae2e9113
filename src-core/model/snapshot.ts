/**
 * Snapshots in the safetensors format (8-byte little-endian header length, a JSON header, raw little-endian
 * tensors): simple, safe to read (no pickle), and readable by Python's `safetensors` for anyone who wants the
 * weights elsewhere. The model graph and the training state travel in the header's `__metadata__`
 * (string → string, as the format requires), so a snapshot alone is enough to rebuild the network.
 *
 * Writes are atomic: a run killed while saving leaves the previous snapshots intact and no partial file.
 */
import * as fs from 'node:fs';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { parameterSpecs, type ModelGraph } from './graph';

export interface SnapshotContent {
  graph: ModelGraph;
  /** Model parameters by name. */
  values: ReadonlyMap<string, Float32Array>;
  /** Other float32 tensors (optimizer state: `optimizer/<slot>/<index>`), with their shapes. */
  extra?: ReadonlyMap<string, { shape: number[]; values: Float32Array }>;
  /** Strings kept beside the graph (epoch, body parts, PAF graph, metrics…). */
  metadata: Record<string, string>;
}

export interface LoadedSnapshot {
  graph: ModelGraph;
  values: Map<string, Float32Array>;
  extra: Map<string, { shape: number[]; values: Float32Array }>;
  metadata: Record<string, string>;
}

const GRAPH_KEY = 'herd_graph';
const FORMAT_KEY = 'format';
const FORMAT = 'herd-snapshot-1';

export function encodeSnapshot(content: SnapshotContent): Buffer {
  const tensors: Array<{ name: string; shape: number[]; values: Float32Array }> = [];
  for (const spec of parameterSpecs(content.graph)) {
    const values = content.values.get(spec.name);
    if (!values) throw new Error(`snapshot: parameter ${spec.name} has no value`);
    tensors.push({ name: spec.name, shape: spec.shape, values });
  }
  for (const [name, tensor] of content.extra ?? []) tensors.push({ name, ...tensor });
  const header: Record<string, unknown> = {
    __metadata__: { ...content.metadata, [FORMAT_KEY]: FORMAT, [GRAPH_KEY]: JSON.stringify(content.graph) },
  };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.values.length] };
    offset += 4 * t.values.length;
  }
  // The header is padded with spaces to 8 bytes so the tensor data starts aligned (as safetensors does).
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength).copy(out, at);
    at += t.values.byteLength;
  }
  return out;
}

export function writeSnapshot(file: string, content: SnapshotContent): void {
  writeFileAtomic(file, encodeSnapshot(content));
}

export function decodeSnapshot(bytes: Buffer, file: string): LoadedSnapshot {
  const bad = (why: string) => new HerdError('SNAPSHOT_INVALID', `not a Herd snapshot: ${why}`, { file });
  if (bytes.length < 8) throw bad('the file is shorter than a safetensors header');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (8 + headerLength > bytes.length) throw bad('the header runs past the end of the file (truncated?)');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength)) as Record<string, unknown>;
  } catch {
    throw bad('the header is not JSON');
  }
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  if (metadata[FORMAT_KEY] !== FORMAT || !metadata[GRAPH_KEY]) throw bad('a safetensors file without Herd\'s model description');
  const graph = JSON.parse(metadata[GRAPH_KEY]) as ModelGraph;
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32') throw bad(`tensor ${name} is ${dtype}, only F32 is read`);
    if (dataStart + offsets[1] > bytes.length) throw bad(`tensor ${name} runs past the end of the file (truncated?)`);
    // Copy, so the values are aligned and independent of the file buffer.
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + dataStart + offsets[0], bytes.byteOffset + dataStart + offsets[1]));
    tensors.set(name, { shape, values });
  }
  const values = new Map<string, Float32Array>();
  for (const spec of parameterSpecs(graph)) {
    const tensor = tensors.get(spec.name);
    if (!tensor) throw bad(`parameter ${spec.name} is missing`);
    values.set(spec.name, tensor.values);
    tensors.delete(spec.name);
  }
  const { [GRAPH_KEY]: _graph, [FORMAT_KEY]: _format, ...rest } = metadata;
  return { graph, values, extra: tensors, metadata: rest };
}

export function readSnapshot(file: string): LoadedSnapshot {
  if (!fs.existsSync(file)) throw new HerdError('SNAPSHOT_NOT_FOUND', 'snapshot file not found', { file });
  return decodeSnapshot(fs.readFileSync(file), file);
}
