/**
 * The per-shuffle model files DeepLabCut's `create_training_dataset` writes (dlc-spec §2, §3): `train/pytorch_config.yaml`
 * (built like `make_pytorch_pose_config`: base + backbone + augmentation + heads, with the placeholders
 * `num_bodyparts`, `num_individuals`, `paf_graph`, … substituted), `test/inference_cfg.yaml` (multi-animal
 * projects) and the legacy `test/pose_cfg.yaml`.
 */
import { Document, isScalar, isSeq, stringify, visit } from 'yaml';
import { Random } from '../common/random';
import { YAML_STYLE } from '../project/config';
import type { Project } from '../project/load';
import type { NetType } from './net-types';

export type PafGraph = Array<[number, number]>;

/** DeepLabCut's `n_edges_threshold` and `paf_graph_degree` defaults. */
export const PAF_EDGES_THRESHOLD = 105;
export const PAF_GRAPH_DEGREE = 6;

/**
 * DeepLabCut's default PAF graph: every pair of multi-animal body parts (`[[i, j] for i < j]`). With 105 edges or
 * more (15+ body parts) it is pruned, with `seed`, to a connected graph of `ceil(n * degree / 2)` edges.
 */
export function defaultPafGraph(numBodyparts: number, seed = 42): PafGraph {
  const graph: PafGraph = [];
  for (let i = 0; i < numBodyparts; i++) for (let j = i + 1; j < numBodyparts; j++) graph.push([i, j]);
  if (graph.length < PAF_EDGES_THRESHOLD) return graph;
  return prunePafGraph(graph, numBodyparts, PAF_GRAPH_DEGREE, seed);
}

/** A random spanning tree plus random extra edges up to the average degree (DeepLabCut's `prune_paf_graph`). */
function prunePafGraph(graph: PafGraph, numNodes: number, degree: number, seed: number): PafGraph {
  const random = new Random(seed);
  const target = Math.ceil((numNodes * degree) / 2);
  const order = Array.from({ length: numNodes }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.integer(0, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const key = (a: number, b: number) => (a < b ? `${a}-${b}` : `${b}-${a}`);
  const chosen = new Set<string>();
  for (let i = 1; i < order.length; i++) chosen.add(key(order[i], order[random.integer(0, i)]));
  const rest = graph.filter(([a, b]) => !chosen.has(key(a, b)));
  while (chosen.size < target && rest.length > 0) {
    const [a, b] = rest.splice(random.integer(0, rest.length), 1)[0];
    chosen.add(key(a, b));
  }
  return graph.filter(([a, b]) => chosen.has(key(a, b)));
}

/** The config skeleton as a PAF graph (edges between two multi-animal body parts only; duplicates dropped). */
export function skeletonPafGraph(project: Project): PafGraph {
  const graph: PafGraph = [];
  const seen = new Set<string>();
  for (const edge of project.config.skeleton ?? []) {
    if (!Array.isArray(edge) || edge.length !== 2) continue;
    const a = project.bodyparts.indexOf(edge[0]);
    const b = project.bodyparts.indexOf(edge[1]);
    if (a < 0 || b < 0 || a === b) continue;
    const pair: [number, number] = a < b ? [a, b] : [b, a];
    if (seen.has(pair.join('-'))) continue;
    seen.add(pair.join('-'));
    graph.push(pair);
  }
  return graph;
}

export interface ModelConfigOptions {
  project: Project;
  netType: NetType;
  /** Where the pytorch_config.yaml will live (written into `metadata.pose_config_path`). */
  poseConfigPath: string;
  seed: number;
  /** Multi-animal projects: the PAF graph over `project.bodyparts` indices. */
  pafGraph?: PafGraph;
  /** `data.train.crop_sampling` size (DeepLabCut's PyTorch default 448×448). */
  cropSize?: [number, number];
}

/** Multi-animal head layer shapes: `[backbone channels, …hidden, outputs]`. */
function layers(netType: NetType, outputs: number): { channels: number[]; kernel_size: number[]; strides: number[] } {
  return {
    channels: [netType.backboneOutputChannels, ...netType.head.hidden, outputs],
    kernel_size: [...netType.head.kernelSize],
    strides: [...netType.head.strides],
  };
}

const LOCREF_STD = 7.2801;

/** `base/head_bodyparts_with_paf.yaml` with its placeholders filled. */
function pafHead(netType: NetType, numBodyparts: number, numIndividuals: number, graph: PafGraph): Record<string, unknown> {
  const pairs = graph.map(([a, b]) => [a, b]);
  return {
    type: 'DLCRNetHead',
    predictor: {
      type: 'PartAffinityFieldPredictor',
      num_animals: numIndividuals,
      num_multibodyparts: numBodyparts,
      num_uniquebodyparts: 0,
      nms_radius: 5,
      sigma: 1.0,
      locref_stdev: LOCREF_STD,
      min_affinity: 0.05,
      graph: pairs,
      edges_to_keep: pairs.map((_, i) => i),
      apply_sigmoid: true,
      clip_scores: false,
    },
    target_generator: {
      type: 'SequentialGenerator',
      generators: [
        { type: 'HeatmapPlateauGenerator', num_heatmaps: numBodyparts, pos_dist_thresh: 17, heatmap_mode: 'KEYPOINT', gradient_masking: false, generate_locref: true, locref_std: LOCREF_STD },
        { type: 'PartAffinityFieldGenerator', graph: pairs.map((pair) => [...pair]), width: 20 },
      ],
    },
    criterion: {
      heatmap: { type: 'WeightedBCECriterion', weight: 1.0 },
      locref: { type: 'WeightedHuberCriterion', weight: 0.05 },
      paf: { type: 'WeightedHuberCriterion', weight: 0.1 },
    },
    heatmap_config: layers(netType, numBodyparts),
    locref_config: layers(netType, 2 * numBodyparts),
    paf_config: layers(netType, 2 * graph.length),
    num_stages: 5,
  };
}

/** `base/head_bodyparts.yaml` (single-animal body parts, and the unique body part head). */
function heatmapHead(netType: NetType, numHeatmaps: number, keypointKey?: string): Record<string, unknown> {
  return {
    type: 'HeatmapHead',
    weight_init: 'normal',
    predictor: { type: 'HeatmapPredictor', apply_sigmoid: false, clip_scores: true, location_refinement: true, locref_std: LOCREF_STD },
    target_generator: {
      type: 'HeatmapGaussianGenerator',
      num_heatmaps: numHeatmaps,
      pos_dist_thresh: 17,
      heatmap_mode: 'KEYPOINT',
      gradient_masking: false,
      generate_locref: true,
      locref_std: LOCREF_STD,
      ...(keypointKey ? { label_keypoint_key: keypointKey } : {}),
    },
    criterion: {
      heatmap: { type: 'WeightedMSECriterion', weight: 1.0 },
      locref: { type: 'WeightedHuberCriterion', weight: 0.05 },
    },
    heatmap_config: layers(netType, numHeatmaps),
    locref_config: layers(netType, 2 * numHeatmaps),
  };
}

/** `base/head_identity.yaml`: one heatmap per individual. */
function identityHead(netType: NetType, numIndividuals: number): Record<string, unknown> {
  return {
    type: 'HeatmapHead',
    predictor: { type: 'IdentityPredictor', apply_sigmoid: true },
    target_generator: {
      type: 'HeatmapPlateauGenerator',
      num_heatmaps: numIndividuals,
      pos_dist_thresh: 17,
      heatmap_mode: 'INDIVIDUAL',
      gradient_masking: false,
      generate_locref: false,
    },
    criterion: { heatmap: { type: 'WeightedBCECriterion', weight: 1.0 } },
    heatmap_config: layers(netType, numIndividuals),
  };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The individuals a model predicts: the project's, or DeepLabCut's `animal` for single-animal projects. */
export function modelIndividuals(project: Project): string[] {
  return project.multiAnimal ? [...project.individuals] : ['animal'];
}

/** `train/pytorch_config.yaml` as DeepLabCut's `make_pytorch_pose_config` builds it for a bottom-up model. */
export function buildPytorchConfig(options: ModelConfigOptions): Record<string, unknown> {
  const { project, netType } = options;
  const numBodyparts = project.bodyparts.length;
  const individuals = modelIndividuals(project);
  const withIdentity = project.multiAnimal && project.config.identity === true;
  const [cropWidth, cropHeight] = options.cropSize ?? netType.cropSize ?? [448, 448];

  const heads: Record<string, unknown> = {};
  if (project.multiAnimal) {
    heads.bodypart = pafHead(netType, numBodyparts, individuals.length, options.pafGraph ?? defaultPafGraph(numBodyparts, options.seed));
    if (project.uniqueBodyparts.length > 0) heads.unique_bodypart = heatmapHead(netType, project.uniqueBodyparts.length, 'keypoints_unique');
    if (withIdentity) heads.identity = identityHead(netType, individuals.length);
  } else {
    heads.bodypart = heatmapHead(netType, numBodyparts);
  }

  const runner: Record<string, unknown> = {
    type: 'PoseTrainingRunner',
    gpus: null,
    key_metric: 'test.mAP',
    key_metric_asc: true,
    eval_interval: 10,
    optimizer: { type: 'AdamW', params: { lr: 0.0001 } },
    scheduler: { type: 'LRListScheduler', params: { lr_list: [[1e-5], [1e-6]], milestones: [160, 190] } },
    snapshots: { max_snapshots: 5, save_epochs: 25, save_optimizer_state: false },
    ...clone(netType.runner ?? {}),
  };

  // Key order as DeepLabCut writes it (sorted top-level sections).
  return {
    data: {
      bbox_margin: 20,
      colormode: 'RGB',
      inference: { normalize_images: true },
      train: {
        affine: { p: 0.5, rotation: 30, scaling: [0.5, 1.25], translation: 0 },
        crop_sampling: { width: cropWidth, height: cropHeight, max_shift: 0.1, method: 'hybrid' },
        gaussian_noise: 12.75,
        motion_blur: true,
        normalize_images: true,
      },
    },
    device: 'auto',
    inference: {
      multithreading: { enabled: true, queue_length: 4, timeout: 30.0 },
      compile: { enabled: false, backend: 'inductor' },
      autocast: { enabled: false },
      conditions: null,
      snapshot: null,
      eval: { mode: 'all', pcutoff: 0.6, comparison_bodyparts: 'all', per_keypoint_evaluation: false, force_multi_animal: false },
      output_dir: null,
    },
    metadata: {
      project_path: project.root,
      pose_config_path: options.poseConfigPath,
      bodyparts: [...project.bodyparts],
      unique_bodyparts: [...project.uniqueBodyparts],
      individuals,
      with_identity: withIdentity,
    },
    method: netType.method,
    model: {
      backbone: clone(netType.backbone),
      backbone_output_channels: netType.backboneOutputChannels,
      heads,
    },
    net_type: netType.name,
    runner,
    train_settings: {
      batch_size: 8,
      dataloader_workers: 0,
      dataloader_pin_memory: false,
      display_iters: 500,
      epochs: 200,
      seed: options.seed,
      ...clone(netType.trainSettings ?? {}),
    },
  };
}

/** `test/inference_cfg.yaml`: DeepLabCut's template with the three keys create_training_dataset sets. */
export function buildInferenceConfig(project: Project): Record<string, unknown> {
  return {
    variant: 0,
    pafthreshold: 0.1,
    method: 'm1',
    minimalnumberofconnections: Math.trunc(project.bodyparts.length / 2),
    pcutoff: 0.1,
    topktoretain: Math.max(1, modelIndividuals(project).length),
    withid: project.config.identity === true,
    boundingboxslack: 0,
    iou_threshold: 0.6,
    max_age: 1,
    min_hits: 1,
  };
}

/** The legacy `test/pose_cfg.yaml` ("TestConfig") DeepLabCut still writes beside the PyTorch config. */
export function buildTestPoseConfig(project: Project, netType: NetType, datasetPath: string): Record<string, unknown> {
  const names = [...project.bodyparts, ...(project.multiAnimal ? project.uniqueBodyparts : [])];
  return {
    dataset: datasetPath,
    num_joints: names.length,
    all_joints: names.map((_, i) => [i]),
    all_joints_names: names,
    net_type: netType.name,
    dataset_type: project.multiAnimal ? 'multi-animal-imgaug' : 'imgaug',
    global_scale: 1.0,
    scoremap_dir: 'test',
  };
}

/**
 * YAML text in DeepLabCut's style (block mappings, unindented lists), with short lists of numbers in flow style
 * (`scaling: [0.5, 1.25]`, `graph: [[0, 1], …]`) so the file stays readable; the data are the same.
 */
export function formatModelYaml(data: Record<string, unknown>, header?: string): string {
  const document = new Document(data);
  visit(document, {
    Seq(_, node) {
      const numbers = node.items.every((item) => isScalar(item) && typeof item.value === 'number');
      const pairs = node.items.length > 0 && node.items.every((item) => isSeq(item) && item.items.every((inner) => isScalar(inner) && typeof inner.value === 'number'));
      if ((numbers && node.items.length > 0) || pairs) node.flow = true;
    },
  });
  const body = document.toString({ ...YAML_STYLE, flowCollectionPadding: false });
  return header ? `${header.trim().split('\n').map((line) => `# ${line}`).join('\n')}\n${body}` : body;
}

/** inference_cfg.yaml with DeepLabCut's section comments. */
export function formatInferenceConfig(data: Record<string, unknown>): string {
  const line = (key: string) => stringify({ [key]: data[key] }, YAML_STYLE);
  const rule = '#'.repeat(78);
  return [
    '# Hyperparameters for combinatorics code to assemble individuals.',
    '# Written by herd create-training-dataset (DeepLabCut layout).',
    '',
    line('variant'),
    '',
    rule,
    '#### Assembly of PAFs to individuals',
    rule,
    '',
    '# Filtering connections:',
    '# Least strength of a paf cost (to be included in assembly)',
    line('pafthreshold'),
    line('method'),
    '# Assembly:',
    '#least number of connections (to actually form an animal)',
    line('minimalnumberofconnections'),
    line('pcutoff'),
    '# max. number of objects to keep:',
    line('topktoretain'),
    '# Also extract ID:',
    line('withid'),
    '',
    rule,
    '#### Tracker variables (should be crossvalidated)',
    rule,
    '#p/m pixels in width and height for increasing bounding boxes.',
    line('boundingboxslack'),
    "# Intersection over Union (IoU) threshold for linking two bounding boxes",
    line('iou_threshold'),
    '# maximum duration of a lost tracklet before it\'s considered a "new animal" (in frames)',
    line('max_age'),
    '# minimum number of consecutive frames before a detection is tracked',
    line('min_hits'),
  ]
    .map((item) => (item.endsWith('\n') ? item : `${item}\n`))
    .join('');
}
