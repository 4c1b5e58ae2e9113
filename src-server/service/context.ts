import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { declaredBodyparts, parseCropText, type ConfigKind, type ConfigProblem } from '../../src-core/project/config-check';
import type { ProjectConfig } from '../../src-core/project/config';
import type { Project } from '../../src-core/project/load';
import { projectVideos } from '../../src-core/project/videos';

/** What the rules that look beyond the file need: other files (open editors first) and video facts. */
export interface ContextEnv {
  /** The text of a file: an open editor's (unsaved) text if there is one, else the disk's; undefined if absent. */
  readText(file: string): string | undefined;
  /** Width, height and frame count of a video, or undefined when it cannot be probed. */
  probe(file: string): Promise<VideoFacts | undefined>;
}

export interface VideoFacts {
  width: number;
  height: number;
  frameCount: number;
  fps: number;
  codec: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Where a `video_sets` entry really is: its path, or the project's videos/ folder (the loader's rule). */
export function resolveVideo(configFile: string, configuredPath: string): string | undefined {
  const root = path.dirname(configFile);
  const project = { root, config: { video_sets: { [configuredPath]: {} } } as unknown as ProjectConfig } as Project;
  return projectVideos(project)[0]?.path;
}

async function videoProblems(config: Record<string, unknown>, configFile: string, env: ContextEnv): Promise<ConfigProblem[]> {
  if (!isRecord(config.video_sets)) return [];
  const checks = Object.entries(config.video_sets).map(async ([video, settings]): Promise<ConfigProblem[]> => {
    const found = resolveVideo(configFile, video);
    if (!found) {
      return [{ path: ['video_sets', video], at: 'key', severity: 'warning', code: 'video-missing', message: `video not found (neither at this path nor in the project's videos/ folder)` }];
    }
    const crop = parseCropText(isRecord(settings) ? settings.crop : undefined);
    if (!crop) return [];
    const facts = await env.probe(found);
    if (!facts) return [];
    const [, x2, , y2] = crop;
    if (x2 > facts.width || y2 > facts.height) {
      return [{
        path: ['video_sets', video, 'crop'], severity: 'error', code: 'crop-outside-frame',
        message: `crop "${crop.join(', ')}" reaches outside the video's ${facts.width}×${facts.height} frame`,
        data: { width: facts.width, height: facts.height },
      }];
    }
    return [];
  });
  return (await Promise.all(checks)).flat();
}

/**
 * Snapshots saved for the current iteration, per shuffle folder: DeepLabCut's `snapshot-*.pt` (or
 * `snapshot-detector-*.pt`) and Herd's `snapshot-*.safetensors`.
 */
function snapshotCounts(root: string, iteration: number, detector: boolean): number[] {
  const folder = path.join(root, 'dlc-models-pytorch', `iteration-${iteration}`);
  let shuffles: string[];
  try {
    shuffles = fs.readdirSync(folder);
  } catch {
    return [];
  }
  const counts: number[] = [];
  for (const shuffle of shuffles) {
    let files: string[];
    try {
      files = fs.readdirSync(path.join(folder, shuffle, 'train'));
    } catch {
      continue;
    }
    const count = files.filter((file) => /\.(pt|safetensors)$/.test(file) && file.startsWith('snapshot-') && file.startsWith('snapshot-detector-') === detector).length;
    if (count > 0) counts.push(count);
  }
  return counts;
}

function snapshotProblems(config: Record<string, unknown>, configFile: string): ConfigProblem[] {
  const root = path.dirname(configFile);
  const iteration = typeof config.iteration === 'number' ? config.iteration : 0;
  const problems: ConfigProblem[] = [];
  for (const [key, detector] of [['snapshotindex', false], ['detector_snapshotindex', true]] as const) {
    const index = config[key];
    if (typeof index !== 'number') continue;
    const counts = snapshotCounts(root, iteration, detector);
    if (counts.length === 0) continue;
    const fewest = Math.min(...counts);
    if (index >= fewest || index < -fewest) {
      problems.push({
        path: [key], severity: 'warning', code: 'snapshot-out-of-range',
        message: `\`${key}: ${index}\` is outside the ${fewest} snapshot${fewest === 1 ? '' : 's'} saved in iteration-${iteration} (use -1 for the last)`,
      });
    }
  }
  return problems;
}

/** The project config.yaml above a shuffle's pytorch_config.yaml (…/dlc-models-pytorch/iteration-N/<shuffle>/train/). */
export function findProjectConfig(file: string, env: ContextEnv): { file: string; config: Record<string, unknown> } | undefined {
  let folder = path.dirname(file);
  for (let level = 0; level < 6; level++) {
    const candidate = path.join(folder, 'config.yaml');
    const text = env.readText(candidate);
    if (text !== undefined) {
      try {
        const config = parseDocument(text).toJS();
        // Only a DeepLabCut project's config.yaml (not any config.yaml further up).
        if (isRecord(config) && ('Task' in config || 'multianimalproject' in config)) return { file: candidate, config };
      } catch {
        return undefined;
      }
    }
    const parent = path.dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return undefined;
}

function sameList(a: unknown, b: string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((item, index) => item === b[index]);
}

function pytorchProblems(model: Record<string, unknown>, file: string, env: ContextEnv): ConfigProblem[] {
  const project = findProjectConfig(file, env);
  const metadata = isRecord(model.metadata) ? model.metadata : {};
  const problems: ConfigProblem[] = [];
  const error = (keys: Array<string | number>, code: string, message: string, severity: 'error' | 'warning' = 'error') =>
    problems.push({ path: keys, severity, code, message });
  let multi: string[];
  let unique: string[];
  let individuals: string[] | undefined;
  let identity: boolean | undefined;
  let skeleton: unknown[] = [];
  if (project) {
    const parts = declaredBodyparts(project.config);
    multi = parts.multi;
    unique = parts.unique;
    const multiAnimal = project.config.multianimalproject === true;
    individuals = multiAnimal && Array.isArray(project.config.individuals) ? project.config.individuals.map(String) : undefined;
    identity = multiAnimal ? project.config.identity === true : undefined;
    skeleton = Array.isArray(project.config.skeleton) ? project.config.skeleton : [];
    const where = path.relative(path.dirname(file), project.file);
    if (metadata.bodyparts !== undefined && !sameList(metadata.bodyparts, multi)) {
      error(['metadata', 'bodyparts'], 'pytorch-project-mismatch', `body parts differ from the project's (${where}: ${multi.join(', ') || 'none'})`);
    }
    if (metadata.unique_bodyparts !== undefined && !sameList(metadata.unique_bodyparts ?? [], unique)) {
      error(['metadata', 'unique_bodyparts'], 'pytorch-project-mismatch', `unique body parts differ from the project's (${unique.join(', ') || 'none'})`);
    }
    if (individuals && Array.isArray(metadata.individuals) && !sameList(metadata.individuals, individuals)) {
      error(['metadata', 'individuals'], 'pytorch-project-mismatch', `individuals differ from the project's (${individuals.join(', ')})`);
    }
  } else {
    if (!Array.isArray(metadata.bodyparts)) return [];
    multi = metadata.bodyparts.map(String);
    unique = Array.isArray(metadata.unique_bodyparts) ? metadata.unique_bodyparts.map(String) : [];
    individuals = Array.isArray(metadata.individuals) ? metadata.individuals.map(String) : undefined;
    identity = typeof metadata.with_identity === 'boolean' ? metadata.with_identity : undefined;
  }

  const heads = isRecord(model.model) && isRecord(model.model.heads) ? model.model.heads : undefined;
  if (!heads) return problems;
  const at = (head: string, ...rest: Array<string | number>) => ['model', 'heads', head, ...rest];
  const bodypart = isRecord(heads.bodypart) ? heads.bodypart : undefined;
  if (bodypart) {
    const predictor = isRecord(bodypart.predictor) ? bodypart.predictor : {};
    const expectCount = (keys: Array<string | number>, value: unknown, count: number, what: string) => {
      if (typeof value === 'number' && value !== count) error(keys, 'pytorch-head-mismatch', `${value} here, but the project has ${count} ${what}`);
    };
    expectCount(at('bodypart', 'predictor', 'num_multibodyparts'), predictor.num_multibodyparts, multi.length, 'multi-animal body parts');
    // DeepLabCut predicts unique body parts with their own head and then writes 0 here.
    const uniqueInBodypartHead = isRecord(heads.unique_bodypart) ? 0 : unique.length;
    expectCount(at('bodypart', 'predictor', 'num_uniquebodyparts'), predictor.num_uniquebodyparts, uniqueInBodypartHead, 'unique body parts outside a unique_bodypart head');
    if (individuals) expectCount(at('bodypart', 'predictor', 'num_animals'), predictor.num_animals, individuals.length, 'individuals');
    const channels = isRecord(bodypart.heatmap_config) && Array.isArray(bodypart.heatmap_config.channels) ? bodypart.heatmap_config.channels : undefined;
    if (channels) expectCount(at('bodypart', 'heatmap_config', 'channels', channels.length - 1), channels[channels.length - 1], multi.length, 'body parts (one heatmap each)');
    if (Array.isArray(predictor.graph)) {
      const graph = predictor.graph as unknown[];
      graph.forEach((edge, index) => {
        if (Array.isArray(edge) && edge.some((node) => typeof node === 'number' && node >= multi.length)) {
          error(at('bodypart', 'predictor', 'graph', index), 'pytorch-graph-range', `edge [${edge.join(', ')}] names a body part index beyond the ${multi.length} body parts`);
        }
      });
      if (Array.isArray(predictor.edges_to_keep)) {
        (predictor.edges_to_keep as unknown[]).forEach((edge, index) => {
          if (typeof edge === 'number' && edge >= graph.length) error(at('bodypart', 'predictor', 'edges_to_keep', index), 'pytorch-graph-range', `edge index ${edge} is beyond the graph's ${graph.length} edges`);
        });
      }
      // Skeleton edges between multi-animal parts that the part-affinity graph cannot assemble.
      const edges = new Set(graph.filter(Array.isArray).map((edge) => [...(edge as number[])].sort((a, b) => a - b).join('-')));
      for (const link of skeleton) {
        if (!Array.isArray(link) || link.length !== 2) continue;
        const [a, b] = link.map((name) => multi.indexOf(String(name)));
        if (a < 0 || b < 0) continue;
        if (!edges.has([a, b].sort((x, y) => x - y).join('-'))) {
          error(at('bodypart', 'predictor', 'graph'), 'pytorch-graph-skeleton', `the graph has no edge for the skeleton edge ${link[0]}–${link[1]}`, 'warning');
        }
      }
    }
  }
  if (unique.length > 0 && !isRecord(heads.unique_bodypart)) error(['model', 'heads'], 'pytorch-head-missing', `the project has unique body parts (${unique.join(', ')}) but there is no \`unique_bodypart\` head`);
  if (unique.length === 0 && isRecord(heads.unique_bodypart)) error(at('unique_bodypart'), 'pytorch-head-extra', 'the project has no unique body parts, but this head predicts them');
  if (identity === true && !isRecord(heads.identity)) error(['model', 'heads'], 'pytorch-head-missing', 'the project has `identity: true` but there is no `identity` head');
  if (identity === false && isRecord(heads.identity)) error(at('identity'), 'pytorch-head-extra', 'the project has `identity: false`, but this model has an identity head', 'warning');
  return problems;
}

/** The rules that look beyond the file itself: the disk, videos, and the project a model belongs to. */
export async function contextProblems(kind: ConfigKind, data: unknown, file: string | undefined, env: ContextEnv): Promise<ConfigProblem[]> {
  if (!file || !isRecord(data)) return [];
  if (kind === 'project') return [...(await videoProblems(data, file, env)), ...snapshotProblems(data, file)];
  if (kind === 'pytorch') return pytorchProblems(data, file, env);
  return [];
}
