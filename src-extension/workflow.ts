/**
 * The workflow steps the extension offers, and how each becomes a `herd` command line and a task
 * definition. Pure: no `vscode` import, so it is unit-tested with node's test runner.
 *
 * Every step with a `cli` runs `herd <cli> …` as a VS Code task; the others open an editor panel.
 */
import * as path from 'node:path';
import { TRACKER_SUFFIX } from '../src-core/infer/locate';
import { TRACK_METHODS as HERD_TRACK_METHODS } from '../src-core/track/settings';

/** What a command gets to build its arguments from (a tree item, the settings, the user's answers). */
export interface StepInput {
  /** The project's config.yaml (absolute). */
  config?: string;
  /** Videos to work on (absolute paths); empty means "all the project's videos" where the step allows it. */
  videos?: string[];
  shuffle?: number;
  trackMethod?: string;
  /** Steps that read a pose table: the refinement panel's `…_refined` table (and its filtered version). */
  refined?: boolean;
  filtered?: boolean;
  /** analyze-videos: assemble and track in the same run (DeepLabCut 3's auto_track). */
  autoTrack?: boolean;
  /** extract-frames: kmeans or uniform. */
  algo?: string;
  /** create-project */
  projectName?: string;
  experimenter?: string;
  workingDirectory?: string;
  copyVideos?: boolean;
  multiAnimal?: boolean;
  individuals?: string[];
  bodyparts?: string[];
  /** import-sleap: the SLEAP labels file (.slp). */
  slp?: string;
  /** demo */
  directory?: string;
  frames?: number;
}

/** How a step runs: a herd task, or something the extension does itself (open a file, a folder, a panel). */
export type StepKind = 'task' | 'editor';

export interface WorkflowStep {
  /** Command id without the `herd.` prefix, `<verb><Noun>`. */
  id: string;
  /** Palette title (category "Herd" is added by the manifest). */
  title: string;
  /** The herd CLI command; undefined for steps that only open something. */
  cli?: string;
  kind: StepKind;
  /** Needs a project's config.yaml. */
  needsConfig: boolean;
  /** Works on videos chosen by the user (or a tree item); omitted means all the project's videos. */
  takesVideos?: boolean;
  /** Uses the shuffle setting (`herd.defaultShuffle`). */
  takesShuffle?: boolean;
  /** Uses the tracker setting (`herd.defaultTrackMethod`). */
  takesTrackMethod?: boolean;
  /** Reads a pose table, so it can take the refinement panel's `…_refined` table (`--refined`). */
  readsPoseTable?: boolean;
}

/** The trackers herd runs (DeepLabCut's ellipse, box and skeleton) and their file suffixes. */
export const TRACK_METHODS: Record<string, string> = Object.fromEntries(HERD_TRACK_METHODS.map((method) => [method, TRACKER_SUFFIX[method]]));

export const WORKFLOW_STEPS: WorkflowStep[] = [
  { id: 'createProject', title: 'Create Project…', cli: 'create-project', kind: 'task', needsConfig: false },
  { id: 'importSleap', title: 'Import SLEAP Labels…', cli: 'import-sleap', kind: 'task', needsConfig: false },
  { id: 'addVideos', title: 'Add Videos…', cli: 'add-videos', kind: 'task', needsConfig: true, takesVideos: true },
  { id: 'editConfig', title: 'Edit Config', kind: 'editor', needsConfig: true },
  { id: 'probeVideos', title: 'Probe Videos', cli: 'probe', kind: 'task', needsConfig: true, takesVideos: true },
  { id: 'extractFrames', title: 'Extract Frames', cli: 'extract-frames', kind: 'task', needsConfig: true, takesVideos: true },
  { id: 'labelFrames', title: 'Label Frames', kind: 'editor', needsConfig: true },
  { id: 'checkLabels', title: 'Check Labels', cli: 'check-labels', kind: 'task', needsConfig: true },
  { id: 'createTrainingDataset', title: 'Create Training Dataset', cli: 'create-training-dataset', kind: 'task', needsConfig: true },
  { id: 'trainNetwork', title: 'Train Network', cli: 'train', kind: 'task', needsConfig: true, takesShuffle: true },
  { id: 'evaluateNetwork', title: 'Evaluate Network', cli: 'evaluate', kind: 'task', needsConfig: true, takesShuffle: true },
  { id: 'openEvaluationResults', title: 'Open Evaluation Results', kind: 'editor', needsConfig: true },
  { id: 'analyzeVideos', title: 'Analyze Videos', cli: 'analyze', kind: 'task', needsConfig: true, takesVideos: true, takesShuffle: true, takesTrackMethod: true },
  { id: 'convertDetectionsToTracklets', title: 'Convert Detections to Tracklets', cli: 'convert-detections2tracklets', kind: 'task', needsConfig: true, takesVideos: true, takesShuffle: true, takesTrackMethod: true },
  { id: 'stitchTracklets', title: 'Stitch Tracklets', cli: 'stitch-tracklets', kind: 'task', needsConfig: true, takesVideos: true, takesShuffle: true, takesTrackMethod: true },
  { id: 'refineTracklets', title: 'Refine Tracklets', kind: 'editor', needsConfig: true, takesVideos: true },
  { id: 'filterPredictions', title: 'Filter Predictions', cli: 'filter', kind: 'task', needsConfig: true, takesVideos: true, takesShuffle: true, takesTrackMethod: true, readsPoseTable: true },
  { id: 'plotTrajectories', title: 'Plot Trajectories', cli: 'plot-trajectories', kind: 'task', needsConfig: true, takesVideos: true, takesShuffle: true, takesTrackMethod: true, readsPoseTable: true },
  { id: 'createLabeledVideo', title: 'Create Labeled Video', cli: 'create-labeled-video', kind: 'task', needsConfig: true, takesVideos: true, takesShuffle: true, takesTrackMethod: true, readsPoseTable: true },
  { id: 'extractOutlierFrames', title: 'Extract Outlier Frames', cli: 'extract-outlier-frames', kind: 'task', needsConfig: true, takesVideos: true, takesShuffle: true, takesTrackMethod: true, readsPoseTable: true },
  { id: 'mergeDatasets', title: 'Merge Datasets', cli: 'merge-datasets', kind: 'task', needsConfig: true },
  { id: 'runDemo', title: 'Run the Demo', cli: 'demo', kind: 'task', needsConfig: false },
];

export function stepById(id: string): WorkflowStep {
  const step = WORKFLOW_STEPS.find((candidate) => candidate.id === id);
  if (!step) throw new Error(`unknown Herd workflow step "${id}"`);
  return step;
}

export function stepByCli(cli: string): WorkflowStep | undefined {
  return WORKFLOW_STEPS.find((candidate) => candidate.cli === cli);
}

/**
 * The arguments after `herd <cli>`, in the CLI's conventions: positionals first (config, videos),
 * then options named after DeepLabCut's parameters with dashes. Throws when something required is missing.
 */
export function buildArgs(step: WorkflowStep, input: StepInput): string[] {
  if (!step.cli) throw new Error(`"${step.title}" does not run a herd command`);
  const args: string[] = [];
  const videos = input.videos ?? [];
  if (step.cli === 'create-project') {
    if (!input.projectName) throw new Error('a project name is required');
    if (!input.experimenter) throw new Error("the experimenter's name is required");
    if (videos.length === 0) throw new Error('at least one video is required');
    args.push(input.projectName, input.experimenter, ...videos);
    if (input.workingDirectory) args.push('--working-directory', input.workingDirectory);
    if (input.copyVideos) args.push('--copy-videos');
    if (input.multiAnimal === false) args.push('--no-multianimal');
    if (input.individuals?.length) args.push('--individuals', input.individuals.join(','));
    if (input.bodyparts?.length) args.push('--bodyparts', input.bodyparts.join(','));
    return args;
  }
  if (step.cli === 'import-sleap') {
    if (!input.slp) throw new Error('a SLEAP labels file (.slp) is required');
    if (!input.experimenter) throw new Error("the experimenter's name is required");
    args.push(input.slp, input.experimenter);
    if (input.projectName) args.push('--project', input.projectName);
    if (input.workingDirectory) args.push('--working-directory', input.workingDirectory);
    if (input.copyVideos) args.push('--copy-videos');
    return args;
  }
  if (step.cli === 'demo') {
    if (input.directory) args.push('--dir', input.directory);
    if (input.frames !== undefined) args.push('--frames', String(input.frames));
    return args;
  }
  if (step.cli === 'probe') {
    if (videos.length === 0) throw new Error('no videos to probe');
    return [...videos];
  }
  if (step.needsConfig) {
    if (!input.config) throw new Error(`"${step.title}" needs a project's config.yaml`);
    args.push(input.config);
  }
  if (step.cli === 'add-videos') {
    if (videos.length === 0) throw new Error('no videos to add');
    args.push(...videos);
    if (input.copyVideos) args.push('--copy-videos');
    return args;
  }
  if (step.cli === 'extract-frames') {
    if (input.algo) args.push('--algo', input.algo);
    // The CLI takes video paths, file names or stems; a list option, comma-separated.
    if (videos.length > 0) args.push('--videos', videos.join(','));
    return args;
  }
  if (step.takesVideos && videos.length > 0) args.push(...videos);
  // evaluate takes a list of shuffles (DeepLabCut's `Shuffles`), the other steps one.
  if (step.takesShuffle && input.shuffle !== undefined) args.push(step.cli === 'evaluate' ? '--shuffles' : '--shuffle', String(input.shuffle));
  if (step.takesTrackMethod && input.trackMethod) args.push('--track-method', input.trackMethod);
  if (step.readsPoseTable && input.refined) args.push('--refined');
  // Of these, only the drawing steps can read a filtered table (herd filter makes it; outlier search fits raw poses).
  if (step.readsPoseTable && input.filtered && (step.cli === 'create-labeled-video' || step.cli === 'plot-trajectories')) args.push('--filtered');
  if (step.cli === 'analyze' && input.autoTrack !== undefined) args.push(input.autoTrack ? '--auto-track' : '--no-auto-track');
  return args;
}

/** A `herd` task as it appears in tasks.json (`contributes.taskDefinitions`, type "herd"). */
export interface HerdTaskDefinition {
  type: 'herd';
  /** The herd CLI command, e.g. "extract-frames". */
  command: string;
  /** Arguments after the command. */
  args?: string[];
  /** Project config.yaml; when given it becomes the first argument (tasks.json convenience). */
  config?: string;
  /** Working directory (default: the workspace folder). */
  cwd?: string;
  [key: string]: unknown;
}

export function taskDefinition(step: WorkflowStep, input: StepInput, cwd?: string): HerdTaskDefinition {
  const definition: HerdTaskDefinition = { type: 'herd', command: step.cli!, args: buildArgs(step, input) };
  if (cwd) definition.cwd = cwd;
  return definition;
}

/** The argv after the node binary: `<herd.js> <command> [config] [args…]`. */
export function herdArgv(herdJs: string, definition: HerdTaskDefinition): string[] {
  const args = [...(definition.args ?? [])];
  if (definition.config && !args.includes(definition.config)) args.unshift(definition.config);
  return [herdJs, definition.command, ...args];
}

/** The task's name in the task list and terminal tab: "extract-frames config.yaml --videos a.mp4" (paths shortened). */
export function taskLabel(definition: HerdTaskDefinition): string {
  const args = [...(definition.config ? [definition.config] : []), ...(definition.args ?? [])];
  const unique = args.filter((arg, index) => arg !== definition.config || index === args.indexOf(arg));
  const shorten = (arg: string) => arg.split(',').map((part) => (path.isAbsolute(part) ? path.basename(part) : part)).join(',');
  const label = [definition.command, ...unique.map(shorten)].join(' ');
  return label.length > 80 ? `${label.slice(0, 79)}…` : label;
}

/** Environment for the herd process: ffmpeg from the setting, and Electron run as plain Node. */
export function herdEnv(settings: { ffmpegPath?: string; device?: string }, runtimeIsElectron: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  if (runtimeIsElectron) env.ELECTRON_RUN_AS_NODE = '1';
  if (settings.ffmpegPath) env.HERD_FFMPEG = settings.ffmpegPath;
  if (settings.device && settings.device !== 'auto') env.HERD_DEVICE = settings.device;
  return env;
}

/** The problem matcher's regular expression (also in package.json `contributes.problemMatchers`). */
export const ERROR_LINE = /^herd: error: (.+?):(\d+):(\d+): (.*)$/;

/** True when a config.yaml's text is a DeepLabCut/Herd project config (top-level Task, scorer and video_sets keys). */
export function isProjectConfigText(text: string): boolean {
  const keys = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Za-z_][\w]*)\s*:/.exec(line);
    if (match) keys.add(match[1]!);
  }
  return keys.has('Task') && keys.has('scorer') && keys.has('video_sets');
}

/**
 * Where a finished step's output is, for the "Open" action after the task ends (a file or folder;
 * undefined when the step writes nothing worth opening). `root` is the project folder, `cwd` the task's.
 */
export function outputHint(step: WorkflowStep, input: StepInput, root: string | undefined, cwd: string): string | undefined {
  const inProject = (...parts: string[]) => (root ? path.join(root, ...parts) : undefined);
  const firstVideoFolder = input.videos?.[0] ? path.dirname(input.videos[0]) : inProject('videos');
  switch (step.cli) {
    case 'create-project':
    case 'import-sleap':
      return path.resolve(cwd, input.workingDirectory ?? '.');
    case 'demo':
      return path.resolve(cwd, input.directory ?? 'herd-demo');
    case 'add-videos':
      return input.config;
    case 'extract-frames':
    case 'check-labels':
      return input.videos?.length === 1 ? inProject('labeled-data', path.parse(input.videos[0]!).name) : inProject('labeled-data');
    case 'extract-outlier-frames':
    case 'merge-datasets':
      return inProject('labeled-data');
    case 'create-training-dataset':
      return inProject('training-datasets');
    case 'train':
      return inProject('dlc-models-pytorch');
    case 'evaluate':
      return inProject('evaluation-results-pytorch');
    case 'plot-trajectories':
      return firstVideoFolder ? path.join(firstVideoFolder, 'plot-poses') : undefined;
    case 'analyze':
    case 'convert-detections2tracklets':
    case 'stitch-tracklets':
    case 'filter':
    case 'create-labeled-video':
      return firstVideoFolder;
    default:
      return undefined;
  }
}
