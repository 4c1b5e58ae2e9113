/** Frame extraction for labeling: DeepLabCut's `extract_frames` (automatic k-means / uniform, manual). */
export {
  extractFrames,
  writeFramePngs,
  type ExtractFramesOptions,
  type ExtractFramesResult,
  type ExtractionAlgorithm,
  type ExtractionMode,
  type VideoExtraction,
  type WriteFramesOptions,
} from './extract';
export { clusterFrameSize, decodeClusterFeatures, SpillFeatureStore, type FeatureDecodeOptions } from './features';
export {
  MemoryFeatureStore,
  miniBatchKMeans,
  type ClusteringReport,
  type ClusteringResult,
  type FeatureStore,
  type MiniBatchKMeansOptions,
} from './kmeans';
export { decodeSelectedFrames, type SelectedFramesOptions } from './grab';
export { existingFrameImages, frameImageName } from './naming';
export { extractionRange, uniformFrameIndices } from './select';
