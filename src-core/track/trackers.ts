/**
 * DeepLabCut's frame-by-frame trackers (dlc-spec §5b, `deeplabcut/core/trackingutils.py`): SORT over keypoint
 * boxes, over error ellipses, over whole skeletons, and the identity-only assignment. Each takes one frame's
 * animals and says which tracker (tracklet id) each animal belongs to.
 *
 * Shared SORT bookkeeping, as DeepLabCut's `BaseTracker` / `SORT*.track`, with these deliberate differences:
 * - a new tracker counts the detection that created it as its first hit, so `min_hits: 1` reports an animal from
 *   the frame it appears (DeepLabCut starts the hit streak at 0 and drops that first pose from the tracklets
 *   except during the first `min_hits` frames of the video);
 * - the ellipse tracker keeps each ellipse with its own animal (DeepLabCut bug #3493: when an ellipse cannot be
 *   fitted it indexes the list of fitted ellipses into the list of all animals and writes one animal's pose into
 *   another's tracklet). An animal with fewer than 3 keypoints has no ellipse and is left untracked in that frame;
 * - the ellipse angle measured is unwrapped by multiples of π to the one nearest the tracker's (an ellipse's angle
 *   is only defined mod π; without this a body turning through 0/π makes the filter's angle jump by π);
 * - the skeleton tracker predicts once per frame (DeepLabCut's predicts twice, once to match and once more to
 *   report) and deletes the tracker that timed out (DeepLabCut pops the last one of the list); it honours
 *   `min_hits` as the others do;
 * - the ellipse tracker matches by body parts by default (`match: 'keypoints'`; `'similarity'` is DeepLabCut's
 *   matching, kept as it is). DeepLabCut's ellipse similarity compares only the ellipses' centres and angles. When
 *   two animals cross or lie on each other, their centres come within a few pixels while the body is ~100 px long,
 *   and the centre of the keypoints left visible shifts by far more than that as one animal hides parts of the
 *   other; the similarity of each detection to both trackers is then ~0.95 either way and the assignment is a coin
 *   toss, so a tracker followed the wrong animal inside its tracklet (4–37 such switches per 2,000 frames of 3
 *   crossing mice), which stitching cannot undo. Each tracker now also keeps every body part's last position,
 *   carried forward at the parts' smoothed velocity, and the similarity of a detection to a tracker is the ellipse
 *   similarity with parts in place of the centre: the mean over the parts both have of 1 − min(distance / largest
 *   axis, 1), pulled towards 0.5 as if two more parts had matched at that (so that a match on 2–3 parts must be
 *   closer than one on 10). Pairs below `threshold` (iou_threshold) get 0 in the assignment, so the solver never
 *   trades a good pair for a bad one to make more pairs (DeepLabCut maximises over all pairs, then drops those
 *   below the threshold). The ellipse filter is kept (sizes, fallback when no part is shared); tracklets and their
 *   files are as before. On the tracking study (3 animals × 12 parts, 2,000 frames, seeds 1–10) switches inside
 *   tracklets went from 180 to 8, and after stitching from 76 to 4.
 */
import { boxIou, directedHausdorff, ellipseSimilarity, fitEllipse, keypointBox, type AnimalView } from './geometry';
import { KinematicFilter } from './kalman';
import { assignRows } from '../common/assignment';
import type { EllipseMatch } from './settings';

/** One frame's animals after the p-cutoff: [count, K, 4] (x, y, score, identity), NaN where missing. */
export interface TrackFrame {
  count: number;
  /** Capacity may exceed `count` animals. */
  data: Float64Array;
  /** Body parts per animal (K); an animal's x of part k is `data[(animal * K + k) * 4]`. */
  bodyparts: number;
  /** The most frequent identity among each animal's keypoints, −1 when none. */
  identity: Int32Array;
}

/** One tracker reported this frame: the animal it matched, or −1 with its prediction (skeleton only). */
export interface TrackerHit {
  id: number;
  animal: number;
  /** [K, 2] predicted x, y when `animal` is −1 (NaN for parts the tracker ignores). */
  prediction?: Float64Array;
}

export interface FrameTracker {
  track(frame: TrackFrame): TrackerHit[];
}

export interface SortOptions {
  maxAge: number;
  minHits: number;
  /** Minimum IoU (box) or similarity (ellipse) of a match. */
  threshold: number;
  /** Body parts the tracker looks at. */
  keep: Int32Array;
}

/** Hit counting shared by every SORT tracker. */
class TrackBase {
  timeSinceUpdate = 0;
  hits = 1;
  hitStreak = 1;
  /** Animal matched this frame, −1 when none. */
  animal = -1;
  constructor(
    readonly id: number,
    /** Identity predicted for the animal that started the tracker (ellipse tracker with identities). */
    readonly identity: number,
  ) {}

  /** The bookkeeping of DeepLabCut's `BaseTracker.predict`. */
  aged(): void {
    if (this.timeSinceUpdate > 0) this.hitStreak = 0;
    this.timeSinceUpdate += 1;
    this.animal = -1;
  }

  hit(animal: number): void {
    this.timeSinceUpdate = 0;
    this.hits += 1;
    this.hitStreak += 1;
    this.animal = animal;
  }
}

function view(frame: TrackFrame, animal: number, scratch: AnimalView): AnimalView {
  scratch.data = frame.data;
  scratch.base = animal * frame.bodyparts * 4;
  return scratch;
}

/** Updated this frame and on a long enough streak (or still within the first `minHits` frames), as SORT reports. */
function reported(track: TrackBase, frames: number, minHits: number): boolean {
  return track.timeSinceUpdate === 0 && (track.hitStreak >= minHits || frames <= minHits);
}

/** Growable scratch buffer. */
function ensure(buffer: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  return buffer.length >= size ? buffer : new Float64Array(Math.max(size, buffer.length * 2));
}

// ---------------------------------------------------------------------------------------------
// Ellipse tracker

const ELLIPSE_NOISE = {
  // P[5:,5:] *= 1000; P *= 10; Q[5:,5:] *= 0.01; R[2:,2:] *= 10.
  pPosition: 10,
  pVelocity: 10_000,
  qPosition: 1,
  qVelocity: 0.01,
  r: [1, 1, 10, 10, 10],
};

class EllipseTrack extends TrackBase {
  readonly kf = new KinematicFilter(5, ELLIPSE_NOISE);
  /** [keep, 2]: where each tracked body part is expected this frame (last seen, carried at `vx`, `vy`); NaN unknown. */
  readonly points: Float64Array;
  /** Smoothed velocity of the body parts, px per frame. */
  vx = 0;
  vy = 0;
  /** Matches so far that measured a velocity. */
  moves = 0;
  constructor(id: number, identity: number, parts: number) {
    super(id, identity);
    this.points = new Float64Array(2 * parts).fill(Number.NaN);
  }

  /** Carries every known body part one frame forward at the tracker's velocity. */
  advance(): void {
    const p = this.points;
    for (let i = 0; i < p.length; i += 2) {
      p[i] += this.vx;
      p[i + 1] += this.vy;
    }
  }
}

export interface EllipseOptions extends SortOptions {
  /** Double the similarity when the animal's identity is the tracker's. */
  withId: boolean;
  /** Size of the error ellipse in standard deviations (2). */
  sd?: number;
  /**
   * `keypoints` (default): the similarity compares each body part with where the tracker expects that same part
   * (`keypointSimilarity`), pairs below the threshold do not take part in the assignment; `similarity`: DeepLabCut's
   * ellipse similarity (centre distance and angle), assignment over all pairs, then the threshold.
   */
  match?: EllipseMatch;
}

/** DeepLabCut's `SORTEllipse` (the default tracker), without bug #3493, matching by body parts unless told otherwise. */
export class SortEllipse implements FrameTracker {
  private tracks: EllipseTrack[] = [];
  private nextId = 0;
  private frames = 0;
  private ellipses = new Float64Array(5 * 8);
  private ellipseAnimal = new Int32Array(8);
  private cost = new Float64Array(64);
  private readonly one = new Float64Array(5);
  private readonly z = new Float64Array(5);
  private readonly scratch: AnimalView = { data: new Float64Array(0), base: 0 };

  constructor(private readonly options: EllipseOptions) {}

  /** How many animals of the last frame had no ellipse (fewer than 3 keypoints), so went untracked. */
  unfitted = 0;

  track(frame: TrackFrame): TrackerHit[] {
    const { keep, threshold, withId } = this.options;
    const byKeypoints = (this.options.match ?? 'keypoints') === 'keypoints';
    this.frames += 1;
    // Predict; trackers whose prediction is not finite are dropped (as DeepLabCut does).
    let kept = 0;
    for (const track of this.tracks) {
      track.kf.predict();
      if (byKeypoints) track.advance();
      track.aged();
      if (finite(track.kf.position, 5)) this.tracks[kept++] = track;
    }
    this.tracks.length = kept;

    // One ellipse per animal that has one; `ellipseAnimal` remembers whose it is (the #3493 fix).
    if (this.ellipseAnimal.length < frame.count) {
      this.ellipseAnimal = new Int32Array(frame.count * 2);
      this.ellipses = new Float64Array(frame.count * 10);
    }
    let E = 0;
    this.unfitted = 0;
    for (let a = 0; a < frame.count; a++) {
      if (fitEllipse(view(frame, a, this.scratch), keep, this.options.sd ?? 2, this.one) && finite(this.one, 5)) {
        this.ellipses.set(this.one, 5 * E);
        this.ellipseAnimal[E++] = a;
      } else {
        this.unfitted += 1;
      }
    }

    const T = this.tracks.length;
    const matched = new Uint8Array(E);
    if (T > 0 && E > 0) {
      this.cost = ensure(this.cost, E * T);
      const cost = this.cost;
      for (let i = 0; i < E; i++) {
        const ellipse = this.ellipses.subarray(5 * i, 5 * i + 5);
        const identity = frame.identity[this.ellipseAnimal[i]];
        for (let j = 0; j < T; j++) {
          const track = this.tracks[j];
          let similarity = byKeypoints
            ? keypointSimilarity(view(frame, this.ellipseAnimal[i], this.scratch), keep, track, ellipse)
            : ellipseSimilarity(ellipse, track.kf.position);
          if (withId && identity >= 0 && identity === track.identity) similarity *= 2;
          // Keypoint matching: a pair below the threshold cannot match, so it must not weigh in the assignment either
          // (DeepLabCut's maximises over every pair, then drops those below the threshold).
          cost[i * T + j] = byKeypoints && !(similarity >= threshold) ? 0 : similarity;
        }
      }
      const rowToCol = assignRows(cost.subarray(0, E * T), E, T, true);
      for (let i = 0; i < E; i++) {
        const j = rowToCol[i];
        if (j < 0 || !(cost[i * T + j] >= threshold)) continue;
        const track = this.tracks[j];
        this.z.set(this.ellipses.subarray(5 * i, 5 * i + 5));
        // The angle is defined mod π: measure it next to the tracker's own.
        this.z[4] += Math.PI * Math.round((track.kf.position[4] - this.z[4]) / Math.PI);
        track.kf.update(this.z);
        track.hit(this.ellipseAnimal[i]);
        if (byKeypoints) observePoints(track, view(frame, this.ellipseAnimal[i], this.scratch), keep, true);
        matched[i] = 1;
      }
    }
    for (let i = 0; i < E; i++) {
      if (matched[i]) continue;
      const animal = this.ellipseAnimal[i];
      const track = new EllipseTrack(this.nextId++, frame.identity[animal], keep.length);
      track.kf.setPosition(this.ellipses.subarray(5 * i, 5 * i + 5));
      track.animal = animal;
      if (byKeypoints) observePoints(track, view(frame, animal, this.scratch), keep, false);
      this.tracks.push(track);
    }
    return report(this.tracks, this.frames, this.options);
  }
}

/** Evidence a match needs: the similarity starts as if `PRIOR_PARTS` body parts had matched at `PRIOR_SIMILARITY`. */
const PRIOR_PARTS = 2;
const PRIOR_SIMILARITY = 0.5;
/** Weight of a new velocity measurement in the tracker's smoothed velocity. */
const VELOCITY_GAIN = 0.5;
/** Body parts farther than this fraction of the major axis from where they were expected do not move the velocity. */
const VELOCITY_OUTLIER = 0.5;

/**
 * DeepLabCut's ellipse similarity with body parts in place of the centre: per body part seen in the animal and
 * expected by the tracker, 1 − min(distance / largest axis, 1) (the largest axis of the two ellipses, as
 * `ellipseSimilarity`); their mean, pulled towards `PRIOR_SIMILARITY` as if `PRIOR_PARTS` more parts had that
 * similarity, so that a match on two or three parts needs to be closer than one on ten. The ellipse similarity
 * when they share no part.
 */
function keypointSimilarity(animal: AnimalView, keep: Int32Array, track: EllipseTrack, ellipse: ArrayLike<number>): number {
  const { data, base } = animal;
  const t = track.kf.position;
  let maxDim = Math.max(ellipse[2], ellipse[3], t[2], t[3]);
  if (!(maxDim > 0)) maxDim = 1;
  const points = track.points;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < keep.length; i++) {
    const at = base + 4 * keep[i];
    const dx = data[at] - points[2 * i];
    const dy = data[at + 1] - points[2 * i + 1];
    if (dx !== dx || dy !== dy) continue;
    const d = Math.sqrt(dx * dx + dy * dy);
    sum += d < maxDim ? 1 - d / maxDim : 0;
    n += 1;
  }
  if (n === 0) return ellipseSimilarity(ellipse, t);
  return (sum + PRIOR_PARTS * PRIOR_SIMILARITY) / (n + PRIOR_PARTS);
}

/**
 * The matched animal's body parts become the tracker's expected ones; its velocity moves by `VELOCITY_GAIN` × the
 * mean innovation of the parts that were expected (all of it at a new tracker's first match, which starts at rest).
 */
function observePoints(track: EllipseTrack, animal: AnimalView, keep: Int32Array, matched: boolean): void {
  const { data, base } = animal;
  const points = track.points;
  const cap = VELOCITY_OUTLIER * Math.max(track.kf.position[2], 1);
  let ex = 0;
  let ey = 0;
  let n = 0;
  for (let i = 0; i < keep.length; i++) {
    const at = base + 4 * keep[i];
    const x = data[at];
    const y = data[at + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const dx = x - points[2 * i];
    const dy = y - points[2 * i + 1];
    const d = Math.hypot(dx, dy);
    if (matched && d < cap) {
      ex += dx;
      ey += dy;
      n += 1;
    }
    points[2 * i] = x;
    points[2 * i + 1] = y;
  }
  if (n > 0) {
    const gain = track.moves === 0 ? 1 : VELOCITY_GAIN;
    track.vx += (gain * ex) / n;
    track.vy += (gain * ey) / n;
    track.moves += 1;
  }
}

/** Hits of the trackers updated this frame; trackers unmatched for more than `maxAge` frames are deleted. */
function report(tracks: TrackBase[], frames: number, options: SortOptions): TrackerHit[] {
  const hits: TrackerHit[] = [];
  let kept = 0;
  for (const track of tracks) {
    if (reported(track, frames, options.minHits)) hits.push({ id: track.id, animal: track.animal });
    if (track.timeSinceUpdate <= options.maxAge) tracks[kept++] = track;
  }
  tracks.length = kept;
  return hits;
}

function finite(values: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Box tracker

const BOX_NOISE = {
  // State [cx, cy, area, ratio] + velocities of cx, cy, area. P[4:,4:] *= 1000; P *= 10;
  // Q[-1,-1] *= 0.01 and Q[4:,4:] *= 0.01 (the area's velocity gets both); R[2:,2:] *= 10.
  pPosition: 10,
  pVelocity: 10_000,
  qPosition: 1,
  qVelocity: [0.01, 0.01, 0.0001, 0],
  r: [1, 1, 10, 10],
};
const BOX_MOVING = [true, true, true, false];

class BoxTrack extends TrackBase {
  readonly kf = new KinematicFilter(4, BOX_NOISE, BOX_MOVING);

  /** DeepLabCut's BoxTracker.predict: a shrinking area may not go negative. */
  predict(): void {
    if (this.kf.velocity[2] + this.kf.position[2] <= 0) this.kf.velocity[2] = 0;
    this.kf.predict();
  }

  /** The predicted [x1, y1, x2, y2]. */
  box(out: Float64Array): void {
    const [cx, cy, area, ratio] = this.kf.position;
    const w = Math.sqrt(area * ratio);
    const h = area / w;
    out[0] = cx - w / 2;
    out[1] = cy - h / 2;
    out[2] = cx + w / 2;
    out[3] = cy + h / 2;
  }
}

/** [x1, y1, x2, y2] → [cx, cy, area, w/h], SORT's measurement. */
function boxMeasurement(box: ArrayLike<number>, out: Float64Array): void {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  out[0] = box[0] + w / 2;
  out[1] = box[1] + h / 2;
  out[2] = w * h;
  out[3] = w / h;
}

export interface BoxOptions extends SortOptions {
  /** Pixels added around the keypoints' box (boundingboxslack). */
  slack: number;
}

/** DeepLabCut's `SORTBox`: SORT on keypoint boxes, matched by IoU. */
export class SortBox implements FrameTracker {
  private tracks: BoxTrack[] = [];
  private nextId = 0;
  private frames = 0;
  private boxes = new Float64Array(4 * 8);
  private boxAnimal = new Int32Array(8);
  private predicted = new Float64Array(4 * 8);
  private cost = new Float64Array(64);
  private readonly one = new Float64Array(4);
  private readonly z = new Float64Array(4);
  private readonly scratch: AnimalView = { data: new Float64Array(0), base: 0 };

  constructor(private readonly options: BoxOptions) {}

  track(frame: TrackFrame): TrackerHit[] {
    const { keep, threshold, slack } = this.options;
    this.frames += 1;
    let kept = 0;
    for (const track of this.tracks) {
      track.predict();
      track.aged();
      track.box(this.one);
      if (finite(this.one, 4)) this.tracks[kept++] = track;
    }
    this.tracks.length = kept;
    const T = kept;
    this.predicted = ensure(this.predicted, 4 * T);
    this.tracks.forEach((track, j) => track.box(this.predicted.subarray(4 * j, 4 * j + 4)));

    if (this.boxAnimal.length < frame.count) {
      this.boxAnimal = new Int32Array(frame.count * 2);
      this.boxes = new Float64Array(frame.count * 8);
    }
    let D = 0;
    for (let a = 0; a < frame.count; a++) {
      if (keypointBox(view(frame, a, this.scratch), keep, slack, this.one)) {
        this.boxes.set(this.one, 4 * D);
        this.boxAnimal[D++] = a;
      }
    }
    const matched = new Uint8Array(D);
    if (T > 0 && D > 0) {
      this.cost = ensure(this.cost, D * T);
      const cost = this.cost;
      for (let i = 0; i < D; i++) {
        for (let j = 0; j < T; j++) cost[i * T + j] = boxIou(this.boxes.subarray(4 * i, 4 * i + 4), this.predicted.subarray(4 * j, 4 * j + 4));
      }
      const rowToCol = assignRows(cost.subarray(0, D * T), D, T, true);
      for (let i = 0; i < D; i++) {
        const j = rowToCol[i];
        if (j < 0 || !(cost[i * T + j] >= threshold)) continue;
        boxMeasurement(this.boxes.subarray(4 * i, 4 * i + 4), this.z);
        this.tracks[j].kf.update(this.z);
        this.tracks[j].hit(this.boxAnimal[i]);
        matched[i] = 1;
      }
    }
    for (let i = 0; i < D; i++) {
      if (matched[i]) continue;
      const track = new BoxTrack(this.nextId++, -1);
      boxMeasurement(this.boxes.subarray(4 * i, 4 * i + 4), this.z);
      track.kf.setPosition(this.z);
      track.animal = this.boxAnimal[i];
      this.tracks.push(track);
    }
    return report(this.tracks, this.frames, this.options);
  }
}

// ---------------------------------------------------------------------------------------------
// Skeleton tracker

class SkeletonTrack extends TrackBase {
  readonly kf: KinematicFilter;
  constructor(id: number, parts: number) {
    super(id, -1);
    // Q's velocities ×10, P's velocities ×1000 (DeepLabCut's R scaling is a no-op slice).
    this.kf = new KinematicFilter(2 * parts, { pPosition: 1, pVelocity: 1000, qPosition: 1, qVelocity: 10, r: 1 });
  }
}

/**
 * DeepLabCut's `SORTSkeleton`: a filter over every tracked coordinate (missing ones left out of the update), matched
 * by the Hungarian algorithm on the directed Hausdorff distance from the animal's points to the predicted ones, with
 * no threshold. Trackers without a match this frame are reported with their prediction while they live.
 */
export class SortSkeleton implements FrameTracker {
  private tracks: SkeletonTrack[] = [];
  private nextId = 0;
  private frames = 0;
  private cost = new Float64Array(64);
  private readonly z: Float64Array;
  private readonly scratch: AnimalView = { data: new Float64Array(0), base: 0 };

  constructor(
    private readonly options: SortOptions,
    private readonly bodyparts: number,
  ) {
    this.z = new Float64Array(2 * options.keep.length);
  }

  /** The tracked coordinates of an animal into `z` ([keep, 2]); NaN where missing. */
  private measure(frame: TrackFrame, animal: number): Float64Array {
    const { keep } = this.options;
    const base = animal * frame.bodyparts * 4;
    for (let i = 0; i < keep.length; i++) {
      this.z[2 * i] = frame.data[base + 4 * keep[i]];
      this.z[2 * i + 1] = frame.data[base + 4 * keep[i] + 1];
    }
    return this.z;
  }

  track(frame: TrackFrame): TrackerHit[] {
    const { keep, maxAge, minHits } = this.options;
    const P = keep.length;
    this.frames += 1;
    for (const track of this.tracks) {
      track.kf.predict();
      track.aged();
    }
    const T = this.tracks.length;
    const n = frame.count;
    const matched = new Uint8Array(n);
    if (T > 0 && n > 0) {
      this.cost = ensure(this.cost, n * T);
      const cost = this.cost;
      for (let i = 0; i < n; i++) {
        const animal = view(frame, i, this.scratch);
        for (let j = 0; j < T; j++) cost[i * T + j] = directedHausdorff(animal, keep, this.tracks[j].kf.position, P);
      }
      const rowToCol = assignRows(cost.subarray(0, n * T), n, T, false);
      for (let i = 0; i < n; i++) {
        const j = rowToCol[i];
        if (j < 0 || !Number.isFinite(cost[i * T + j])) continue;
        this.tracks[j].kf.update(this.measure(frame, i));
        this.tracks[j].hit(i);
        matched[i] = 1;
      }
    }
    for (let i = 0; i < n; i++) {
      if (matched[i]) continue;
      const z = this.measure(frame, i);
      // Missing points start at the mean of the others, as DeepLabCut's SkeletonTracker.
      let sx = 0;
      let sy = 0;
      let count = 0;
      for (let p = 0; p < P; p++) {
        if (Number.isFinite(z[2 * p]) && Number.isFinite(z[2 * p + 1])) {
          sx += z[2 * p];
          sy += z[2 * p + 1];
          count += 1;
        }
      }
      if (count === 0) continue;
      const track = new SkeletonTrack(this.nextId++, P);
      for (let p = 0; p < P; p++) {
        const ok = Number.isFinite(z[2 * p]) && Number.isFinite(z[2 * p + 1]);
        track.kf.position[2 * p] = ok ? z[2 * p] : sx / count;
        track.kf.position[2 * p + 1] = ok ? z[2 * p + 1] : sy / count;
      }
      track.animal = i;
      this.tracks.push(track);
    }
    const hits: TrackerHit[] = [];
    let kept = 0;
    for (const track of this.tracks) {
      if (track.timeSinceUpdate > maxAge) continue;
      this.tracks[kept++] = track;
      if (reported(track, this.frames, minHits)) {
        hits.push({ id: track.id, animal: track.animal });
      } else if (track.timeSinceUpdate > 0 && track.hits >= minHits) {
        const prediction = new Float64Array(2 * this.bodyparts).fill(Number.NaN);
        for (let p = 0; p < P; p++) {
          prediction[2 * keep[p]] = track.kf.position[2 * p];
          prediction[2 * keep[p] + 1] = track.kf.position[2 * p + 1];
        }
        hits.push({ id: track.id, animal: -1, prediction });
      }
    }
    this.tracks.length = kept;
    return hits;
  }
}

// ---------------------------------------------------------------------------------------------
// Identity only

/**
 * `identity_only`: per frame, score[animal, id] = softmax over the identities voted for by the animal's keypoints of
 * the summed keypoint scores per identity (DeepLabCut's `Assembly.soft_identity` takes the mean score per identity,
 * so a single confident stray keypoint can outvote ten others; the sum counts every vote). Hungarian maximising the
 * total; the tracklet id is the identity. Animals without any identity vote are left out.
 */
export class IdentityOnly implements FrameTracker {
  private sums: Float64Array;
  private cost = new Float64Array(64);

  constructor(
    private readonly identities: number,
    private readonly keep: Int32Array,
  ) {
    this.sums = new Float64Array(identities);
  }

  track(frame: TrackFrame): TrackerHit[] {
    const I = this.identities;
    const n = frame.count;
    this.cost = ensure(this.cost, n * I);
    const cost = this.cost;
    const voted = new Uint8Array(n);
    for (let a = 0; a < n; a++) {
      this.sums.fill(0);
      const present = new Uint8Array(I);
      const base = a * frame.bodyparts * 4;
      for (const k of this.keep) {
        const score = frame.data[base + 4 * k + 2];
        const id = frame.data[base + 4 * k + 3];
        if (!Number.isFinite(score) || !(id >= 0) || id >= I) continue;
        this.sums[id] += score;
        present[id] = 1;
        voted[a] = 1;
      }
      let max = -Infinity;
      for (let i = 0; i < I; i++) if (present[i] && this.sums[i] > max) max = this.sums[i];
      let total = 0;
      for (let i = 0; i < I; i++) total += present[i] ? Math.exp(this.sums[i] - max) : 0;
      for (let i = 0; i < I; i++) cost[a * I + i] = present[i] ? Math.exp(this.sums[i] - max) / total : 0;
    }
    const rowToCol = assignRows(cost.subarray(0, n * I), n, I, true);
    const hits: TrackerHit[] = [];
    for (let a = 0; a < n; a++) if (voted[a] && rowToCol[a] >= 0) hits.push({ id: rowToCol[a], animal: a });
    return hits;
  }
}
