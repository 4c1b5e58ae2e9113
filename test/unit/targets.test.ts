import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellCentre } from '../../src-core/model/decode';
import { buildTargets, TargetInput } from '../../src-core/train/targets';

const STD = 7.2801;
const R = 17;
const W = 64;
const H = 48;
const S = 8;
const Wo = 8;
const Ho = 6;

/** 2 animals × 3 parts; part 0 of the two animals is 10.8 px apart, so their plateaus overlap. */
const KP = new Float32Array([
  10.3, 12.7, 30.2, 20.1, NaN, NaN, // animal 0, part 2 unlabeled
  20.6, 15.2, 50.1, 35.4, 40, 40, // animal 1
]);
const GRAPH: [number, number][] = [[0, 1], [0, 2], [1, 2]];

function input(extra: Partial<TargetInput> = {}): TargetInput {
  return { keypoints: KP, animals: 2, bodyparts: 3, width: W, height: H, stride: S, graph: GRAPH, ...extra };
}

function point(kp: Float32Array, K: number, a: number, k: number): [number, number] | null {
  const x = kp[(a * K + k) * 2];
  const y = kp[(a * K + k) * 2 + 1];
  return Number.isNaN(x) ? null : [x, y];
}

/** Brute force over every cell: plateau membership and the nearest keypoint of each part. */
function checkPlateauAndLocref(kp: Float32Array, groups: number, K: number, heat: Float32Array, locref: Float32Array, mask: Float32Array) {
  let on = 0;
  for (let i = 0; i < Ho; i++) {
    for (let j = 0; j < Wo; j++) {
      const cx = cellCentre(j, S);
      const cy = cellCentre(i, S);
      const cell = i * Wo + j;
      for (let k = 0; k < K; k++) {
        let best: [number, number] | null = null;
        let bestD = Infinity;
        for (let a = 0; a < groups; a++) {
          const p = point(kp, K, a, k);
          if (!p) continue;
          const d = Math.hypot(p[0] - cx, p[1] - cy);
          if (d <= R && d < bestD) [best, bestD] = [p, d];
        }
        assert.equal(heat[cell * K + k], best ? 1 : 0, `heat cell ${i},${j} part ${k}`);
        const o = cell * 2 * K + 2 * k;
        assert.equal(mask[o], best ? 1 : 0);
        assert.equal(mask[o + 1], best ? 1 : 0);
        if (best) {
          on++;
          assert.ok(Math.abs(cx + locref[o] * STD - best[0]) < 1e-4, `locref x at ${i},${j},${k}`);
          assert.ok(Math.abs(cy + locref[o + 1] * STD - best[1]) < 1e-4, `locref y at ${i},${j},${k}`);
        } else {
          assert.equal(locref[o], 0);
          assert.equal(locref[o + 1], 0);
        }
      }
    }
  }
  return on;
}

describe('buildTargets', () => {
  it('uses the shared grid: ceil(W/s) × ceil(H/s) with cell centres at j*s + (s-1)/2', () => {
    const t = buildTargets(input());
    assert.equal(t.Wo, Wo);
    assert.equal(t.Ho, Ho);
    assert.equal(cellCentre(0, 8), 3.5);
    assert.equal(cellCentre(3, 8), 27.5);
    assert.equal(buildTargets(input({ width: 65, height: 41 })).Wo, 9);
    assert.equal(buildTargets(input({ width: 65, height: 41 })).Ho, 6);
    assert.equal(t.heatmap.length, Ho * Wo * 3);
    assert.equal(t.locref.length, Ho * Wo * 6);
    assert.equal(t.paf.length, Ho * Wo * 6);
    assert.equal(t.identity, undefined);
    assert.equal(t.uniqueHeatmap, undefined);
  });

  it('plateaus are exactly the cells within 17 px; locref decodes to the nearest keypoint', () => {
    const t = buildTargets(input());
    const on = checkPlateauAndLocref(KP, 2, 3, t.heatmap, t.locref, t.locrefMask);
    assert.ok(on > 20);
    // Cell (1,1), centre (11.5, 11.5), lies in both part-0 plateaus: animal 0 (1.6 px away) wins.
    const o = (1 * Wo + 1) * 6;
    assert.ok(Math.abs(11.5 + t.locref[o] * STD - 10.3) < 1e-5);
    // Cell (1,2), centre (19.5, 11.5): animal 1 is nearer (3.9 px vs 9.2 px).
    const o2 = (1 * Wo + 2) * 6;
    assert.ok(Math.abs(19.5 + t.locref[o2] * STD - 20.6) < 1e-5);
    assert.ok(Math.abs(11.5 + t.locref[o2 + 1] * STD - 15.2) < 1e-5);
  });

  it('honours posDistThresh and locrefStd', () => {
    const t = buildTargets(input({ posDistThresh: 5, locrefStd: 1 }));
    // Only cell (1,1) (centre (11.5,11.5)) is within 5 px of animal 0's part 0 at (10.3,12.7).
    assert.equal(t.heatmap[(1 * Wo + 1) * 3], 1);
    assert.equal(t.locref[(1 * Wo + 1) * 6], Math.fround(Math.fround(10.3) - 11.5));
    let part0 = 0;
    for (let c = 0; c < Ho * Wo; c++) part0 += t.heatmap[c * 3];
    // Plus cells (1,2) and (2,2), centres (19.5,11.5) and (19.5,19.5): 3.9 and 4.4 px from (20.6,15.2).
    assert.equal(part0, 3);
    assert.equal(t.heatmap[(1 * Wo + 2) * 3], 1);
    assert.equal(t.heatmap[(2 * Wo + 2) * 3], 1);
  });

  it('PAFs: unit vectors inside each limb rectangle, zero outside, averaged where limbs overlap', () => {
    const t = buildTargets(input());
    const C = 6;
    let overlaps = 0;
    let inside = 0;
    for (let e = 0; e < GRAPH.length; e++) {
      const [pa, pb] = GRAPH[e];
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          const px = cellCentre(j, S);
          const py = cellCentre(i, S);
          let sx = 0, sy = 0, n = 0;
          for (let a = 0; a < 2; a++) {
            const A = point(KP, 3, a, pa);
            const B = point(KP, 3, a, pb);
            if (!A || !B) continue;
            const len = Math.hypot(B[0] - A[0], B[1] - A[1]);
            const vx = (B[0] - A[0]) / len, vy = (B[1] - A[1]) / len;
            const along = (px - A[0]) * vx + (py - A[1]) * vy;
            const across = Math.abs((px - A[0]) * vy - (py - A[1]) * vx);
            if (along >= 0 && along <= len && across <= 10) [sx, sy, n] = [sx + vx, sy + vy, n + 1];
          }
          const gx = t.paf[(i * Wo + j) * C + 2 * e];
          const gy = t.paf[(i * Wo + j) * C + 2 * e + 1];
          if (n === 0) {
            assert.equal(gx, 0);
            assert.equal(gy, 0);
            continue;
          }
          inside++;
          assert.ok(Math.abs(gx - sx / n) < 1e-6 && Math.abs(gy - sy / n) < 1e-6, `paf ${e} at ${i},${j}`);
          if (n === 1) assert.ok(Math.abs(Math.hypot(gx, gy) - 1) < 1e-6);
          else {
            overlaps++;
            assert.ok(Math.hypot(gx, gy) < 1); // two non-parallel unit vectors average to less than 1
          }
        }
      }
    }
    assert.ok(inside > 15);
    assert.ok(overlaps >= 1, 'the two animals’ 0→1 limbs should overlap somewhere');
    // Edge 0→2 only exists for animal 1 (animal 0's part 2 is NaN): direction (19.4, 24.8)/31.49.
    const cell = (3 * Wo + 3) * C; // centre (27.5, 27.5), on the limb from (20.6,15.2) to (40,40)
    assert.ok(Math.abs(t.paf[cell + 2] - 19.4 / Math.hypot(19.4, 24.8)) < 1e-6);
    assert.ok(Math.abs(t.paf[cell + 3] - 24.8 / Math.hypot(19.4, 24.8)) < 1e-6);
  });

  it('NaN keypoints and coincident limb ends produce nothing', () => {
    const none = new Float32Array(12).fill(NaN);
    const t = buildTargets(input({ keypoints: none, withIdentity: true }));
    for (const m of [t.heatmap, t.locref, t.locrefMask, t.paf, t.identity!]) assert.ok(m.every((v) => v === 0));
    const same = new Float32Array([20, 20, 20, 20, NaN, 3, NaN, NaN, NaN, NaN, NaN, NaN]);
    const t2 = buildTargets(input({ keypoints: same }));
    assert.ok(t2.paf.every((v) => v === 0)); // zero-length limb; half-labeled point ignored
    for (let c = 0; c < Ho * Wo; c++) assert.equal(t2.heatmap[c * 3 + 2], 0);
  });

  it('identity channel a is the plateau of all keypoints of animal a', () => {
    const t = buildTargets(input({ withIdentity: true }));
    const id = t.identity!;
    assert.equal(id.length, Ho * Wo * 2);
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        for (let a = 0; a < 2; a++) {
          let near = false;
          for (let k = 0; k < 3; k++) {
            const p = point(KP, 3, a, k);
            if (p && Math.hypot(p[0] - cellCentre(j, S), p[1] - cellCentre(i, S)) <= R) near = true;
          }
          assert.equal(id[(i * Wo + j) * 2 + a], near ? 1 : 0);
        }
      }
    }
  });

  it('unique parts get their own heatmap and locref', () => {
    const uk = new Float32Array([5.5, 6.25, NaN, NaN, 60, 44]);
    const t = buildTargets(input({ uniqueKeypoints: uk, uniqueCount: 3 }));
    assert.equal(t.uniqueHeatmap!.length, Ho * Wo * 3);
    const on = checkPlateauAndLocref(uk, 1, 3, t.uniqueHeatmap!, t.uniqueLocref!, t.uniqueLocrefMask!);
    assert.ok(on > 5);
    // A sample without unique labels still gets (empty) unique targets for the unique head.
    const empty = buildTargets(input({ uniqueCount: 2 }));
    assert.ok(empty.uniqueHeatmap!.length === Ho * Wo * 2 && empty.uniqueHeatmap!.every((v) => v === 0));
  });
});
