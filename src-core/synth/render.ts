import { HerdError } from '../common/errors';
import { poseOffset } from '../common/pose';
import type { ShapePart } from './anatomy';
import { renderBackground } from './background';
import { animalCapsules, type Capsule } from './geometry';
import { addSensorNoise, frameNoiseState, gaussianQuantiles } from './noise';
import type { SynthScene } from './scene';

/**
 * Draws a scene's frames as packed RGB24. Every animal looks the same (grey-brown body shaded as a
 * rounded back, darker ears, black eyes, thin pink tail); animals are drawn in the scene's depth
 * order, then sensor noise is added. Pixel (i, j) is centred on the coordinates (i, j).
 */

interface PartStyle {
  rgb: readonly [number, number, number];
  /** Brightness at the rim relative to the midline (shading of a rounded surface seen from above). */
  rimBrightness: number;
}

const PART_STYLES: Record<ShapePart, PartStyle> = {
  tail: { rgb: [178, 142, 134], rimBrightness: 0.8 },
  body: { rgb: [122, 107, 96], rimBrightness: 0.5 },
  ear: { rgb: [84, 60, 60], rimBrightness: 0.75 },
  eye: { rgb: [22, 18, 18], rimBrightness: 1 },
};

/** Parts in drawing order: the tail lies under the body, the ears and eyes on the head. */
const PART_ORDER: readonly ShapePart[] = ['tail', 'body', 'ear', 'eye'];

/** Per-scene data reused across frames. */
interface RenderResources {
  background: Uint8Array;
  noiseQuantiles: Float32Array;
  /** Per-pixel nearest signed distance and relative depth inside a part's bounding box. */
  signed: Float32Array;
  depth: Float32Array;
}

const resourcesByScene = new WeakMap<SynthScene, RenderResources>();

function resourcesFor(scene: SynthScene): RenderResources {
  let resources = resourcesByScene.get(scene);
  if (!resources) {
    const landmarks = scene.uniqueBodyparts.map((_, part) => {
      const offset = poseOffset(scene.unique, 0, 0, part);
      return { x: scene.unique.data[offset], y: scene.unique.data[offset + 1] };
    });
    resources = {
      background: renderBackground(scene.width, scene.height, scene.seed, landmarks),
      noiseQuantiles: gaussianQuantiles(scene.options.noiseSigma),
      signed: new Float32Array(0),
      depth: new Float32Array(0),
    };
    resourcesByScene.set(scene, resources);
  }
  return resources;
}

/** Bounding box of capsules, one pixel of anti-aliasing wider, clipped to the frame. */
function boundsOf(capsules: readonly Capsule[], width: number, height: number) {
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const { x0, y0, r0, x1, y1, r1 } of capsules) {
    left = Math.min(left, x0 - r0, x1 - r1);
    right = Math.max(right, x0 + r0, x1 + r1);
    top = Math.min(top, y0 - r0, y1 - r1);
    bottom = Math.max(bottom, y0 + r0, y1 + r1);
  }
  return {
    left: Math.max(0, Math.floor(left - 1)),
    top: Math.max(0, Math.floor(top - 1)),
    right: Math.min(width - 1, Math.ceil(right + 1)),
    bottom: Math.min(height - 1, Math.ceil(bottom + 1)),
  };
}

/**
 * Paints the union of `capsules` in one style: each pixel takes its nearest capsule's surface, so
 * joined capsules shade as one smooth body, and edges are anti-aliased over one pixel.
 */
function paintPart(
  out: Uint8Array,
  width: number,
  height: number,
  capsules: readonly Capsule[],
  style: PartStyle,
  resources: RenderResources,
): void {
  if (capsules.length === 0) return;
  const box = boundsOf(capsules, width, height);
  const boxWidth = box.right - box.left + 1;
  const boxHeight = box.bottom - box.top + 1;
  if (boxWidth <= 0 || boxHeight <= 0) return;
  if (resources.signed.length < boxWidth * boxHeight) {
    resources.signed = new Float32Array(boxWidth * boxHeight * 2);
    resources.depth = new Float32Array(boxWidth * boxHeight * 2);
  }
  const { signed, depth } = resources;
  signed.fill(Infinity, 0, boxWidth * boxHeight);

  // capsuleDistance (geometry.ts), inlined: this loop runs for every pixel near every animal.
  for (const capsule of capsules) {
    const { x0, y0, r0, x1, y1, r1 } = capsule;
    const dx = x1 - x0;
    const dy = y1 - y0;
    const lengthSquared = dx * dx + dy * dy;
    const inverseLength = lengthSquared > 0 ? 1 / lengthSquared : 0;
    const own = boundsOf([capsule], width, height);
    for (let y = own.top; y <= own.bottom; y++) {
      const row = (y - box.top) * boxWidth - box.left;
      for (let x = own.left; x <= own.right; x++) {
        let t = ((x - x0) * dx + (y - y0) * dy) * inverseLength;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = x - (x0 + t * dx);
        const ey = y - (y0 + t * dy);
        const distance = Math.sqrt(ex * ex + ey * ey);
        const radius = r0 + t * (r1 - r0);
        const surface = distance - radius;
        if (surface < signed[row + x]) {
          signed[row + x] = surface;
          depth[row + x] = distance / radius;
        }
      }
    }
  }

  const [red, green, blue] = style.rgb;
  const rim = style.rimBrightness;
  for (let y = box.top; y <= box.bottom; y++) {
    const row = (y - box.top) * boxWidth - box.left;
    for (let x = box.left; x <= box.right; x++) {
      const surface = signed[row + x];
      if (surface >= 0.5) continue;
      const alpha = surface <= -0.5 ? 1 : 0.5 - surface;
      const relative = depth[row + x];
      const height01 = relative < 1 ? Math.sqrt(1 - relative * relative) : 0;
      const brightness = rim + (1 - rim) * height01;
      const o = (y * width + x) * 3;
      out[o] = out[o] + (red * brightness - out[o]) * alpha + 0.5;
      out[o + 1] = out[o + 1] + (green * brightness - out[o + 1]) * alpha + 0.5;
      out[o + 2] = out[o + 2] + (blue * brightness - out[o + 2]) * alpha + 0.5;
    }
  }
}

/** The frame without animals or noise (floor, walls, landmarks): a copy, RGB24. */
export function sceneBackground(scene: SynthScene): Uint8Array {
  return resourcesFor(scene).background.slice();
}

/** Renders frame `frameIndex` of the scene into `out` (RGB24, `width * height * 3` bytes). */
export function renderFrame(scene: SynthScene, frameIndex: number, out: Uint8Array): void {
  const { width, height } = scene;
  if (out.length !== width * height * 3) {
    throw new HerdError('FRAME_SIZE_MISMATCH', `frame buffer has ${out.length} bytes, expected ${width * height * 3}`);
  }
  if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= scene.frames) {
    throw new HerdError('FRAME_OUT_OF_RANGE', `frame ${frameIndex} is outside 0..${scene.frames - 1}`);
  }
  const resources = resourcesFor(scene);
  out.set(resources.background);
  for (const animal of scene.drawOrder) {
    const capsules = animalCapsules(scene, frameIndex, animal);
    for (const part of PART_ORDER) {
      const ofPart = capsules.filter((capsule) => capsule.part === part);
      paintPart(out, width, height, ofPart, PART_STYLES[part], resources);
    }
  }
  if (scene.options.noiseSigma > 0) {
    addSensorNoise(out, resources.noiseQuantiles, frameNoiseState(scene.seed, frameIndex));
  }
}
