/**
 * `herd bench --tracking`: what happens after the network, measured without one.
 *
 * 1. Speed, side by side in one run, on synthetic detections of 3 animals × 12 body parts over 2,000 frames
 *    (the setting of the tracking issue): PAF assembly (the full 66-edge graph and an 11-edge tree), tracklets
 *    (ellipse, box), stitching, and the three chained; then labeled-video drawing + encoding against ffmpeg's
 *    encode-only rate on the same frames.
 * 2. Identity keeping on synthetic videos with crossings (several seeds): ID switches of the raw tracklets, and
 *    MOTA / IDF1 / ID switches of the stitched tracks against the ground truth.
 */
import { assemble, type AssemblyInput, type Edge } from '../assemble';
import { createPoseArray, poseOffset, type PoseArray } from '../common/pose';
import type { DetectionsContent } from '../infer/outputs';
import { benchLabeledVideo } from '../render/labeled-video';
import { computeTrackingMetrics } from '../stitch/tracking-metrics';
import { stitchTracklets } from '../stitch/stitch';
import { synthDetections, type SynthDetectionsOptions } from '../synth/detections';
import { simulateScene } from '../synth/simulate';
import { trackDetections } from '../track/track';
import type { TrackerKind, TrackletSet } from '../track/tracklets';
import { assemblyInputs, fullGraph } from './assembly-inputs';
import type { BenchRow } from './bench';

export interface TrackingBenchOptions {
  frames?: number;
  /** Seeds of the identity study (default 1–5). */
  seeds?: number[];
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface IdentityStudyRow {
  seed: number;
  frames: number;
  /** Close encounters: frames where two animals' centroids are nearer than a body length. */
  closeFrames: number;
  tracklets: number;
  rawSwitches: number;
  stitchedSwitches: number;
  mota: number;
  idf1: number;
}

export interface TrackingBenchResult {
  rows: BenchRow[];
  study: IdentityStudyRow[];
  /** The detection noise of the study. */
  noise: Partial<SynthDetectionsOptions>;
}

const ANIMALS = 3;
const PARTS = 12;

/** Detection errors of a plausible trained model: jitter, misses, parts swapped between close animals, stray parts. */
const STUDY_NOISE: Partial<SynthDetectionsOptions> = { sigma: 2, dropRate: 0.08, swapRate: 0.05, spuriousRate: 0.02 };

function timed<T>(run: () => T): { value: T; seconds: number } {
  const start = performance.now();
  const value = run();
  return { value, seconds: (performance.now() - start) / 1000 };
}

/** Assembles every frame and returns detections carrying the assembler's animals (as herd analyze writes them). */
function assembleAll(content: DetectionsContent, inputs: readonly AssemblyInput[], edges: number[] | undefined): DetectionsContent {
  const { frames, bodyparts } = content.metadata;
  const K = bodyparts.length;
  const assemblies = new Float32Array(frames * ANIMALS * K * 4).fill(Number.NaN);
  const assemblyScores = new Float32Array(frames * ANIMALS).fill(Number.NaN);
  inputs.forEach((input, f) => {
    assemble(input, { maxIndividuals: ANIMALS, edges }).animals.forEach((animal, a) => {
      assemblies.set(animal.keypoints, (f * ANIMALS + a) * K * 4);
      assemblyScores[f * ANIMALS + a] = animal.score;
    });
  });
  return { ...content, assemblies, assemblyScores, maxAnimals: ANIMALS };
}

/** A spanning tree of the parts (each joined to the next): a pruned graph as `--select-paf-graph` leaves. */
function treeEdges(graph: readonly Edge[]): number[] {
  return Array.from({ length: PARTS - 1 }, (_, k) => graph.findIndex(([s, t]) => s === k && t === k + 1));
}

async function speedRows(frames: number, log: (line: string) => void, signal?: AbortSignal): Promise<BenchRow[]> {
  const scene = simulateScene({ animals: ANIMALS, keypoints: PARTS, frames, seed: 1 });
  const { content } = synthDetections(scene, { seed: 1 });
  const graph = fullGraph(PARTS);
  const tree = treeEdges(graph);
  const rows: BenchRow[] = [];
  const row = (measurement: string, seconds: number) => rows.push({ measurement, frames, seconds });

  // The peaks and edge costs a model would hand over, made before the clock starts.
  const inputs = assemblyInputs(content.assemblies, frames, content.maxAnimals, PARTS, 4, graph, 2);
  // Warm the JIT on a slice so the timed runs measure steady-state code.
  const warm = { ...content, metadata: { ...content.metadata, frames: 200 } };
  assembleAll(warm, inputs.slice(0, 200), undefined);
  trackDetections(assembleAll(warm, inputs.slice(0, 200), tree));
  stitchTracklets(trackDetections(assembleAll(warm, inputs.slice(0, 200), undefined)), { nTracks: ANIMALS });

  const full = timed(() => assembleAll(content, inputs, undefined));
  row(`PAF assembly, ${graph.length}-edge graph (all pairs, DeepLabCut's default)`, full.seconds);
  const pruned = timed(() => assembleAll(content, inputs, tree));
  row(`PAF assembly, ${tree.length}-edge tree`, pruned.seconds);
  signal?.throwIfAborted();

  const tracked: Partial<Record<TrackerKind, { value: TrackletSet; seconds: number }>> = {};
  for (const method of ['ellipse', 'box'] as const) {
    tracked[method] = timed(() => trackDetections(full.value, { method }));
    row(`tracklets, ${method} tracker (${tracked[method]!.value.tracklets.length} tracklets)`, tracked[method]!.seconds);
  }
  const stitched = timed(() => stitchTracklets(tracked.ellipse!.value, { nTracks: ANIMALS }));
  row(`stitching ${tracked.ellipse!.value.tracklets.length} ellipse tracklets into ${ANIMALS} tracks`, stitched.seconds);
  row(`assembly (${graph.length} edges) + ellipse tracking + stitching`, full.seconds + tracked.ellipse!.seconds + stitched.seconds);
  row(`assembly (${tree.length} edges) + ellipse tracking + stitching`, pruned.seconds + tracked.ellipse!.seconds + stitched.seconds);
  signal?.throwIfAborted();

  log('labeled video: drawing + encoding vs encoding the same frames');
  const video = await benchLabeledVideo({ signal });
  const encodeRow = `ffmpeg encode-only of the drawn frames (${video.codec}, ${video.width}×${video.height})`;
  rows.push({ measurement: encodeRow, frames: video.frames, seconds: video.frames / video.encodeOnlyFps });
  rows.push({
    measurement: `create-labeled-video drawing + encoding (3 animals × 10 parts, skeleton)`,
    frames: video.frames,
    seconds: video.frames / video.renderFps,
    ratio: { value: video.ratio, against: encodeRow },
  });
  return rows;
}

/** Each tracklet as its own individual, so CLEAR-MOT counts every change of tracklet under an animal as a switch. */
function trackletPoses(set: TrackletSet): PoseArray {
  const { frames, bodyparts } = set.metadata;
  const K = bodyparts.length;
  const poses = createPoseArray(frames, set.tracklets.map((t) => String(t.id)), bodyparts);
  set.tracklets.forEach((t, i) => {
    t.frames.forEach((frame, row) => poses.data.set(t.data.subarray(row * K * 3, (row + 1) * K * 3), poseOffset(poses, frame, i, 0)));
  });
  return poses;
}

/** Frames where some pair of animals comes closer than a body length (centroid to centroid). */
function closeEncounters(truth: PoseArray, distance: number): number {
  const A = truth.individuals.length;
  const K = truth.bodyparts.length;
  let count = 0;
  for (let f = 0; f < truth.frames; f++) {
    const centres: Array<[number, number]> = [];
    for (let a = 0; a < A; a++) {
      let x = 0, y = 0;
      for (let k = 0; k < K; k++) {
        const o = poseOffset(truth, f, a, k);
        x += truth.data[o] / K;
        y += truth.data[o + 1] / K;
      }
      centres.push([x, y]);
    }
    let close = false;
    for (let a = 0; a < A && !close; a++) for (let b = a + 1; b < A; b++) if (Math.hypot(centres[a][0] - centres[b][0], centres[a][1] - centres[b][1]) < distance) close = true;
    if (close) count++;
  }
  return count;
}

function identityStudy(frames: number, seeds: number[], signal?: AbortSignal): IdentityStudyRow[] {
  return seeds.map((seed) => {
    signal?.throwIfAborted();
    const scene = simulateScene({ animals: ANIMALS, keypoints: PARTS, frames, seed });
    const { content, truth } = synthDetections(scene, { ...STUDY_NOISE, seed });
    const tracklets = trackDetections(content, { method: 'ellipse' });
    const raw = computeTrackingMetrics(truth, trackletPoses(tracklets));
    const stitched = computeTrackingMetrics(truth, stitchTracklets(tracklets, { nTracks: ANIMALS }).poses);
    return {
      seed,
      frames,
      closeFrames: closeEncounters(truth, 60),
      tracklets: tracklets.tracklets.length,
      rawSwitches: raw.idSwitches,
      stitchedSwitches: stitched.idSwitches,
      mota: stitched.mota,
      idf1: stitched.idf1,
    };
  });
}

export async function runTrackingBench(options: TrackingBenchOptions = {}): Promise<TrackingBenchResult> {
  const log = options.log ?? (() => {});
  const frames = options.frames ?? 2000;
  const rows = await speedRows(frames, log, options.signal);
  log('identity study: ellipse tracklets and stitched tracks against the ground truth');
  const study = identityStudy(frames, options.seeds ?? [1, 2, 3, 4, 5], options.signal);
  return { rows, study, noise: STUDY_NOISE };
}

export function formatIdentityStudy(result: TrackingBenchResult): string {
  const n = result.noise;
  const lines = [
    `Identity study: ${ANIMALS} animals × ${PARTS} parts, synthetic detections with ${n.sigma} px jitter, ${(100 * n.dropRate!).toFixed(0)} % missed parts,`,
    `${(100 * n.swapRate!).toFixed(0)} % chance per close pair and frame of a part swapped between animals, ${(100 * n.spuriousRate!).toFixed(0)} % of frames with a stray`,
    'partial animal; ellipse tracker, then stitching into 3 tracks. Raw switches count every change of tracklet under an animal.',
    '',
    '| seed | frames | frames with animals < 60 px apart | tracklets | ID switches, raw tracklets | ID switches, stitched | MOTA | IDF1 |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...result.study.map((r) => `| ${r.seed} | ${r.frames} | ${r.closeFrames} | ${r.tracklets} | ${r.rawSwitches} | ${r.stitchedSwitches} | ${r.mota.toFixed(3)} | ${r.idf1.toFixed(3)} |`),
  ];
  return lines.join('\n');
}
