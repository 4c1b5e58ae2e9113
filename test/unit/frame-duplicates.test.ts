// Near-duplicate detection of extracted frames (src-core/frames/duplicates.ts) on real PNG (and one JPEG) files in
// a temp folder: identical, slightly noisy, shifted and different pictures, with the exact groups asserted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { encodePng } from '../../src-core/common/png';
import { Random } from '../../src-core/common/random';
import {
  DEFAULT_DUPLICATE_THRESHOLD,
  findNearDuplicates,
  frameThumbnail,
  imageThumbnail,
  THUMBNAIL_SIZE,
  thumbnailDistance,
  type FrameThumbnail,
} from '../../src-core/frames/duplicates';
import { temporaryFolder, testFfmpeg } from '../helpers/workspace';

const W = 160;
const H = 120;

/** An arena: a grey gradient floor with a dark "animal" disc at (cx, cy), plus uniform noise of ±`noise` levels. */
function arena(cx: number, cy: number, options: { noise?: number; seed?: number; floor?: number } = {}): Uint8Array {
  const random = new Random(options.seed ?? 1);
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < 14 ** 2;
      const base = inside ? 30 : (options.floor ?? 120) + Math.round((x / W) * 80);
      for (let c = 0; c < 3; c++) {
        const jitter = options.noise ? Math.round(random.uniform(-options.noise, options.noise)) : 0;
        data[(y * W + x) * 3 + c] = Math.max(0, Math.min(255, base + jitter + (c === 2 ? 10 : 0)));
      }
    }
  }
  return data;
}

describe('near-duplicate frames', () => {
  const folder = temporaryFolder('herd-duplicates-');
  const thumbs = new Map<string, FrameThumbnail>();
  const write = (name: string, rgb: Uint8Array) => fs.writeFileSync(path.join(folder, name), encodePng(rgb, W, H));

  before(async () => {
    write('img00.png', arena(40, 60));
    write('img01.png', arena(40, 60)); // identical to img00
    write('img02.png', arena(40, 60, { noise: 6, seed: 3 })); // img00 with sensor noise
    write('img03.png', arena(110, 60)); // the animal elsewhere
    write('img04.png', arena(111, 61, { noise: 4, seed: 9 })); // img03 moved one pixel, noisy
    write('img05.png', arena(75, 30, { floor: 20 })); // a dark scene
    write('img06.png', arena(75, 95)); // the animal at a third place: no duplicate
    // A JPEG copy of img05 (read through ffmpeg): lossy, but the same picture.
    execFileSync(testFfmpeg(), ['-hide_banner', '-loglevel', 'error', '-y', '-i', path.join(folder, 'img05.png'), '-q:v', '3', path.join(folder, 'img07.jpg')]);
    for (const name of fs.readdirSync(folder).sort()) thumbs.set(name, await imageThumbnail(path.join(folder, name)));
  });

  const frames = () => [...thumbs].map(([name, thumbnail]) => ({ name, thumbnail }));

  it('makes 32 × 32 thumbnails in 0‥1; identical files are at distance 0, noise and a JPEG stay far below the threshold', () => {
    const a = thumbs.get('img00.png')!;
    assert.equal(a.cells.length, THUMBNAIL_SIZE * THUMBNAIL_SIZE);
    assert.ok(a.cells.every((v) => v >= 0 && v <= 1));
    assert.equal(thumbnailDistance(a, thumbs.get('img01.png')!), 0);
    assert.ok(thumbnailDistance(a, thumbs.get('img02.png')!) < DEFAULT_DUPLICATE_THRESHOLD / 3, 'noise');
    assert.ok(thumbnailDistance(thumbs.get('img05.png')!, thumbs.get('img07.jpg')!) < DEFAULT_DUPLICATE_THRESHOLD / 2, 'jpeg');
    assert.ok(thumbnailDistance(thumbs.get('img03.png')!, thumbs.get('img04.png')!) < DEFAULT_DUPLICATE_THRESHOLD, 'one pixel on');
    // A moved animal and another scene are clearly apart.
    assert.ok(thumbnailDistance(a, thumbs.get('img03.png')!) > DEFAULT_DUPLICATE_THRESHOLD * 1.5, 'moved');
    assert.ok(thumbnailDistance(a, thumbs.get('img05.png')!) > 0.2, 'other scene');
  });

  it('groups exactly the near-duplicates at the default threshold', () => {
    const { groups, pairs } = findNearDuplicates(frames());
    assert.deepEqual(groups, [
      ['img00.png', 'img01.png', 'img02.png'],
      ['img03.png', 'img04.png'],
      ['img05.png', 'img07.jpg'],
    ]);
    assert.deepEqual(
      pairs.map(([a, b]) => `${a}-${b}`),
      ['img00.png-img01.png', 'img00.png-img02.png', 'img01.png-img02.png', 'img03.png-img04.png', 'img05.png-img07.jpg'],
    );
    assert.ok(pairs.every(([, , d]) => d >= 0 && d < DEFAULT_DUPLICATE_THRESHOLD));
  });

  it('threshold 0 groups nothing (strictly below); a huge one groups everything; groups are transitive', () => {
    assert.deepEqual(findNearDuplicates(frames(), 0).groups, []);
    assert.deepEqual(findNearDuplicates(frames(), 2).groups, [[...thumbs.keys()].sort()]);
    // Exactly the distance of img00–img01 (0) is not below 0; just above it is.
    assert.deepEqual(findNearDuplicates(frames(), 1e-9).groups, [['img00.png', 'img01.png']]);
    // Three pictures in a row, each close to the next but the ends apart: one group through the middle one.
    const row = (shift: number): FrameThumbnail => ({ cells: Float32Array.from({ length: 4 }, (_, i) => (i === 0 ? shift : 0.5)) });
    const chain = findNearDuplicates([{ name: 'c', thumbnail: row(0.08) }, { name: 'a', thumbnail: row(0) }, { name: 'b', thumbnail: row(0.04) }], 0.015);
    assert.ok(thumbnailDistance(row(0), row(0.08)) >= 0.015);
    assert.deepEqual(chain.groups, [['a', 'b', 'c']]);
    assert.deepEqual(chain.pairs.map(([a, b]) => a + b), ['ab', 'bc']);
  });

  it('refuses a negative threshold, names listed twice and short pixel data', () => {
    assert.throws(() => findNearDuplicates(frames(), -1), /threshold/);
    assert.throws(() => findNearDuplicates([...frames(), frames()[0]]), /img00\.png is listed twice/);
    assert.throws(() => frameThumbnail({ width: 4, height: 4, data: new Uint8Array(10) }), /48 bytes/);
  });

  it('images smaller than the grid still give full thumbnails (nearest filled cell)', () => {
    const tiny = frameThumbnail({ width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 255, 255, 255]) });
    assert.ok(tiny.cells.every((v) => v === 0 || v === 1));
    assert.equal(tiny.cells[0], 0);
    assert.equal(tiny.cells[THUMBNAIL_SIZE - 1], 1);
    assert.equal(tiny.cells[THUMBNAIL_SIZE * (THUMBNAIL_SIZE - 1)], 0);
  });
});
