/**
 * Herd's typed library API: what the CLI, the extension, the language server and the tests call.
 * Each stage lives in its own folder; this file only gathers their public parts.
 */
export { HerdError, isHerdError, type ErrorLocation } from './common/errors';
export { writeFileAtomic } from './common/atomic';
export { silentProgress, type ProgressEvent, type ProgressReporter } from './common/progress';
export { createPoseArray, poseOffset, type PoseArray } from './common/pose';
export { encodePng } from './common/png';

export { newProjectConfig, formatConfig, type ProjectConfig } from './project/config';
export { loadProject, validateConfig, readYamlFile, type Project } from './project/load';
export { createProject, addVideos, type CreateProjectOptions, type CreatedProject, type AddVideosOptions } from './project/create';
export { editConfig, parseEditArgument, type ConfigEdits } from './project/edit';
export { projectVideos, collectVideoPaths, parseCrop, formatCrop, type ProjectVideo } from './project/videos';

export * from './video';

export * from './synth';
export { createSynthProject, type SynthProject, type SynthProjectOptions } from './synth/project';
export { runDemo, type DemoResult } from './demo/demo';
export { runBench, formatBench, type BenchResult } from './bench/bench';
export * from './frames';
export * from './labels';
export { convertToMultiAnimal, syncLabelsWithConfig, mergeDatasets, relayoutLabels } from './labels/convert';
export { importSleap, type ImportSleapOptions, type ImportedSleap } from './labels/sleap-import';
export { readSlp, type SleapLabels } from './io/sleap';
export * from './dataset';
export { analyzeVideos, type AnalyzeOptions, type AnalyzeResult } from './infer/analyze';
export { readDetections, writeDetections, writePoseTable, type DetectionsContent } from './infer/outputs';
export * from './infer/locate';
export * from './track';
export * from './stitch';
export * from './filter';
export * from './outliers';
export * from './render';
export { readPoseTable, type PoseTable } from './io/pose-table';
export { exportPoses, type ExportPosesOptions } from './io/export';
export { writeNwbPoses } from './io/nwb';
export { readSleapAnalysis, writeSleapAnalysis } from './io/sleap-analysis';
