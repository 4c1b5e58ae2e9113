/** Tracklet stitching (`herd stitch-tracklets`), track edits for refinement, and tracking metrics (`herd evaluate-tracking`). */
export { minCostFlow, type FlowEdge, type MinCostFlowResult } from './min-cost-flow';
export {
  boxOverlap,
  defaultMaxGap,
  defaultTrackNames,
  distanceTo,
  makePiece,
  motionDistance,
  stitchTracklets,
  type StitchedTrack,
  type StitchOptions,
  type StitchPiece,
  type StitchResult,
  type StitchStats,
  type StitchWeight,
} from './stitch';
export {
  stitchVideos,
  tracksPath,
  type StitchedVideo,
  type StitchVideosOptions,
  type StitchVideosResult,
} from './stitch-videos';
export {
  deletePoints,
  fillGaps,
  INTERPOLATED_LIKELIHOOD,
  isSwitchPoint,
  reassignIndividual,
  removeShortSwaps,
  removeShortTracklets,
  swapIndividuals,
  type FrameRange,
  type PointSelection,
} from './edit';
export {
  computeTrackingMetrics,
  evaluateTracking,
  formatPerFrameCsv,
  type EvaluateTrackingOptions,
  type EvaluateTrackingResult,
  type FrameMatch,
  type FrameTrackingResult,
  type IdentityPair,
  type TrackingDistance,
  type TrackingMetricOptions,
  type TrackingMetrics,
} from './tracking-metrics';
