/**
 * Training data: the labeled images of a shuffle as pose samples, and batches of augmented network inputs with
 * their head targets (float32 NHWC, ready to become tensors).
 */
import * as path from 'node:path';
import { concatFloat32 } from '../common/arrays';
import { HerdError } from '../common/errors';
import type { ProgressReporter } from '../common/progress';
import { ProgressCounter, silentProgress } from '../common/progress';
import type { LoadedShuffle } from '../dataset';
import type { LabelTable } from '../labels/table';
import { readImageFile } from '../video';
import { imageToTensor, type Augmenter, type PoseSample } from './augment';
import type { RgbImage } from './augment/image';
import { buildTargets } from './targets';

/** What the heads learn and how targets are drawn (from the project and pytorch_config.yaml). */
export interface TargetSetup {
  bodyparts: string[];
  uniqueBodyparts: string[];
  individuals: string[];
  /** PAF edges over `bodyparts` indices (empty: no PAF head). */
  edges: Array<[number, number]>;
  withIdentity: boolean;
  stride: number;
  locrefStd: number;
  posDistThresh: number;
  pafWidth: number;
}

export interface LabeledSample extends PoseSample {
  /** `labeled-data/<video>/<image>`. */
  imagePath: string;
}

/** The keypoints of row `row` of `labels`, in the order of `setup` (individuals × body parts, then unique parts). */
export function sampleKeypoints(labels: LabelTable, row: number, setup: TargetSetup): { keypoints: Float32Array; unique?: Float32Array } {
  const width = labels.columns.length;
  const column = new Map<string, number>();
  labels.columns.forEach((c, i) => column.set(`${c.individual ?? ''}\u0000${c.bodypart}\u0000${c.coord}`, i));
  const read = (individual: string, bodypart: string, coord: 'x' | 'y') => {
    const i = column.get(`${individual}\u0000${bodypart}\u0000${coord}`);
    return i === undefined ? NaN : labels.values[row * width + i]!;
  };
  const individualKey = (individual: string) => (labels.multiAnimal ? individual : '');
  const keypoints = new Float32Array(setup.individuals.length * setup.bodyparts.length * 2);
  setup.individuals.forEach((individual, a) => {
    setup.bodyparts.forEach((bodypart, k) => {
      const at = (a * setup.bodyparts.length + k) * 2;
      keypoints[at] = read(individualKey(individual), bodypart, 'x');
      keypoints[at + 1] = read(individualKey(individual), bodypart, 'y');
    });
  });
  if (setup.uniqueBodyparts.length === 0) return { keypoints };
  const unique = new Float32Array(setup.uniqueBodyparts.length * 2);
  setup.uniqueBodyparts.forEach((bodypart, u) => {
    unique[2 * u] = read('single', bodypart, 'x');
    unique[2 * u + 1] = read('single', bodypart, 'y');
  });
  return { keypoints, unique };
}

/** Reads the images of rows `indices` of the shuffle, with their keypoints. */
export async function loadSamples(
  shuffle: LoadedShuffle,
  indices: readonly number[],
  setup: TargetSetup,
  options: { progress?: ProgressReporter; signal?: AbortSignal; task?: string } = {},
): Promise<LabeledSample[]> {
  const counter = new ProgressCounter(options.progress ?? silentProgress, options.task ?? 'load images', indices.length, 'images');
  const samples: LabeledSample[] = [];
  try {
    for (const index of indices) {
      options.signal?.throwIfAborted();
      const entry = shuffle.images[index];
      if (!entry) throw new HerdError('DATASET_STALE', `the split names image ${index}, which the dataset does not have; recreate the shuffle`, { file: shuffle.splitPath });
      const file = path.join(shuffle.project.root, ...entry.path.split('/'));
      const image = await readImageFile(file, options.signal);
      const { keypoints, unique } = sampleKeypoints(shuffle.labels, index, setup);
      samples.push({
        imagePath: entry.path,
        image,
        keypoints,
        animals: setup.individuals.length,
        bodyparts: setup.bodyparts.length,
        uniqueKeypoints: unique,
      });
      counter.add();
    }
  } finally {
    counter.finish();
  }
  return samples;
}

/** One batch: network input and targets, float32 NHWC. */
export interface Batch {
  size: number;
  height: number;
  width: number;
  images: Float32Array;
  targets: BatchTargets;
}

/** Targets of a batch, each [batch, Ho, Wo, C]; absent when the model has no such head. */
export interface BatchTargets {
  heatmap: Float32Array;
  locref: Float32Array;
  locrefMask: Float32Array;
  paf?: Float32Array;
  uniqueHeatmap?: Float32Array;
  uniqueLocref?: Float32Array;
  uniqueLocrefMask?: Float32Array;
  identity?: Float32Array;
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/**
 * Copies normalised images into one batch buffer, each at the top-left of a canvas `height`×`width` (a multiple of
 * the network's input multiple); the rest is what a black pixel normalises to, like augmentation's padding.
 */
function packImages(images: RgbImage[], height: number, width: number, normalize: (image: RgbImage) => Float32Array): Float32Array {
  const out = new Float32Array(images.length * height * width * 3);
  const black = normalize({ width: 1, height: 1, data: new Uint8Array(3) });
  for (let b = 0; b < images.length; b++) {
    const image = images[b]!;
    const values = normalize(image);
    const base = b * height * width * 3;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const at = base + (y * width + x) * 3;
        if (y < image.height && x < image.width) out.set(values.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3), at);
        else out.set(black, at);
      }
    }
  }
  return out;
}

/**
 * A batch of `samples` as they are (no augmentation) or augmented (`augmenter` with the epoch and each sample's
 * index, so a sample's augmentation depends only on the seed, the epoch and the sample).
 */
export function makeBatch(
  samples: readonly PoseSample[],
  sampleIndices: readonly number[],
  setup: TargetSetup,
  options: { augmenter?: Augmenter; epoch?: number; inputMultiple: number; normalizeImages: boolean },
): Batch {
  const items = sampleIndices.map((index) => {
    const sample = samples[index]!;
    if (!options.augmenter) return { image: sample.image, keypoints: sample.keypoints, unique: sample.uniqueKeypoints };
    const augmented = options.augmenter.augment(sample, options.epoch ?? 0, index);
    return { image: augmented.image, keypoints: augmented.keypoints, unique: augmented.uniqueKeypoints };
  });
  const height = roundUp(Math.max(...items.map((item) => item.image.height)), options.inputMultiple);
  const width = roundUp(Math.max(...items.map((item) => item.image.width)), options.inputMultiple);
  const images = packImages(
    items.map((item) => item.image),
    height,
    width,
    (image) => imageToTensor(image, { normalizeImages: options.normalizeImages, scaleToUnitRange: !options.normalizeImages }),
  );
  const perSample = items.map((item) =>
    buildTargets({
      keypoints: item.keypoints,
      animals: setup.individuals.length,
      bodyparts: setup.bodyparts.length,
      uniqueKeypoints: item.unique,
      uniqueCount: setup.uniqueBodyparts.length,
      width,
      height,
      stride: setup.stride,
      graph: setup.edges,
      posDistThresh: setup.posDistThresh,
      pafWidth: setup.pafWidth,
      locrefStd: setup.locrefStd,
      withIdentity: setup.withIdentity,
    }),
  );
  const stack = (pick: (t: (typeof perSample)[number]) => Float32Array | undefined): Float32Array | undefined => {
    const parts = perSample.map(pick);
    return parts.some((p) => p === undefined) ? undefined : concatFloat32(parts as Float32Array[]);
  };
  const targets: BatchTargets = {
    heatmap: stack((t) => t.heatmap)!,
    locref: stack((t) => t.locref)!,
    locrefMask: stack((t) => t.locrefMask)!,
    paf: setup.edges.length > 0 ? stack((t) => t.paf) : undefined,
    uniqueHeatmap: setup.uniqueBodyparts.length > 0 ? stack((t) => t.uniqueHeatmap) : undefined,
    uniqueLocref: setup.uniqueBodyparts.length > 0 ? stack((t) => t.uniqueLocref) : undefined,
    uniqueLocrefMask: setup.uniqueBodyparts.length > 0 ? stack((t) => t.uniqueLocrefMask) : undefined,
    identity: setup.withIdentity ? stack((t) => t.identity) : undefined,
  };
  return { size: items.length, height, width, images, targets };
}
