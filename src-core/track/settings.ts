/**
 * Tracker settings: inference_cfg.yaml's tracking keys (dlc-spec §2) plus what `convert_detections2tracklets`
 * takes as arguments (track method, identity-only, ignored body parts).
 */
import { HerdError } from '../common/errors';

export type TrackMethod = 'box' | 'ellipse' | 'skeleton';

/**
 * How the ellipse tracker matches animals to trackers: `keypoints` (Herd's default) compares each body part with
 * where the tracker expects that same part; `similarity` is DeepLabCut's ellipse similarity alone (see trackers.ts).
 */
export type EllipseMatch = 'keypoints' | 'similarity';

export const ELLIPSE_MATCHES: readonly EllipseMatch[] = ['keypoints', 'similarity'];

export const TRACK_METHODS: readonly TrackMethod[] = ['box', 'ellipse', 'skeleton'];

export interface TrackingSettings {
  /** The tracker (DeepLabCut's `default_track_method`, `ellipse` unless the config says otherwise). */
  method: TrackMethod;
  /** Tracklet id = the identity head's vote (one tracklet per individual), no motion tracker. */
  identityOnly: boolean;
  /** Keypoints scoring below this are missing for tracking (inference_cfg `pcutoff`, 0.1). */
  pcutoff: number;
  /** Minimum IoU (box) or ellipse similarity (ellipse) of a match (inference_cfg `iou_threshold`, 0.6). */
  iouThreshold: number;
  /** Frames a tracker survives without a match (inference_cfg `max_age`, 1). */
  maxAge: number;
  /** Consecutive matches before a tracker is reported (inference_cfg `min_hits`, 1). */
  minHits: number;
  /** Pixels added around each keypoint box (inference_cfg `boundingboxslack`, 0; box tracker). */
  boundingboxslack: number;
  /** Animals per frame (inference_cfg `topktoretain`); 1 bypasses tracking. */
  topktoretain: number;
  /** Ellipse tracker: double the similarity of a tracker whose identity matches the animal's (inference_cfg `withid`). */
  withId: boolean;
  /**
   * Ellipse tracker: `keypoints` (default) chooses among the trackers whose similarity passes `iouThreshold` by body
   * parts compared one by one with their expected places, which keeps identities through close encounters;
   * `similarity` is DeepLabCut's matching on the ellipse similarity alone.
   */
  ellipseMatch: EllipseMatch;
  /** Body parts the trackers ignore (they are still written to the tracklets). */
  ignoreBodyparts: string[];
  /**
   * Likelihood written with a skeleton tracker's prediction when it had no match this frame. DeepLabCut writes 1;
   * Herd writes 0.5 (the value DeepLabCut's own tracklet interpolation gives made-up points), so predictions stay
   * below the usual plotting p-cutoff (0.6) and are never mistaken for detections.
   */
  predictionLikelihood: number;
}

export const DEFAULT_TRACKING: Readonly<Omit<TrackingSettings, 'topktoretain'>> = {
  method: 'ellipse',
  identityOnly: false,
  pcutoff: 0.1,
  iouThreshold: 0.6,
  maxAge: 1,
  minHits: 1,
  boundingboxslack: 0,
  withId: false,
  ellipseMatch: 'keypoints',
  ignoreBodyparts: [],
  predictionLikelihood: 0.5,
};

export function isTrackMethod(value: unknown): value is TrackMethod {
  return typeof value === 'string' && (TRACK_METHODS as readonly string[]).includes(value);
}

/** Defaults filled in, values checked (a HerdError `USAGE` names the bad one). */
export function resolveTrackingSettings(partial: Partial<TrackingSettings>, individuals: number): TrackingSettings {
  const settings: TrackingSettings = { ...DEFAULT_TRACKING, topktoretain: Math.max(1, individuals), ...stripUndefined(partial) };
  const bad = (what: string) => new HerdError('USAGE', what);
  if (!isTrackMethod(settings.method)) throw bad(`unknown track method "${String(settings.method)}"; use ${TRACK_METHODS.join(', ')}`);
  if (!(ELLIPSE_MATCHES as readonly string[]).includes(settings.ellipseMatch)) {
    throw bad(`unknown ellipse matching "${String(settings.ellipseMatch)}"; use ${ELLIPSE_MATCHES.join(', ')}`);
  }
  const number = (name: string, value: number, min: number, integer = false) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw bad(`${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}, got ${String(value)}`);
    }
  };
  number('pcutoff', settings.pcutoff, 0);
  if (settings.pcutoff > 1) throw bad(`pcutoff is a likelihood between 0 and 1, got ${settings.pcutoff}`);
  number('iou_threshold', settings.iouThreshold, 0);
  number('max_age', settings.maxAge, 0, true);
  number('min_hits', settings.minHits, 0, true);
  number('boundingboxslack', settings.boundingboxslack, 0);
  number('topktoretain', settings.topktoretain, 1, true);
  number('prediction likelihood', settings.predictionLikelihood, 0);
  return settings;
}

/** The tracking keys of an inference_cfg.yaml (missing or ill-typed keys are left to the defaults). */
export function settingsFromInferenceConfig(config: Record<string, unknown> | null | undefined): Partial<TrackingSettings> {
  if (!config) return {};
  const num = (key: string) => (typeof config[key] === 'number' ? (config[key] as number) : undefined);
  return stripUndefined({
    pcutoff: num('pcutoff'),
    iouThreshold: num('iou_threshold'),
    maxAge: num('max_age'),
    minHits: num('min_hits'),
    boundingboxslack: num('boundingboxslack'),
    topktoretain: num('topktoretain'),
    withId: typeof config.withid === 'boolean' ? config.withid : undefined,
  });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
