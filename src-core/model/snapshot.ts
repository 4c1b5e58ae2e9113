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
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type DecodedSafetensors, type NamedTensor } from '../common/safetensors';
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
  const tensors: NamedTensor[] = [];
  for (const spec of parameterSpecs(content.graph)) {
    const values = content.values.get(spec.name);
    if (!values) throw new Error(`snapshot: parameter ${spec.name} has no value`);
    tensors.push({ name: spec.name, shape: spec.shape, values });
  }
  for (const [name, tensor] of content.extra ?? []) tensors.push({ name, ...tensor });
  return encodeSafetensors(tensors, { ...content.metadata, [FORMAT_KEY]: FORMAT, [GRAPH_KEY]: JSON.stringify(content.graph) });
}

export function writeSnapshot(file: string, content: SnapshotContent): void {
  writeFileAtomic(file, encodeSnapshot(content));
}

export function decodeSnapshot(bytes: Buffer, file: string): LoadedSnapshot {
  const bad = (why: string) => new HerdError('SNAPSHOT_INVALID', `not a Herd snapshot: ${why}`, { file });
  let decoded: DecodedSafetensors;
  try {
    decoded = decodeSafetensors(bytes, file, {
      checkMetadata: (metadata) => {
        if (metadata[FORMAT_KEY] !== FORMAT || !metadata[GRAPH_KEY]) throw bad('a safetensors file without Herd\'s model description');
      },
    });
  } catch (error) {
    // The container's errors keep their cause but take the snapshot's code and wording.
    if (error instanceof SafetensorsError) throw bad(error.reason);
    throw error;
  }
  const { tensors, metadata } = decoded;
  const graph = JSON.parse(metadata[GRAPH_KEY]) as ModelGraph;
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
