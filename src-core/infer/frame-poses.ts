/**
 * From one frame's head outputs to poses: heatmap peaks with location refinement, identity scores at the peaks,
 * PAF affinities and DeepLabCut's assembly into animals; unique body parts apart. DeepLabCut's PAF predictor
 * (dlc-spec §5a), with Herd's cell-centre convention (model/decode.ts).
 */
import { assemble, edgeAffinities, type AssembleOptions, type Assembly } from '../assemble';
import { argmaxPerPart, findPeaks, sigmoid, type Peak } from '../model/decode';
import type { HeadArrays, PoseModelInfo } from './pose-model';

export interface FramePoses {
  animals: Assembly[];
  /** Per unique body part, its best detection above p-cutoff. */
  unique: (Peak | null)[];
  /** Every body-part peak before assembly (for tracking, refinement and the all-detections video). */
  peaks: Peak[][];
  /** With an identity head: per part, per peak, one probability per individual. */
  peakIdentity?: Float32Array[][];
}

export interface FramePoseOptions extends Partial<Omit<AssembleOptions, 'maxIndividuals'>> {
  /** Minimum heatmap probability of a peak (DeepLabCut keeps ≥ 0.01). */
  peakThreshold?: number;
  /** Non-maximum suppression radius in heatmap cells (default: the training plateau's radius). */
  nmsRadius?: number;
}

/** One frame (`index` in the batch) of the network's output. */
function frameSlice(arrays: HeadArrays, name: keyof HeadArrays, index: number): { data: Float32Array; Ho: number; Wo: number; C: number } | undefined {
  const array = arrays[name];
  if (!array) return undefined;
  const [, Ho, Wo, C] = array.shape;
  const size = Ho * Wo * C;
  return { data: array.data.subarray(index * size, (index + 1) * size), Ho, Wo, C };
}

/** Probability maps of a frame's identity head (the network gives logits). */
function probabilities(arrays: HeadArrays, name: 'identity', index: number) {
  const slice = frameSlice(arrays, name, index);
  return slice && { ...slice, data: sigmoid(slice.data) };
}

export function framePoses(arrays: HeadArrays, index: number, info: PoseModelInfo, options: FramePoseOptions = {}): FramePoses {
  // Heatmaps stay logits: peaks are found on them and only the peaks' scores become probabilities.
  const heatmap = frameSlice(arrays, 'heatmap', index)!;
  const locref = frameSlice(arrays, 'locref', index);
  const refine = { stride: info.stride, locref: locref?.data, locrefStd: info.locrefStd, logits: true };
  const nmsRadius = options.nmsRadius ?? Math.max(1, Math.round(info.posDistThresh / info.stride));
  const maxIndividuals = info.individuals.length;
  const peaks = findPeaks(heatmap.data, heatmap.Ho, heatmap.Wo, heatmap.C, {
    ...refine,
    nmsRadius,
    threshold: options.peakThreshold ?? 0.01,
    // A few more than the animals, so that assembly can choose.
    maxPeaks: 2 * maxIndividuals + 2,
  });

  const uniqueHeatmap = frameSlice(arrays, 'unique_heatmap', index);
  const uniqueLocref = frameSlice(arrays, 'unique_locref', index);
  const uniquePeaks = uniqueHeatmap
    ? argmaxPerPart(uniqueHeatmap.data, uniqueHeatmap.Ho, uniqueHeatmap.Wo, uniqueHeatmap.C, { ...refine, locref: uniqueLocref?.data }).map((p) => (p ? [p] : []))
    : undefined;

  const identityMap = probabilities(arrays, 'identity', index);
  const peakIdentity = identityMap
    ? peaks.map((partPeaks) => partPeaks.map((p) => identityMap.data.slice((p.row * identityMap.Wo + p.col) * identityMap.C, (p.row * identityMap.Wo + p.col + 1) * identityMap.C)))
    : undefined;

  if (maxIndividuals === 1 && info.pafGraph.length === 0) {
    // One animal (single-animal projects): every body part's best cell, as DeepLabCut reports it, however weak.
    const best = argmaxPerPart(heatmap.data, heatmap.Ho, heatmap.Wo, heatmap.C, refine);
    const keypoints = new Float32Array(4 * heatmap.C).fill(NaN);
    best.forEach((p, k) => p && keypoints.set([p.x, p.y, p.score, -1], 4 * k));
    const score = best.reduce((sum, p) => sum + (p?.score ?? 0), 0) / Math.max(1, best.length);
    const unique = (uniquePeaks ?? []).map((p) => p[0] ?? null);
    return { animals: [{ keypoints, score, links: 0 }], unique, peaks, peakIdentity };
  }
  const paf = frameSlice(arrays, 'paf', index);
  const costs = paf && info.pafGraph.length > 0 ? edgeAffinities(paf.data, paf.Ho, paf.Wo, info.pafGraph, peaks, info.stride) : [];
  const result = assemble(
    { peaksPerPart: peaks, uniquePeaksPerPart: uniquePeaks, identity: peakIdentity, costs, graph: info.pafGraph },
    { ...options, maxIndividuals },
  );
  return { animals: result.animals, unique: result.unique, peaks, peakIdentity };
}
