/** Tracking: detections → tracklets (DeepLabCut's convert_detections2tracklets and its trackers, dlc-spec §5b). */
export {
  convertDetectionsToTracklets,
  type ConvertOptions,
  type ConvertResult,
  type TrackedVideo,
} from './convert';
export { boxIou, directedHausdorff, ellipseSimilarity, fitEllipse, keypointBox, type AnimalView, type EllipseParams } from './geometry';
export { KalmanFilter, KinematicFilter, kinematicKalmanFilter, type KinematicNoise } from './kalman';
export { scoreTracklets, type TrackingScore } from './score';
export {
  DEFAULT_TRACKING,
  ELLIPSE_MATCHES,
  isTrackMethod,
  resolveTrackingSettings,
  settingsFromInferenceConfig,
  TRACK_METHODS,
  type EllipseMatch,
  type TrackingSettings,
  type TrackMethod,
} from './settings';
export { effectiveTracking, trackDetections, type EffectiveTracking, type TrackRunOptions } from './track';
export {
  IdentityOnly,
  SortBox,
  SortEllipse,
  SortSkeleton,
  type BoxOptions,
  type EllipseOptions,
  type FrameTracker,
  type SortOptions,
  type TrackerHit,
  type TrackFrame,
} from './trackers';
export {
  decodeTracklets,
  encodeTracklets,
  readTracklets,
  TRACKER_SUFFIX,
  TRACKLETS_FORMAT,
  trackletsPath,
  writeTracklets,
  type TrackerKind,
  type Tracklet,
  type TrackletSet,
  type TrackletsMetadata,
} from './tracklets';
