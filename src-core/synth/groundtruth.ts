import { poseOffset, type PoseArray } from '../common/pose';
import { formatDlcCsv, multiAnimalColumns, type DlcTable } from '../io/dlc-csv';
import type { SynthOptions } from './options';
import type { SynthScene } from './scene';

/** Ground truth is written to 1/100 px, as DeepLabCut rounds its training coordinates. */
function roundCoordinate(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * The scene's ground truth as a DeepLabCut multi-animal table: coords x, y for each individual and
 * bodypart, then the landmarks under `single`; one row per frame, indexed by frame number. Hidden
 * (occluded) points keep their true positions; the sidecar says which ones are hidden.
 */
export function groundTruthTable(scene: SynthScene, scorer: string): DlcTable {
  const { poses, unique, frames } = scene;
  const columns = multiAnimalColumns(scene.individuals, scene.bodyparts, scene.uniqueBodyparts, ['x', 'y']);
  const values = new Float64Array(frames * columns.length);
  let cursor = 0;
  const copyPoint = (pose: PoseArray, frame: number, individual: number, bodypart: number) => {
    const offset = poseOffset(pose, frame, individual, bodypart);
    values[cursor++] = roundCoordinate(pose.data[offset]);
    values[cursor++] = roundCoordinate(pose.data[offset + 1]);
  };
  for (let frame = 0; frame < frames; frame++) {
    for (let individual = 0; individual < scene.individuals.length; individual++) {
      for (let part = 0; part < scene.bodyparts.length; part++) copyPoint(poses, frame, individual, part);
    }
    for (let part = 0; part < scene.uniqueBodyparts.length; part++) copyPoint(unique, frame, 0, part);
  }
  const index = Array.from({ length: frames }, (_, frame) => [String(frame)]);
  return { scorer, columns, index, values };
}

export function groundTruthCsv(scene: SynthScene, scorer: string): string {
  return formatDlcCsv(groundTruthTable(scene, scorer));
}

/** What the CSV cannot say: which points are hidden, and how the scene was made. */
export interface SynthSidecar {
  format: 'herd-synth-groundtruth';
  version: 1;
  /** The options that reproduce the scene (seed included). */
  options: SynthOptions;
  seed: number;
  width: number;
  height: number;
  fps: number;
  frames: number;
  scorer: string;
  individuals: string[];
  bodyparts: string[];
  uniqueBodyparts: string[];
  /** Animal indices from the bottom layer to the top. */
  drawOrder: number[];
  /** Size factor of each animal. */
  scales: number[];
  /** [frame][individual][bodypart]: 1 visible, 0 hidden under an animal drawn on top. */
  visibility: number[][][];
  /** [frame][unique bodypart], likewise. */
  uniqueVisibility: number[][];
}

function visibilityOf(pose: PoseArray, frame: number, individual: number): number[] {
  return pose.bodyparts.map((_, part) => pose.data[poseOffset(pose, frame, individual, part) + 2]);
}

export function groundTruthSidecar(scene: SynthScene, scorer: string): SynthSidecar {
  const frames = Array.from({ length: scene.frames }, (_, frame) => frame);
  return {
    format: 'herd-synth-groundtruth',
    version: 1,
    options: scene.options,
    seed: scene.seed,
    width: scene.width,
    height: scene.height,
    fps: scene.fps,
    frames: scene.frames,
    scorer,
    individuals: scene.individuals,
    bodyparts: scene.bodyparts,
    uniqueBodyparts: scene.uniqueBodyparts,
    drawOrder: scene.drawOrder,
    scales: scene.shapes.scales,
    visibility: frames.map((frame) => scene.individuals.map((_, individual) => visibilityOf(scene.poses, frame, individual))),
    uniqueVisibility: frames.map((frame) => visibilityOf(scene.unique, frame, 0)),
  };
}

/** The sidecar as compact JSON: one line per frame keeps large files readable and diffable. */
export function formatSidecar(sidecar: SynthSidecar): string {
  const { visibility, uniqueVisibility, ...header } = sidecar;
  const rows = (table: unknown[]) => table.map((row) => `    ${JSON.stringify(row)}`).join(',\n');
  const headerJson = JSON.stringify(header, null, 2).slice(0, -2);
  return `${headerJson},\n  "visibility": [\n${rows(visibility)}\n  ],\n  "uniqueVisibility": [\n${rows(uniqueVisibility)}\n  ]\n}\n`;
}
