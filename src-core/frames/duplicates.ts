/**
 * Near-duplicate extracted frames (issue 9, the frame grabber's review grid): frames that show practically the same
 * picture are worth labeling once. Each image becomes a small grayscale thumbnail (area average to a fixed
 * 32 × 32 grid, grey levels scaled to 0‥1); two frames differ by the mean absolute difference of their thumbnails
 * (0 = identical, 1 = black against white). Averaging over whole cells makes sensor noise and compression artefacts
 * vanish while a moving animal still counts.
 *
 * Grouping: single linkage over ANY pair — two frames whose distance is below the threshold are in the same group,
 * and groups are closed under that (a–b and b–c close puts a, b, c together even when a–c is not). Groups are
 * listed by their first name, members in name order; frames without a close neighbour are in no group.
 */
import { readImageFile } from '../video/image-file';
import type { RgbImage } from '../io/png-read';

/** Cells per side of the thumbnail. */
export const THUMBNAIL_SIZE = 32;
/** Default threshold: about 4 grey levels of 255 on average over the picture. */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.015;

export interface FrameThumbnail {
  /** THUMBNAIL_SIZE² grey levels in 0‥1, row-major. */
  cells: Float32Array;
}

/** The thumbnail of an RGB24 image: luma (Rec. 601) averaged over a THUMBNAIL_SIZE² grid of equal areas. */
export function frameThumbnail(image: RgbImage, size = THUMBNAIL_SIZE): FrameThumbnail {
  const { width, height, data } = image;
  if (width < 1 || height < 1 || data.length < width * height * 3) throw new Error(`an image of ${width}×${height} needs ${width * height * 3} bytes, got ${data.length}`);
  const sums = new Float64Array(size * size);
  const counts = new Float64Array(size * size);
  // Each pixel goes to the cell its centre falls in (every pixel counted once; cells of a small image may be empty).
  const cellX = new Int32Array(width);
  for (let x = 0; x < width; x++) cellX[x] = Math.min(size - 1, Math.floor(((x + 0.5) * size) / width));
  for (let y = 0; y < height; y++) {
    const row = Math.min(size - 1, Math.floor(((y + 0.5) * size) / height)) * size;
    for (let x = 0, o = y * width * 3; x < width; x++, o += 3) {
      const cell = row + cellX[x];
      sums[cell] += 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2];
      counts[cell] += 1;
    }
  }
  const cells = new Float32Array(size * size);
  for (let i = 0; i < cells.length; i++) cells[i] = counts[i] > 0 ? sums[i] / counts[i] / 255 : Number.NaN;
  // Empty cells (images smaller than the grid) take the nearest filled cell on their row, then column, so any
  // two thumbnails compare cell by cell.
  if (width < size || height < size) fillEmpty(cells, size);
  return { cells };
}

function fillEmpty(cells: Float32Array, size: number): void {
  for (let y = 0; y < size; y++) {
    let last = Number.NaN;
    for (let x = 0; x < size; x++) {
      const v = cells[y * size + x];
      if (Number.isNaN(v)) cells[y * size + x] = last;
      else last = v;
    }
    last = Number.NaN;
    for (let x = size - 1; x >= 0; x--) {
      const v = cells[y * size + x];
      if (Number.isNaN(v)) cells[y * size + x] = last;
      else last = v;
    }
  }
  for (let x = 0; x < size; x++) {
    let last = Number.NaN;
    for (let y = 0; y < size; y++) {
      const v = cells[y * size + x];
      if (Number.isNaN(v)) cells[y * size + x] = last;
      else last = v;
    }
    last = Number.NaN;
    for (let y = size - 1; y >= 0; y--) {
      const v = cells[y * size + x];
      if (Number.isNaN(v)) cells[y * size + x] = last;
      else last = v;
    }
  }
}

/** Mean absolute difference of two thumbnails (0‥1). */
export function thumbnailDistance(a: FrameThumbnail, b: FrameThumbnail): number {
  if (a.cells.length !== b.cells.length) throw new Error(`thumbnails of ${a.cells.length} and ${b.cells.length} cells cannot be compared`);
  let sum = 0;
  for (let i = 0; i < a.cells.length; i++) sum += Math.abs(a.cells[i] - b.cells[i]);
  return sum / a.cells.length;
}

/** Reads an image file (PNG in JS, JPEG and others through ffmpeg) and makes its thumbnail. */
export async function imageThumbnail(file: string, signal?: AbortSignal): Promise<FrameThumbnail> {
  return frameThumbnail(await readImageFile(file, signal));
}

export interface DuplicateGroups {
  /** Groups of at least two names, each in name order, listed by their first name. */
  groups: string[][];
  /** For every pair closer than the threshold: [a, b, distance] with a < b by name. */
  pairs: Array<[string, string, number]>;
}

/**
 * Groups frames whose thumbnails are closer than `threshold` (strictly below; see the module comment: any pair,
 * transitive). Names must be distinct.
 */
export function findNearDuplicates(frames: ReadonlyArray<{ name: string; thumbnail: FrameThumbnail }>, threshold = DEFAULT_DUPLICATE_THRESHOLD): DuplicateGroups {
  if (!(threshold >= 0)) throw new Error(`the duplicate threshold must be a number ≥ 0, got ${threshold}`);
  const sorted = [...frames].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) if (sorted[i].name === sorted[i - 1].name) throw new Error(`frame ${sorted[i].name} is listed twice`);
  const parent = sorted.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const pairs: Array<[string, string, number]> = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const distance = thumbnailDistance(sorted[i].thumbnail, sorted[j].thumbnail);
      if (distance < threshold) {
        pairs.push([sorted[i].name, sorted[j].name, distance]);
        const a = root(i);
        const b = root(j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const byRoot = new Map<number, string[]>();
  sorted.forEach((frame, i) => {
    const r = root(i);
    const group = byRoot.get(r);
    if (group) group.push(frame.name);
    else byRoot.set(r, [frame.name]);
  });
  const groups = [...byRoot.values()].filter((group) => group.length > 1).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { groups, pairs };
}
