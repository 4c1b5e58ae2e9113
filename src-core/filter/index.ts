/** Filtering of pose tables: DeepLabCut's `filterpredictions` (median, spline) and a Kalman smoother. */
export {
  filterPoses,
  filterPoseTable,
  filterPredictions,
  filteredTablePath,
  readPoseTableFile,
  FILTER_TYPES,
  type FilterPredictionsOptions,
  type FilterPredictionsResult,
  type FilterSettings,
  type FilterType,
  type FilteredVideo,
} from './filter-predictions';
export { arimaFilterPoses, FILLED_LIKELIHOOD, kalmanFilterPoses, medianFilterPoses, observedFrames, splineFilterPoses, type ArimaFilterOptions, type KalmanFilterOptions, type Trajectory } from './pose-filters';
export { fitKalmanNoise, kalmanSmooth, medianFilter1d, notAKnotSpline, splineFill1d, type KalmanNoise, type KalmanSeriesResult } from './series';
export { arimaLogLikelihood, arimaPredictions, constrainStationary, fitArima, type ArimaFit } from './arima';
