/** Outlier frames for the next labeling round: DeepLabCut's `extract_outlier_frames`. */
export {
  findOutliers,
  OUTLIER_ALGORITHMS,
  type FindOutliersOptions,
  type OutlierAlgorithm,
  type OutlierCandidates,
} from './find';
export {
  extractOutlierFrames,
  findOutlierFrames,
  pickOutlierFrames,
  uniformAmong,
  type ExtractOutlierFramesOptions,
  type ExtractOutlierFramesResult,
  type OutlierExtractionAlgorithm,
  type OutlierSearchOptions,
  type OutlierSearchResult,
  type PickOptions,
  type VideoOutlierExtraction,
  type VideoOutliers,
} from './extract';
export { exportRefinedFrames, findEditedFrames, type ExportRefinedOptions, type ExportRefinedResult } from './export-refined';
export { machineLabelsCsvPath, machineLabelsPath, writeMachineLabels, type MachineLabelsWritten } from './machine-labels';
