import type { Command } from './command';
import { analyzeCommand } from './commands/analyze';
import { evaluateCommand } from './commands/evaluate';
import { createVideoWithAllDetectionsCommand } from './commands/render';
import { extractSaveAllMapsCommand } from './commands/maps';
import { plotEdgeAffinityDistributionsCommand } from './commands/affinity-plot';
import { convertToMultiAnimalCommand, mergeDatasetsCommand, syncLabelsCommand } from './commands/conversions';
import { createTrainingDatasetCommand, createTrainingModelComparisonCommand } from './commands/dataset';
import { extractFramesCommand } from './commands/frames';
import { checkLabelsCommand } from './commands/labels';
import { addVideosCommand, createProjectCommand, editConfigCommand } from './commands/project';
import { importSleapCommand } from './commands/sleap';
import { benchCommand, demoCommand, synthCommand } from './commands/synthetic';
import { exportModelCommand, trainCommand } from './commands/train';
import { convertDetections2trackletsCommand } from './commands/track';
import { exportPosesCommand } from './commands/export';
import { probeCommand } from './commands/video';

/** Every working command, in the order a user meets them. */
export const COMMANDS = new Map<string, Command>(
  [
    createProjectCommand,
    addVideosCommand,
    editConfigCommand,
    probeCommand,
    extractFramesCommand,
    checkLabelsCommand,
    importSleapCommand,
    convertToMultiAnimalCommand,
    syncLabelsCommand,
    mergeDatasetsCommand,
    createTrainingDatasetCommand,
    createTrainingModelComparisonCommand,
    trainCommand,
    exportModelCommand,
    evaluateCommand,
    analyzeCommand,
    createVideoWithAllDetectionsCommand,
    plotEdgeAffinityDistributionsCommand,
    extractSaveAllMapsCommand,
    convertDetections2trackletsCommand,
    exportPosesCommand,
    synthCommand,
    demoCommand,
    benchCommand,
  ].map((command) => [command.spec.name, command]),
);

/** DeepLabCut's other steps, each waiting for the issue that builds it. */
export const PLANNED_COMMANDS = new Map<string, string>([
  ['stitch-tracklets', 'tracking issue #6'],
  ['filter', 'tracking issue #6'],
  ['plot-trajectories', 'tracking issue #6'],
  ['create-labeled-video', 'tracking issue #6'],
  ['find-outliers', 'tracking issue #6'],
  ['extract-outlier-frames', 'tracking issue #6'],
]);
