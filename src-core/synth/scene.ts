import type { PoseArray } from '../common/pose';
import type { ShapeDisc } from './anatomy';
import type { SynthOptions } from './options';

/** The drawn outline of every animal in every frame: the centres of `discs`, scaled per animal. */
export interface SceneShapes {
  discs: readonly ShapeDisc[];
  /** Size factor of each animal (radii are multiplied by it). */
  scales: number[];
  /** [frames, animals, discs, 2] disc centres in pixels. */
  centres: Float32Array;
}

/** A simulated video: ground-truth poses plus what the renderer needs to draw it. */
export interface SynthScene {
  options: SynthOptions;
  width: number;
  height: number;
  fps: number;
  frames: number;
  seed: number;
  individuals: string[];
  bodyparts: string[];
  uniqueBodyparts: string[];
  /** x, y and visibility (1 = visible, 0 = hidden under an animal drawn on top). */
  poses: PoseArray;
  /** Fixed landmarks under the individual `single`, with visibility like `poses`. */
  unique: PoseArray;
  /** Animal indices from the bottom layer to the top one. */
  drawOrder: number[];
  shapes: SceneShapes;
}

/** Offset of a disc centre in `shapes.centres`. */
export function discOffset(scene: SynthScene, frame: number, animal: number, disc: number): number {
  return ((frame * scene.individuals.length + animal) * scene.shapes.discs.length + disc) * 2;
}
