import { stringify } from 'yaml';

/** DeepLabCut's `config.yaml`, with the keys it writes for a multi-animal project (dlc-spec §1). */
export interface ProjectConfig {
  config_version?: number;
  Task: string;
  scorer: string;
  date: string;
  multianimalproject: boolean | null;
  identity: boolean | null;
  project_path: string;
  engine?: string;
  video_sets: Record<string, { crop?: string }> | null;
  bodyparts: string[] | 'MULTI!';
  individuals?: string[];
  uniquebodyparts?: string[];
  multianimalbodyparts?: string[];
  start: number;
  stop: number;
  numframes2pick: number;
  skeleton: Array<[string, string]>;
  skeleton_color: string;
  pcutoff: number;
  dotsize: number;
  alphavalue: number;
  colormap: string;
  TrainingFraction: number[];
  iteration: number;
  default_net_type: string;
  default_augmenter: string;
  default_track_method?: string;
  snapshotindex: number | 'all';
  detector_snapshotindex?: number;
  batch_size: number;
  detector_batch_size?: number;
  cropping: boolean;
  x1: number;
  x2: number;
  y1: number;
  y2: number;
  corner2move2: [number, number];
  move2corner: boolean;
  SuperAnimalConversionTables?: Record<string, Record<string, string>> | null;
  resnet?: null;
  croppedtraining?: null;
  [key: string]: unknown;
}

/** DeepLabCut's `date` field: three-letter month and day without padding, e.g. "Nov25". */
export function dlcDate(date: Date): string {
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${month}${date.getUTCDate()}`;
}

/** The project folder's date part, YYYY-MM-DD. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export interface NewConfigOptions {
  task: string;
  scorer: string;
  date: Date;
  projectPath: string;
  videoSets: Record<string, { crop: string }>;
  multiAnimal: boolean;
  individuals?: string[];
  bodyparts?: string[];
  uniqueBodyparts?: string[];
  skeleton?: Array<[string, string]>;
}

/** The values `create_new_project` writes; multi-animal and single-animal variants. */
export function newProjectConfig(options: NewConfigOptions): ProjectConfig {
  const bodyparts = options.bodyparts ?? ['bodypart1', 'bodypart2', 'bodypart3'];
  const skeleton =
    options.skeleton ??
    (bodyparts.length >= 3
      ? ([
          [bodyparts[0], bodyparts[1]],
          [bodyparts[1], bodyparts[2]],
          [bodyparts[0], bodyparts[2]],
        ] as Array<[string, string]>)
      : []);
  const common = {
    Task: options.task,
    scorer: options.scorer,
    date: dlcDate(options.date),
    identity: false,
    project_path: options.projectPath,
    engine: 'pytorch',
    video_sets: options.videoSets,
    start: 0,
    stop: 1,
    numframes2pick: 20,
    skeleton,
    skeleton_color: 'black',
    pcutoff: 0.6,
    dotsize: 12,
    alphavalue: 0.7,
    colormap: 'rainbow',
    TrainingFraction: [0.95],
    iteration: 0,
    default_net_type: 'resnet_50',
    default_augmenter: 'albumentations',
    snapshotindex: -1 as const,
    detector_snapshotindex: -1,
    batch_size: 8,
    detector_batch_size: 1,
    cropping: false,
    x1: 0,
    x2: 640,
    y1: 277,
    y2: 624,
    corner2move2: [50, 50] as [number, number],
    move2corner: true,
    SuperAnimalConversionTables: null,
    resnet: null,
    croppedtraining: null,
  };
  if (!options.multiAnimal) {
    return { config_version: 0, ...common, multianimalproject: false, identity: null, bodyparts, pcutoff: 0.6 };
  }
  return {
    config_version: 0,
    ...common,
    multianimalproject: true,
    bodyparts: 'MULTI!',
    individuals: options.individuals ?? ['individual1', 'individual2', 'individual3'],
    uniquebodyparts: options.uniqueBodyparts ?? [],
    multianimalbodyparts: bodyparts,
    default_track_method: 'ellipse',
  };
}

/** Key order and section comments as DeepLabCut writes them. */
const SECTIONS: Array<{ comment: string; keys: string[] }> = [
  { comment: 'Config schema version. Do not edit manually.', keys: ['config_version'] },
  { comment: 'Project definitions (do not edit)', keys: ['Task', 'scorer', 'date', 'multianimalproject', 'identity'] },
  { comment: 'Project path (change when moving around)', keys: ['project_path'] },
  {
    comment: 'Default DeepLabCut engine to use for shuffle creation (either pytorch or tensorflow)',
    keys: ['engine'],
  },
  {
    comment: 'Annotation data set configuration (and individual video cropping parameters)',
    keys: ['video_sets', 'bodyparts', 'individuals', 'uniquebodyparts', 'multianimalbodyparts'],
  },
  {
    comment: 'Fraction of video to start/stop when extracting frames for labeling/refinement',
    keys: ['start', 'stop', 'numframes2pick'],
  },
  {
    comment: 'Plotting configuration',
    keys: ['skeleton', 'skeleton_color', 'pcutoff', 'dotsize', 'alphavalue', 'colormap'],
  },
  {
    comment: 'Training,Evaluation and Analysis configuration',
    keys: [
      'TrainingFraction',
      'iteration',
      'default_net_type',
      'default_augmenter',
      'default_track_method',
      'snapshotindex',
      'detector_snapshotindex',
      'batch_size',
      'detector_batch_size',
    ],
  },
  {
    comment: 'Cropping Parameters (for analysis and outlier frame detection)',
    keys: ['cropping', '# if cropping is true for analysis, then set the values here:', 'x1', 'x2', 'y1', 'y2'],
  },
  {
    comment: 'Refinement configuration (parameters from annotation dataset configuration also relevant in this stage)',
    keys: ['corner2move2', 'move2corner'],
  },
  { comment: 'Conversion tables to fine-tune SuperAnimal weights', keys: ['SuperAnimalConversionTables'] },
  { comment: 'These are very old parameters that are no longer used They are simply ignored.', keys: ['resnet', 'croppedtraining'] },
];

/** YAML style matching DeepLabCut's (ruamel): unindented block lists, empty nulls, no line folding. */
export const YAML_STYLE = { indentSeq: false, nullStr: '', lineWidth: 0 } as const;

/** Serialise a config in DeepLabCut's key order with its section comments; unknown keys follow at the end. */
export function formatConfig(config: ProjectConfig): string {
  const written = new Set<string>();
  const blocks: string[] = [];
  const emit = (key: string) => {
    written.add(key);
    // `resnet:` and friends are written with an empty value, as DeepLabCut does.
    return stringify({ [key]: config[key] ?? null }, YAML_STYLE).replace(/: \n/g, ':\n');
  };
  for (const section of SECTIONS) {
    // Entries starting with '#' are comment lines inside a section.
    const keys = section.keys.filter((key) => key.startsWith('#') || key in config);
    if (!keys.some((key) => key in config)) continue;
    const body = keys.map((key) => (key.startsWith('#') ? `${key}\n` : emit(key))).join('');
    blocks.push(`# ${section.comment}\n${body}`);
  }
  const extra = Object.keys(config).filter((key) => !written.has(key));
  if (extra.length > 0) blocks.push(extra.map(emit).join(''));
  return blocks.join('\n');
}
