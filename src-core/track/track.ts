/**
 * `trackDetections`: a detections file's assemblies (in memory) → tracklets, the heart of
 * `herd convert-detections2tracklets` (DeepLabCut's `convert_detections2tracklets`, dlc-spec §5b).
 *
 * Per frame: keypoints scoring below `pcutoff` (or not finite) become missing; animals with no keypoint left among
 * the tracked body parts are dropped; the tracker assigns the others to trackers; each reported tracker's tracklet
 * gets the animal's pose (all body parts, x, y, score) and its identity (the most frequent identity among its
 * keypoints). A skeleton tracker without a match writes its prediction (likelihood `predictionLikelihood`).
 * With one animal (`topktoretain` 1 or one individual) nothing is tracked: tracklet 0 holds the best assembly of
 * each frame (highest summed keypoint score). With one multi-animal body part the box tracker is used, with at
 * least 40 px of slack, as DeepLabCut does.
 */
import { HerdError } from '../common/errors';
import type { ProgressReporter } from '../common/progress';
import type { DetectionsContent } from '../infer/outputs';
import { resolveTrackingSettings, type TrackingSettings } from './settings';
import { IdentityOnly, SortBox, SortEllipse, SortSkeleton, type FrameTracker, type TrackFrame } from './trackers';
import type { Tracklet, TrackletSet, TrackerKind } from './tracklets';

export interface TrackRunOptions {
  progress?: ProgressReporter;
  /** Progress task name (default `track`). */
  task?: string;
  signal?: AbortSignal;
  /** Notes for the user (a forced box tracker, animals without ellipse…). */
  log?: (line: string) => void;
}

/** Growable columns of one tracklet. */
class TrackletBuilder {
  rows = 0;
  frames = new Int32Array(64);
  data: Float32Array;
  identity = new Int32Array(64);
  constructor(
    readonly id: number,
    private readonly width: number,
  ) {
    this.data = new Float32Array(64 * width);
  }

  /** Starts a row at `frame`; returns the offset of its K×3 values in `data`. */
  add(frame: number, identity: number): number {
    if (this.rows === this.frames.length) {
      const frames = new Int32Array(this.rows * 2);
      frames.set(this.frames);
      this.frames = frames;
      const ids = new Int32Array(this.rows * 2);
      ids.set(this.identity);
      this.identity = ids;
      const data = new Float32Array(this.rows * 2 * this.width);
      data.set(this.data);
      this.data = data;
    }
    this.frames[this.rows] = frame;
    this.identity[this.rows] = identity;
    return this.rows++ * this.width;
  }

  build(): Tracklet {
    return {
      id: this.id,
      frames: this.frames.slice(0, this.rows),
      data: this.data.slice(0, this.rows * this.width),
      identity: this.identity.slice(0, this.rows),
    };
  }
}

/** The resolved settings of a tracking run, with what was changed from the request and why. */
export interface EffectiveTracking {
  settings: TrackingSettings;
  tracker: TrackerKind;
  notes: string[];
  /** Indices of the body parts the tracker looks at. */
  keep: Int32Array;
}

/** Settings for these detections: defaults, DeepLabCut's one-body-part rule, ignored body parts checked. */
export function effectiveTracking(metadata: DetectionsContent['metadata'], partial: Partial<TrackingSettings>): EffectiveTracking {
  const settings = resolveTrackingSettings(partial, metadata.individuals.length);
  const notes: string[] = [];
  const K = metadata.bodyparts.length;
  if (K === 1 && !settings.identityOnly && settings.method !== 'box') {
    notes.push(`one multi-animal body part: switching from the ${settings.method} tracker to box (as DeepLabCut does)`);
    settings.method = 'box';
  }
  if (K === 1 && settings.method === 'box' && settings.boundingboxslack < 40) {
    notes.push(`one multi-animal body part: boundingboxslack raised from ${settings.boundingboxslack} to 40 so boxes can overlap`);
    settings.boundingboxslack = 40;
  }
  const unknown = settings.ignoreBodyparts.filter((name) => !metadata.bodyparts.includes(name));
  if (unknown.length > 0) {
    throw new HerdError('USAGE', `ignored body parts ${unknown.join(', ')} are not body parts of these detections (${metadata.bodyparts.join(', ')})`);
  }
  const keep = Int32Array.from(metadata.bodyparts.map((name, k) => (settings.ignoreBodyparts.includes(name) ? -1 : k)).filter((k) => k >= 0));
  if (keep.length === 0) throw new HerdError('USAGE', 'every body part is ignored; nothing is left to track');
  const tracker: TrackerKind = settings.identityOnly ? 'identity' : settings.method;
  return { settings, tracker, notes, keep };
}

function slotsOf(content: DetectionsContent): number {
  const { frames, bodyparts, individuals } = content.metadata;
  if (content.maxAnimals !== undefined) return content.maxAnimals;
  const perSlot = frames * bodyparts.length * 4;
  return perSlot > 0 ? content.assemblies.length / perSlot : individuals.length;
}

/** Tracks the assemblies of a detections file in memory. */
export function trackDetections(content: DetectionsContent, partial: Partial<TrackingSettings> = {}, run: TrackRunOptions = {}): TrackletSet {
  const meta = content.metadata;
  const { settings, tracker: kind, notes, keep } = effectiveTracking(meta, partial);
  notes.forEach((note) => run.log?.(note));
  const F = meta.frames;
  const K = meta.bodyparts.length;
  const A = slotsOf(content);
  const I = meta.individuals.length;
  const assemblies = content.assemblies;
  if (assemblies.length !== F * A * K * 4) {
    throw new HerdError('DETECTIONS_INVALID', `assemblies hold ${assemblies.length} values, expected ${F}×${A}×${K}×4`);
  }
  const single = !settings.identityOnly && (settings.topktoretain === 1 || I <= 1);
  if (settings.identityOnly) {
    let any = false;
    for (let i = 3; i < assemblies.length && !any; i += 4) any = assemblies[i] >= 0;
    if (!any && F > 0) {
      throw new HerdError('TRACKING_NO_IDENTITY', 'identity-only tracking needs a model with an identity head (config identity: true); these detections carry no identity');
    }
  }

  let tracker: FrameTracker | undefined;
  const sort = { maxAge: settings.maxAge, minHits: settings.minHits, threshold: settings.iouThreshold, keep };
  if (single) tracker = undefined;
  else if (settings.identityOnly) tracker = new IdentityOnly(I, keep);
  else if (settings.method === 'box') tracker = new SortBox({ ...sort, slack: settings.boundingboxslack });
  else if (settings.method === 'ellipse') tracker = new SortEllipse({ ...sort, withId: settings.withId, match: settings.ellipseMatch });
  else tracker = new SortSkeleton(sort, K);

  const frame: TrackFrame = { count: 0, data: new Float64Array(Math.max(1, A) * K * 4), bodyparts: K, identity: new Int32Array(Math.max(1, A)) };
  const scores = new Float64Array(Math.max(1, A));
  const votes = new Int32Array(Math.max(1, I));
  const builders = new Map<number, TrackletBuilder>();
  const builder = (id: number) => {
    let b = builders.get(id);
    if (!b) builders.set(id, (b = new TrackletBuilder(id, K * 3)));
    return b;
  };
  const { pcutoff, predictionLikelihood } = settings;
  const task = run.task ?? 'track';
  const every = 1024;
  let unfitted = 0;

  for (let f = 0; f < F; f++) {
    if ((f & (every - 1)) === 0) {
      if (run.signal?.aborted) throw new HerdError('CANCELLED', 'tracking cancelled; nothing was written');
      run.progress?.update({ task, done: f, total: F, unit: 'frames' });
    }
    // The frame's animals after the p-cutoff, compacted.
    let n = 0;
    for (let a = 0; a < A; a++) {
      const src = ((f * A + a) * K) * 4;
      const dst = n * K * 4;
      let score = 0;
      for (let k = 0; k < K; k++) {
        const s = src + 4 * k;
        const d = dst + 4 * k;
        const x = assemblies[s];
        const y = assemblies[s + 1];
        const p = assemblies[s + 2];
        if (p >= pcutoff && Number.isFinite(x) && Number.isFinite(y)) {
          frame.data[d] = x;
          frame.data[d + 1] = y;
          frame.data[d + 2] = p;
          frame.data[d + 3] = assemblies[s + 3] >= 0 ? assemblies[s + 3] : -1;
          score += p;
        } else {
          frame.data[d] = frame.data[d + 1] = frame.data[d + 2] = Number.NaN;
          frame.data[d + 3] = -1;
        }
      }
      let tracked = false;
      for (let i = 0; i < keep.length && !tracked; i++) tracked = frame.data[dst + 4 * keep[i]] === frame.data[dst + 4 * keep[i]];
      if (!tracked) continue;
      // The animal's identity: the most frequent one among its keypoints.
      let identity = -1;
      if (I > 0) {
        votes.fill(0);
        let best = 0;
        for (let k = 0; k < K; k++) {
          const id = frame.data[dst + 4 * k + 3];
          if (id >= 0 && id < I && ++votes[id] > best) {
            best = votes[id];
            identity = id;
          }
        }
      }
      frame.identity[n] = identity;
      scores[n] = score;
      n++;
    }
    frame.count = n;
    // A frame without animals is skipped, as DeepLabCut does: trackers neither age nor predict across it.
    if (n === 0) continue;

    if (!tracker) {
      let best = 0;
      for (let a = 1; a < n; a++) if (scores[a] > scores[best]) best = a;
      writePose(builder(0), f, frame, best, K);
      continue;
    }
    const hits = tracker.track(frame);
    if (tracker instanceof SortEllipse) unfitted += tracker.unfitted;
    for (const hit of hits) {
      if (hit.animal >= 0) {
        writePose(builder(hit.id), f, frame, hit.animal, K);
      } else if (hit.prediction) {
        const b = builder(hit.id);
        const at = b.add(f, -1);
        for (let k = 0; k < K; k++) {
          const x = hit.prediction[2 * k];
          const y = hit.prediction[2 * k + 1];
          const ok = Number.isFinite(x) && Number.isFinite(y);
          b.data[at + 3 * k] = ok ? x : Number.NaN;
          b.data[at + 3 * k + 1] = ok ? y : Number.NaN;
          b.data[at + 3 * k + 2] = ok ? predictionLikelihood : Number.NaN;
        }
      }
    }
  }
  run.progress?.update({ task, done: F, total: F, unit: 'frames' });
  if (unfitted > 0) run.log?.(`${unfitted} animal poses with fewer than 3 keypoints had no ellipse and were left untracked in their frame`);

  const tracklets = [...builders.values()].sort((a, b) => a.id - b.id).map((b) => b.build());
  const U = meta.uniqueBodyparts.length;
  return {
    tracklets,
    ...(U > 0 && content.unique ? { unique: content.unique } : {}),
    metadata: {
      video: meta.video,
      fps: meta.fps,
      frames: F,
      totalFrames: meta.totalFrames,
      width: meta.width,
      height: meta.height,
      scorer: meta.scorer,
      bodyparts: meta.bodyparts,
      uniqueBodyparts: meta.uniqueBodyparts,
      individuals: meta.individuals,
      tracker: kind,
      settings: { ...settings, single, ...(notes.length > 0 ? { notes } : {}) },
      partial: meta.partial,
      ...(meta.stoppedAt ? { stoppedAt: meta.stoppedAt } : {}),
    },
  };
}

function writePose(b: TrackletBuilder, f: number, frame: TrackFrame, animal: number, K: number): void {
  const at = b.add(f, frame.identity[animal]);
  const src = animal * K * 4;
  for (let k = 0; k < K; k++) {
    b.data[at + 3 * k] = frame.data[src + 4 * k];
    b.data[at + 3 * k + 1] = frame.data[src + 4 * k + 1];
    b.data[at + 3 * k + 2] = frame.data[src + 4 * k + 2];
  }
}
