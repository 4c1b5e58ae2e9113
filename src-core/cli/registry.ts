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
import { filterCommand } from './commands/filter';
import { evaluateTrackingCommand, stitchTrackletsCommand } from './commands/stitch';
import { extractOutlierFramesCommand, findOutliersCommand } from './commands/outliers';
import { createLabeledVideoCommand, plotTrajectoriesCommand } from './commands/labeled-video';
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
    stitchTrackletsCommand,
    evaluateTrackingCommand,
    filterCommand,
    createLabeledVideoCommand,
    plotTrajectoriesCommand,
    findOutliersCommand,
    extractOutlierFramesCommand,
    exportPosesCommand,
    synthCommand,
    demoCommand,
    benchCommand,
  ].map((command) => [command.spec.name, command]),
);
