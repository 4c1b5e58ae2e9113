import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { argmaxPerPart, cellCentre, detectionErrors, findPeaks, gridShape, Peak, sigmoid } from '../../src-core/model/decode';
import { buildTargets } from '../../src-core/train/targets';

const STD = 7.2801;

/** Gaussian bumps (σ = 8 px) centred on each labeled keypoint of each part, sampled at the cell centres. */
function bumps(kp: Float32Array, groups: number, K: number, Ho: number, Wo: number, stride: number): Float32Array {
  const map = new Float32Array(Ho * Wo * K);
  for (let i = 0; i < Ho; i++) {
    for (let j = 0; j < Wo; j++) {
      for (let a = 0; a < groups; a++) {
        for (let k = 0; k < K; k++) {
          const x = kp[(a * K + k) * 2], y = kp[(a * K + k) * 2 + 1];
          if (Number.isNaN(x)) continue;
          const d2 = (x - cellCentre(j, stride)) ** 2 + (y - cellCentre(i, stride)) ** 2;
          const c = (i * Wo + j) * K + k;
          map[c] = Math.max(map[c], Math.exp(-d2 / 128));
        }
      }
    }
  }
  return map;
}

/** A 1-part map with the given cell values. */
function grid(Ho: number, Wo: number, cells: [number, number, number][]): Float32Array {
  const m = new Float32Array(Ho * Wo);
  for (const [i, j, v] of cells) m[i * Wo + j] = v;
  return m;
}

function peak(x: number, y: number, score: number): Peak {
  return { x, y, score, row: 0, col: 0 };
}

describe('decode', () => {
  it('sigmoid and grid shape', () => {
    const s = sigmoid([0, Math.log(3), -Math.log(3)]);
    assert.equal(s[0], 0.5);
    assert.ok(Math.abs(s[1] - 0.75) < 1e-7 && Math.abs(s[2] - 0.25) < 1e-7);
    assert.deepEqual(gridShape(65, 48, 8), { Ho: 6, Wo: 9 });
    assert.equal(cellCentre(2, 4), 9.5);
  });

  it('round-trip: targets → bump heatmap + locref → findPeaks recovers every keypoint within 1e-4 px', () => {
    const [W, H, S] = [96, 80, 8];
    // 3 animals × 2 parts (one unlabeled), each part's points > 5 cells apart.
    const kp = new Float32Array([
      13.37, 9.81, 70.2, 60.45,
      61.9, 14.6, NaN, NaN,
      30.05, 66.66, 20.3, 30.7,
    ]);
    const t = buildTargets({ keypoints: kp, animals: 3, bodyparts: 2, width: W, height: H, stride: S, graph: [[0, 1]] });
    const heat = bumps(kp, 3, 2, t.Ho, t.Wo, S);
    const peaks = findPeaks(heat, t.Ho, t.Wo, 2, { stride: S, locref: t.locref, locrefStd: STD, nmsRadius: 2 });
    assert.equal(peaks[0].length, 3);
    assert.equal(peaks[1].length, 2);
    for (let k = 0; k < 2; k++) {
      for (let a = 0; a < 3; a++) {
        const x = kp[(a * 2 + k) * 2], y = kp[(a * 2 + k) * 2 + 1];
        if (Number.isNaN(x)) continue;
        const hit = peaks[k].filter((p) => Math.abs(p.x - x) < 1e-4 && Math.abs(p.y - y) < 1e-4);
        assert.equal(hit.length, 1, `part ${k} animal ${a}`);
        // The peak is the cell nearest to the keypoint, scored by the bump there.
        assert.equal(hit[0].col, Math.round((x - 3.5) / 8));
        assert.equal(hit[0].row, Math.round((y - 3.5) / 8));
      }
      for (let n = 1; n < peaks[k].length; n++) assert.ok(peaks[k][n - 1].score >= peaks[k][n].score);
    }
    // Without locref the positions are the cell centres.
    const coarse = findPeaks(heat, t.Ho, t.Wo, 2, { stride: S, nmsRadius: 2 });
    for (const p of coarse.flat()) assert.deepEqual([p.x, p.y], [cellCentre(p.col, S), cellCentre(p.row, S)]);
  });

  it('argmaxPerPart: one refined peak per unique part', () => {
    const uk = new Float32Array([5.25, 40.7, 88.8, 7.1]);
    const t = buildTargets({
      keypoints: new Float32Array(0), animals: 0, bodyparts: 0, width: 96, height: 80, stride: 8, graph: [],
      uniqueKeypoints: uk, uniqueCount: 2,
    });
    const heat = bumps(uk, 1, 2, t.Ho, t.Wo, 8);
    const best = argmaxPerPart(heat, t.Ho, t.Wo, 2, { stride: 8, locref: t.uniqueLocref });
    for (let k = 0; k < 2; k++) {
      assert.ok(Math.abs(best[k]!.x - uk[2 * k]) < 1e-4 && Math.abs(best[k]!.y - uk[2 * k + 1]) < 1e-4);
    }
    assert.ok(Math.abs(best[0]!.score - Math.exp(-((5.25 - 3.5) ** 2 + (40.7 - 43.5) ** 2) / 128)) < 1e-6);
    assert.deepEqual(argmaxPerPart(new Float32Array(0), 0, 0, 1, { stride: 8 }), [null]);
  });

  it('NMS suppresses a neighbour inside the radius and keeps one outside it', () => {
    const m = grid(12, 12, [[1, 1, 0.9], [1, 4, 0.8], [1, 10, 0.7]]);
    const p5 = findPeaks(m, 12, 12, 1, { stride: 8 });
    // (1,4) is 3 cells from (1,1); (1,10)'s window (cols 5–11) holds neither.
    assert.deepEqual(p5[0].map((p) => [p.row, p.col, p.score]), [[1, 1, Math.fround(0.9)], [1, 10, Math.fround(0.7)]]);
    assert.deepEqual(p5[0][0].x, 11.5);
    const p2 = findPeaks(m, 12, 12, 1, { stride: 8, nmsRadius: 2 });
    assert.deepEqual(p2[0].map((p) => p.col), [1, 4, 10]);
    // Diagonal neighbours are inside the square window too.
    const d = findPeaks(grid(12, 12, [[2, 2, 0.5], [6, 6, 0.6]]), 12, 12, 1, { stride: 8, nmsRadius: 4 });
    assert.deepEqual(d[0].map((p) => [p.row, p.col]), [[6, 6]]);
  });

  it('threshold and maxPeaks', () => {
    const m = grid(12, 12, [[0, 0, 0.005], [0, 11, 0.3], [11, 0, 0.6], [11, 11, 0.45]]);
    assert.deepEqual(findPeaks(m, 12, 12, 1, { stride: 1 })[0].map((p) => p.score), [0.6, 0.45, 0.3].map(Math.fround));
    const low = findPeaks(m, 12, 12, 1, { stride: 1, threshold: 0.001 })[0];
    assert.equal(low.length, 4);
    assert.deepEqual([low[3].row, low[3].col], [0, 0]);
    assert.deepEqual(findPeaks(m, 12, 12, 1, { stride: 1, threshold: 0.4 })[0].length, 2);
    const top2 = findPeaks(m, 12, 12, 1, { stride: 1, maxPeaks: 2 })[0];
    assert.deepEqual(top2.map((p) => [p.row, p.col]), [[11, 0], [11, 11]]);
  });

  describe('detectionErrors', () => {
    // 3 animals × 4 parts.
    const N = NaN;
    const gt = new Float32Array([
      0, 0, 10, 10, 0, 0, 0, 0, // animal 0
      100, 0, N, N, 6, 0, 20, 0, // animal 1
      N, N, N, N, N, N, N, N, // animal 2
    ]);
    const peaks: Peak[][] = [
      [peak(3, 4, 0.9), peak(106, 8, 0.5), peak(500, 500, 0.95)], // d 5, d 10, false positive
      [], // part 1: its GT point is missed
      // Both peaks are 5 px from GT (0,0); the optimal pairing is (0,0)–Q and (6,0)–P, 5 px each
      // (pairing (0,0)–P would leave (6,0)–Q at 9.85 px).
      [peak(3, 4, 0.7), peak(-3, -4, 0.4)],
      [peak(20, 3, 0.8)], // 2 GT, 1 peak: (20,0) matched at 3 px, (0,0) missed
    ];

    it('matches optimally and averages Euclidean distances', () => {
      const r = detectionErrors(gt, 3, 4, peaks, 0.6);
      assert.equal(r.matched, 5);
      assert.ok(Math.abs(r.meanError - (5 + 10 + 5 + 5 + 3) / 5) < 1e-9);
      assert.ok(Math.abs(r.meanErrorPcutoff - (5 + 5 + 3) / 3) < 1e-9); // drops the 0.5 and 0.4 detections
      assert.equal(r.missed, 2);
      assert.equal(r.falsePositives, 1);
    });

    it('maxDistance forbids far pairs', () => {
      const r = detectionErrors(gt, 3, 4, peaks, 0.6, { maxDistance: 8 });
      assert.equal(r.matched, 4); // the 10 px pair goes
      assert.ok(Math.abs(r.meanError - 18 / 4) < 1e-9);
      assert.equal(r.missed, 3);
      assert.equal(r.falsePositives, 2);
      // GT A (0,0), B (10,0); peaks P (1,0), Q (0,9). A–P + B–Q = 1 + 13.45 is the cheaper total, but B–Q is
      // forbidden, so the assignment maximises valid matches first: A–Q + B–P, 9 px each.
      const two = detectionErrors(new Float32Array([0, 0, 10, 0]), 2, 1, [[peak(1, 0, 1), peak(0, 9, 1)]], 0.5, { maxDistance: 10 });
      assert.deepEqual([two.matched, two.meanError, two.missed, two.falsePositives], [2, 9, 0, 0]);
    });

    it('empty inputs give NaN means and plain counts', () => {
      const r = detectionErrors(gt, 3, 4, [[], [], [], []], 0.6);
      assert.ok(Number.isNaN(r.meanError) && Number.isNaN(r.meanErrorPcutoff));
      assert.deepEqual([r.matched, r.missed, r.falsePositives], [0, 7, 0]);
      const cut = detectionErrors(gt, 3, 4, [[peak(3, 4, 0.1)], [], [], []], 0.6);
      assert.equal(cut.meanError, 5);
      assert.ok(Number.isNaN(cut.meanErrorPcutoff));
    });
  });
});
