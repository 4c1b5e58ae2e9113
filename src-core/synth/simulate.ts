import { createPoseArray, poseOffset } from '../common/pose';
import { Random } from '../common/random';
import { MOUSE_SHAPE, NECK_ARC, TAIL_END_ARC, bodypartAnchors } from './anatomy';
import { animalCapsules, insideCapsules, type Capsule } from './geometry';
import { landmarkPositions, WALL_THICKNESS } from './landmarks';
import { createAnimal, stepAnimals, type AnimalState, type Arena } from './motion';
import {
  defaultBodyparts,
  defaultIndividuals,
  defaultUniqueBodyparts,
  resolveSynthOptions,
  type SynthOptions,
} from './options';
import { AnchorPlacer } from './placement';
import { discOffset, type SynthScene } from './scene';

/** Animals differ a little in size, not in looks: identity can't be read off appearance. */
const SCALE_RANGE = [0.93, 1.07] as const;
/** Simulated seconds before frame 0, so bodies start out bent rather than straight. */
const WARM_UP_SECONDS = 1;
/** Distance from the neck to the farthest keypoint ahead of it (snout, ears), scale 1, plus slack. */
const HEAD_REACH = NECK_ARC + 4;

/** The box the neck stays in: inside the walls by at least a head's length. */
function arenaFor(width: number, height: number): Arena {
  const margin = WALL_THICKNESS + HEAD_REACH * SCALE_RANGE[1] + 2;
  return { left: margin, top: margin, right: width - margin, bottom: height - margin };
}

function inside(arena: Arena, x: number, y: number): boolean {
  return x >= arena.left && x <= arena.right && y >= arena.top && y <= arena.bottom;
}

/** Random non-overlapping starting places with the whole (straight) body inside the arena. */
function placeAnimals(arena: Arena, scales: number[], random: Random): AnimalState[] {
  const animals: AnimalState[] = [];
  for (const scale of scales) {
    const bodyLength = (TAIL_END_ARC - NECK_ARC) * scale;
    for (let attempt = 0; ; attempt++) {
      const x = random.uniform(arena.left, arena.right);
      const y = random.uniform(arena.top, arena.bottom);
      const heading = random.uniform(-Math.PI, Math.PI);
      const tailEndX = x - Math.cos(heading) * bodyLength;
      const tailEndY = y - Math.sin(heading) * bodyLength;
      if (!inside(arena, tailEndX, tailEndY)) continue;
      // Crowded small arenas may have no free spot: after enough tries, overlapping is allowed.
      const crowded = animals.some((other) => Math.hypot(other.x - x, other.y - y) < bodyLength);
      if (crowded && attempt < 500) continue;
      animals.push(createAnimal(x, y, heading, scale));
      break;
    }
  }
  return animals;
}

/** The head's direction: the body's direction at the neck turned by the head yaw. */
function headPose(animal: AnimalState) {
  const body = AnchorPlacer.neckDirection(animal.trail, animal.scale) ?? {
    x: Math.cos(animal.heading),
    y: Math.sin(animal.heading),
  };
  const cos = Math.cos(animal.headYaw);
  const sin = Math.sin(animal.headYaw);
  return { neckX: animal.x, neckY: animal.y, headX: body.x * cos - body.y * sin, headY: body.x * sin + body.y * cos };
}

/** Marks keypoints that lie under an animal drawn later (higher up) as invisible. */
function markOcclusions(scene: SynthScene, frame: number): void {
  const { poses, unique, drawOrder } = scene;
  const capsules: Capsule[][] = scene.individuals.map((_, animal) => animalCapsules(scene, frame, animal));
  drawOrder.forEach((animal, layer) => {
    const above = drawOrder.slice(layer + 1).map((other) => capsules[other]);
    for (let part = 0; part < poses.bodyparts.length; part++) {
      const offset = poseOffset(poses, frame, animal, part);
      const hidden = above.some((shape) => insideCapsules(shape, poses.data[offset], poses.data[offset + 1]));
      poses.data[offset + 2] = hidden ? 0 : 1;
    }
  });
  // Landmarks are painted on the floor, under every animal.
  for (let part = 0; part < unique.bodyparts.length; part++) {
    const offset = poseOffset(unique, frame, 0, part);
    const hidden = capsules.some((shape) => insideCapsules(shape, unique.data[offset], unique.data[offset + 1]));
    unique.data[offset + 2] = hidden ? 0 : 1;
  }
}

/**
 * Simulates the animals and returns the scene: ground-truth poses with visibility, landmark
 * positions, and the outlines the renderer draws. Pure function of the options.
 */
export function simulateScene(partial: Partial<SynthOptions> = {}): SynthScene {
  const options = resolveSynthOptions(partial);
  const { width, height, fps, frames, seed } = options;
  const random = new Random(seed);
  const individuals = defaultIndividuals(options.animals);
  const bodyparts = defaultBodyparts(options.keypoints);
  const uniqueBodyparts = defaultUniqueBodyparts(options.uniqueBodyparts);

  const scales = individuals.map(() => random.uniform(SCALE_RANGE[0], SCALE_RANGE[1]));
  const arena = arenaFor(width, height);
  const animals = placeAnimals(arena, scales, random);
  const drawOrder = individuals.map((_, i) => i);
  for (let i = drawOrder.length - 1; i > 0; i--) {
    const j = random.integer(0, i + 1);
    [drawOrder[i], drawOrder[j]] = [drawOrder[j], drawOrder[i]];
  }

  const poses = createPoseArray(frames, individuals, bodyparts);
  const unique = createPoseArray(frames, ['single'], uniqueBodyparts);
  const discs = MOUSE_SHAPE;
  const scene: SynthScene = {
    options,
    width,
    height,
    fps,
    frames,
    seed,
    individuals,
    bodyparts,
    uniqueBodyparts,
    poses,
    unique,
    drawOrder,
    shapes: { discs, scales, centres: new Float32Array(frames * individuals.length * discs.length * 2) },
  };

  // Keypoints and outline discs are placed together, from one set of anchors per animal.
  const keypointAnchors = bodypartAnchors(bodyparts);
  const placers = scales.map((scale) => new AnchorPlacer([...keypointAnchors, ...discs], scale));
  const placed = new Float64Array(2 * (keypointAnchors.length + discs.length));
  const landmarks = landmarkPositions(uniqueBodyparts.length, width, height, seed);

  const dt = 1 / fps;
  for (let step = Math.round(WARM_UP_SECONDS * fps); step > 0; step--) stepAnimals(animals, arena, random, dt);
  for (let frame = 0; frame < frames; frame++) {
    animals.forEach((animal, index) => {
      placers[index].place(headPose(animal), animal.trail, placed);
      for (let part = 0; part < keypointAnchors.length; part++) {
        const offset = poseOffset(poses, frame, index, part);
        poses.data[offset] = placed[2 * part];
        poses.data[offset + 1] = placed[2 * part + 1];
      }
      const centres = discOffset(scene, frame, index, 0);
      scene.shapes.centres.set(placed.subarray(2 * keypointAnchors.length), centres);
    });
    landmarks.forEach(({ x, y }, part) => {
      const offset = poseOffset(unique, frame, 0, part);
      unique.data[offset] = x;
      unique.data[offset + 1] = y;
    });
    markOcclusions(scene, frame);
    stepAnimals(animals, arena, random, dt);
  }
  return scene;
}
