/**
 * `herd synth`: a deterministic synthetic multi-animal video with exact ground truth, the test bed
 * for training, tracking and stitching. Look-alike mice run, pause, seek each other out, touch and
 * cross over, so identity must be kept through close encounters and partial occlusion.
 */
export {
  DEFAULT_SYNTH_OPTIONS,
  MOUSE_BODYPARTS,
  defaultBodyparts,
  defaultIndividuals,
  defaultUniqueBodyparts,
  resolveSynthOptions,
  type SynthOptions,
} from './options';
export { discOffset, type SceneShapes, type SynthScene } from './scene';
export { simulateScene } from './simulate';
export { renderFrame, sceneBackground } from './render';
export { writeSynthVideo, type SynthVideoOptions } from './video';
export {
  formatSidecar,
  groundTruthCsv,
  groundTruthSidecar,
  groundTruthTable,
  type SynthSidecar,
} from './groundtruth';
export { synthesize, synthOutputPaths, type SynthesizeResult, type SynthesizeRunOptions } from './write';
export { DEFAULT_SYNTH_DETECTIONS, synthDetections, type DetectionsScene, type SynthDetections, type SynthDetectionsOptions } from './detections';
