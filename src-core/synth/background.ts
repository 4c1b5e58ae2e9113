import { Random } from '../common/random';
import { LANDMARK_RADIUS, WALL_THICKNESS } from './landmarks';

/**
 * The static part of every frame: a textured arena floor (smooth value noise at a few scales, a
 * faint tile pattern, uneven lighting), dark walls along the edges and the landmark markers.
 * Computed once per scene; texture gives a pose model something other than the animals to ignore.
 */

const FLOOR_RGB = [212, 206, 194] as const;
const WALL_RGB = [72, 74, 80] as const;
/** Cell size (px) and amplitude (grey levels) of each value-noise octave. */
const TEXTURE_OCTAVES = [
  { cell: 64, amplitude: 12 },
  { cell: 16, amplitude: 6 },
  { cell: 4, amplitude: 4 },
] as const;
const TILE_SIZE = 80;
const TILE_LINE_DARKENING = 14;
/** Brightness lost towards the corners (fraction), like a lamp above the arena's centre. */
const VIGNETTE = 0.14;

function smoothstep(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Value noise in [-1, 1]: random values on a lattice, smoothly interpolated. */
function valueNoise(width: number, height: number, cell: number, random: Random): Float32Array {
  const columns = Math.ceil(width / cell) + 2;
  const rows = Math.ceil(height / cell) + 2;
  const lattice = Float32Array.from({ length: columns * rows }, () => random.uniform(-1, 1));
  const noise = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const row = Math.floor(gy);
    const ty = smoothstep(gy - row);
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const column = Math.floor(gx);
      const tx = smoothstep(gx - column);
      const i = row * columns + column;
      const top = lattice[i] + (lattice[i + 1] - lattice[i]) * tx;
      const bottom = lattice[i + columns] + (lattice[i + columns + 1] - lattice[i + columns]) * tx;
      noise[y * width + x] = top + (bottom - top) * ty;
    }
  }
  return noise;
}

/** 1 on a tile seam, fading to 0 a pixel away. */
function tileSeam(coordinate: number): number {
  const offset = Math.abs((coordinate % TILE_SIZE) - TILE_SIZE / 2);
  return Math.max(0, Math.min(1, offset - (TILE_SIZE / 2 - 1.5)));
}

function paintFloor(pixels: Uint8Array, width: number, height: number, seed: number): void {
  const random = new Random(seed ^ 0x0b5c9e77);
  const octaves = TEXTURE_OCTAVES.map(({ cell, amplitude }) => ({
    noise: valueNoise(width, height, cell, random),
    amplitude,
  }));
  const centreX = (width - 1) / 2;
  const centreY = (height - 1) / 2;
  const farthest = centreX * centreX + centreY * centreY;
  for (let y = 0; y < height; y++) {
    const seamY = tileSeam(y);
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let texture = 0;
      for (const { noise, amplitude } of octaves) texture += noise[i] * amplitude;
      texture -= Math.max(seamY, tileSeam(x)) * TILE_LINE_DARKENING;
      const light = 1 - (VIGNETTE * ((x - centreX) ** 2 + (y - centreY) ** 2)) / farthest;
      for (let channel = 0; channel < 3; channel++) {
        pixels[i * 3 + channel] = Math.max(0, Math.min(255, Math.round(FLOOR_RGB[channel] * light + texture)));
      }
    }
  }
}

function paintWalls(pixels: Uint8Array, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const depth = Math.min(x, y, width - 1 - x, height - 1 - y);
      if (depth >= WALL_THICKNESS) continue;
      // The wall's top edge catches more light than its foot.
      const shade = 0.75 + (0.35 * depth) / WALL_THICKNESS;
      for (let channel = 0; channel < 3; channel++) {
        pixels[(y * width + x) * 3 + channel] = Math.round(WALL_RGB[channel] * shade);
      }
    }
  }
}

/** A ringed target: black ring, white disc, black centre dot (anti-aliased by distance). */
function paintLandmark(pixels: Uint8Array, width: number, height: number, cx: number, cy: number): void {
  const reach = LANDMARK_RADIUS + 1;
  for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(height - 1, Math.ceil(cy + reach)); y++) {
    for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(width - 1, Math.ceil(cx + reach)); x++) {
      const distance = Math.hypot(x - cx, y - cy);
      const coverage = Math.max(0, Math.min(1, LANDMARK_RADIUS + 0.5 - distance));
      if (coverage === 0) continue;
      const inRing = distance > LANDMARK_RADIUS - 2.5 || distance < 1.6;
      const value = inRing ? 20 : 245;
      for (let channel = 0; channel < 3; channel++) {
        const o = (y * width + x) * 3 + channel;
        pixels[o] = Math.round(pixels[o] + (value - pixels[o]) * coverage);
      }
    }
  }
}

export function renderBackground(
  width: number,
  height: number,
  seed: number,
  landmarks: ReadonlyArray<{ x: number; y: number }>,
): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  paintFloor(pixels, width, height, seed);
  paintWalls(pixels, width, height);
  for (const { x, y } of landmarks) paintLandmark(pixels, width, height, x, y);
  return pixels;
}
