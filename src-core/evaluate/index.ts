/**
 * Evaluation: how well predicted poses match the labels (OKS, mAP/mAR, DLC's "RMSE"),
 * computed the way DeepLabCut reports them so numbers can be compared across the two tools.
 */
export {
  OKS_THRESHOLDS,
  RECALL_THRESHOLDS,
  keypointErrors,
  linspace,
  matchGreedy,
  meanAveragePrecision,
  objectKeypointSimilarity,
  oksMatrix,
  poolErrors,
  poseScores,
  resolvePcutoffs,
  uniqueErrors,
  type ErrorOptions,
  type ErrorSums,
  type EvalImage,
  type Floats,
  type GreedyMatch,
  type KeypointErrors,
  type MapOptions,
  type OksOptions,
  type Pcutoff,
} from './metrics';
