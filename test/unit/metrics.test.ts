import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it, test } from 'node:test';
import { isHerdError } from '../../src-core/common/errors';
import { Random } from '../../src-core/common/random';
import {
  keypointErrors,
  matchGreedy,
  meanAveragePrecision,
  objectKeypointSimilarity,
  oksMatrix,
  poolErrors,
  poseScores,
  uniqueErrors,
  type EvalImage,
} from '../../src-core/evaluate';

const N = Number.NaN;
const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
/** Poses from nested lists: [[x, y], ...] per animal, or [[x, y, score], ...] per prediction. */
const poses = (...animals: number[][][]) => Float64Array.from(animals.flat(2));
/** A prediction that copies a GT pose exactly, every keypoint with `score`. */
const exact = (gt: number[][], score: number) => gt.map(([x, y]) => [x, y, score]);

// Box 10 × 20 around the visible keypoints: scale² = 200, k² = (2·0.1)² → 2·scale²·k² = 16.
const TWO = [
  [0, 0],
  [10, 20],
];

describe('objectKeypointSimilarity', () => {
  it('is 1 for a perfect prediction', () => {
    assert.equal(objectKeypointSimilarity(poses(TWO), poses(exact(TWO, 0.9)), 2), 1);
  });

  it('is the mean of exp(−d²/(2·scale²·k²)) for a known offset', () => {
    const pred = poses([
      [3, 4, 1],
      [10, 20, 1],
    ]);
    close(objectKeypointSimilarity(poses(TWO), pred, 2), (Math.exp(-25 / 16) + 1) / 2);
    // Per-keypoint σ: the offset keypoint has σ 0.2 → k² = 0.16, 2·200·0.16 = 64.
    close(objectKeypointSimilarity(poses(TWO), pred, 2, { sigma: [0.2, 0.1] }), (Math.exp(-25 / 64) + 1) / 2);
    // A 5 px margin grows the box to 20 × 30: 2·600·0.04 = 48.
    close(objectKeypointSimilarity(poses(TWO), pred, 2, { margin: 5 }), (Math.exp(-25 / 48) + 1) / 2);
  });

  it('counts a missing predicted keypoint as 0 and ignores unlabeled GT keypoints', () => {
    const gt = poses([...TWO, [N, N]]);
    const pred = poses([
      [N, N, N],
      [10, 20, 1],
      [500, 500, 1],
    ]);
    assert.equal(objectKeypointSimilarity(gt, pred, 3), 0.5);
  });

  it('is NaN (not counted) when the GT pose has fewer than 2 labeled keypoints', () => {
    const gt = poses([
      [5, 5],
      [N, N],
    ]);
    assert.ok(Number.isNaN(objectKeypointSimilarity(gt, poses(exact([[5, 5], [N, N]], 1)), 2)));
  });

  it('is NaN, as in DLC, when the labeled GT keypoints lie on one horizontal line (box area ≈ 0)', () => {
    const line = [
      [0, 0],
      [10, 0],
    ];
    assert.ok(Number.isNaN(objectKeypointSimilarity(poses(line), poses(exact(line, 1)), 2)));
  });

  it('takes the best of the allowed left/right swaps', () => {
    const gt = [
      [0, 0],
      [10, 0],
      [5, 10],
    ];
    const swapped = poses([
      [10, 0, 1],
      [0, 0, 1],
      [5, 10, 1],
    ]);
    // Box 10 × 10: 2·100·0.04 = 8; keypoints 0 and 1 are 10 px off each.
    close(objectKeypointSimilarity(poses(gt), swapped, 3), (2 * Math.exp(-100 / 8) + 1) / 3);
    assert.equal(objectKeypointSimilarity(poses(gt), swapped, 3, { symmetries: [[0, 1]] }), 1);
  });

  it('builds a predictions × GT matrix', () => {
    const other = [
      [100, 100],
      [110, 120],
    ];
    const matrix = oksMatrix(poses(TWO, other), poses(exact(other, 1)), 2);
    assert.equal(matrix.length, 1);
    assert.equal(matrix[0][1], 1);
    assert.ok(matrix[0][0] < 1e-12);
  });
});

describe('matchGreedy', () => {
  const oks = [
    [0.6, 0.9],
    [0.1, 0.95],
  ];

  it('lets the higher-scored prediction choose first, then takes the best unmatched GT', () => {
    const match = matchGreedy(oks, [0.2, 0.8], 0.5);
    assert.deepEqual([...match.gtIndex], [0, 1]);
    assert.deepEqual([...match.oks], [0.6, 0.95]);
  });

  it('leaves a prediction unmatched when no free GT reaches the threshold', () => {
    assert.deepEqual([...matchGreedy(oks, [0.2, 0.8], 0.7).gtIndex], [-1, 1]);
    // Scores reversed: prediction 0 takes GT 1 first; prediction 1 is left with OKS 0.1.
    assert.deepEqual([...matchGreedy(oks, [0.9, 0.8], 0.5).gtIndex], [1, -1]);
  });

  it('scores a pose by the mean of its keypoint scores, skipping NaN', () => {
    close(poseScores(poses([[0, 0, 0.2], [1, 1, 0.6], [N, N, N]]), 3)[0], 0.4);
  });
});

describe('meanAveragePrecision', () => {
  const A = [
    [0, 0],
    [10, 20],
  ];
  const B = [
    [100, 100],
    [130, 110],
  ];
  const FAR = [
    [400, 400, 0.8],
    [410, 420, 0.8],
  ];

  it('is 100 for perfect predictions on several images', () => {
    const images: EvalImage[] = [
      { gt: poses(A, B), pred: poses(exact(B, 0.7), exact(A, 0.9)) },
      { gt: poses(B), pred: poses(exact(B, 0.5)) },
    ];
    const { mAP, mAR } = meanAveragePrecision(images, 2);
    close(mAP, 100);
    assert.equal(mAR, 100);
  });

  it('follows the precision/recall curve when a false positive outranks a true positive', () => {
    // Ranked: TP (0.9), FP (0.8), TP (0.7); 2 GT poses. Recall .5, .5, 1; precision 1, 1/2, 2/3,
    // made monotone 1, 2/3, 2/3. The 51 recall thresholds 0..0.50 read 1, the 50 above read 2/3.
    const images: EvalImage[] = [
      { gt: poses(A), pred: poses(exact(A, 0.9), FAR) },
      { gt: poses(B), pred: poses(exact(B, 0.7)) },
    ];
    const { mAP, mAR } = meanAveragePrecision(images, 2);
    close(mAP, (100 * (51 + (50 * 2) / 3)) / 101);
    assert.equal(mAR, 100);
  });

  it('averages recall over the OKS thresholds (mAR)', () => {
    // OKS = (exp(−13/16) + 1)/2 ≈ 0.722: a true positive at thresholds 0.50…0.70 only (5 of 10).
    const pred = poses([
      [3, 2, 0.9],
      [10, 20, 0.9],
    ]);
    const { mAP, mAR } = meanAveragePrecision([{ gt: poses(A), pred }], 2);
    close(mAR, 50);
    close(mAP, 50);
    // One of two GT poses found at every threshold: recall 0.5, precision 1 up to recall 0.5.
    const half = meanAveragePrecision([{ gt: poses(A, B), pred: poses(exact(A, 0.9)) }], 2);
    close(half.mAR, 50);
    close(half.mAP, (100 * 51) / 101);
  });

  it('counts only poses with more than one labeled keypoint', () => {
    const single = [
      [50, 50],
      [N, N],
    ];
    const images: EvalImage[] = [{ gt: poses(A, single), pred: poses(exact(A, 0.9), exact(single, 0.95)) }];
    const { mAP, mAR } = meanAveragePrecision(images, 2);
    close(mAP, 100);
    assert.equal(mAR, 100);
  });

  it('uses given pose scores instead of the mean keypoint score', () => {
    const images: EvalImage[] = [
      { gt: poses(A), pred: poses(exact(A, 0.9), FAR), scores: [0.1, 0.95] },
      { gt: poses(B), pred: poses(exact(B, 0.7)) },
    ];
    // FP first: precision 0, 1/2, 2/3 → monotone 2/3 everywhere.
    close(meanAveragePrecision(images, 2).mAP, 200 / 3);
  });

  it('is 0 without predictions', () => {
    assert.deepEqual(meanAveragePrecision([{ gt: poses(A), pred: new Float64Array(0) }], 2), { mAP: 0, mAR: 0 });
  });
});

describe('keypointErrors (DLC "RMSE")', () => {
  const gt = [
    [0, 0],
    [10, 0],
    [0, 10],
  ];
  // Offsets 3-4-5 and 6-8-10 and none: mean 5 (a root-mean-square would be √(125/3) ≈ 6.45).
  const pred = [
    [3, 4, 0.9],
    [16, 8, 0.5],
    [0, 10, 0.7],
  ];
  const other = [
    [200, 200],
    [210, 200],
    [200, 210],
  ];
  const stray = exact(
    [
      [600, 600],
      [610, 600],
      [600, 610],
    ],
    0.3,
  );
  const images: EvalImage[] = [{ gt: poses(gt, other), pred: poses(stray, pred) }];

  it('is the mean Euclidean distance over matched keypoints, with per-part means and counts', () => {
    const errors = keypointErrors(images, 3);
    close(errors.rmse, 5);
    close(errors.rmsePcutoff, 2.5); // default pcutoff 0.6 drops the 10 px keypoint (score 0.5)
    assert.deepEqual(errors.perBodypart, [5, 10, 0]);
    assert.deepEqual(errors.perBodypartPcutoff.map((v) => (Number.isNaN(v) ? null : v)), [5, null, 0]);
    assert.deepEqual([errors.matched, errors.missed, errors.unmatchedPredictions], [1, 1, 1]);
    assert.deepEqual([errors.support, errors.supportPcutoff], [3, 2]);
  });

  it('skips keypoints missing in the prediction or unlabeled in the GT', () => {
    const partial = poses([
      [3, 4, 0.9],
      [N, N, N],
      [0, 10, 0.7],
    ]);
    const gtPartial = poses([[0, 0], [10, 10], [N, N]]);
    const errors = keypointErrors([{ gt: gtPartial, pred: partial }], 3);
    close(errors.rmse, 5);
    assert.equal(errors.support, 1);
  });

  it('takes pcutoff as a number, a per-part list or a name mapping', () => {
    close(keypointErrors(images, 3, { pcutoff: 0.4 }).rmsePcutoff, 5);
    close(keypointErrors(images, 3, { pcutoff: [0.95, 0.4, 0.6] }).rmsePcutoff, 5); // (10 + 0)/2
    close(keypointErrors(images, 3, { pcutoff: [0.5, 0.95, 0.95] }).rmsePcutoff, 5); // only the 3-4-5 one
    const bodyparts = ['nose', 'ear', 'tail'];
    // 'nose' and 'tail' default to 0.6: all three pass.
    close(keypointErrors(images, 3, { pcutoff: { ear: 0.4 }, bodyparts }).rmsePcutoff, 5);
    close(keypointErrors(images, 3, { pcutoff: { nose: 0.5, ear: 0.5, tail: 0.95 }, bodyparts }).rmsePcutoff, 7.5);
  });

  it('rejects a pcutoff mapping with unknown body part names, naming them', () => {
    assert.throws(
      () => keypointErrors(images, 3, { pcutoff: { nose: 0.5, wing: 0.1, fin: 0.2 }, bodyparts: ['nose', 'ear', 'tail'] }),
      (error: unknown) => isHerdError(error) && error.code === 'PCUTOFF_UNKNOWN_BODYPART' && /wing, fin/.test(error.message),
    );
    assert.throws(() => keypointErrors(images, 3, { pcutoff: { nose: 0.5 } }), (error: unknown) => isHerdError(error));
    assert.throws(() => keypointErrors(images, 3, { pcutoff: [0.5, 0.5] }), (error: unknown) => isHerdError(error));
  });
});

describe('uniqueErrors', () => {
  it('compares unique parts 1:1 and pools them with the multi-animal errors', () => {
    const unique = uniqueErrors(
      [
        { gt: poses([[0, 0], [N, N]]), pred: poses([[6, 8, 0.9], [1, 1, 0.9]]) },
        { gt: poses([[5, 5], [9, 9]]), pred: new Float64Array(0) },
      ],
      2,
    );
    assert.deepEqual([unique.errorSum, unique.support, unique.matched, unique.missed], [10, 1, 1, 1]);
    const multi = keypointErrors(
      [{ gt: poses([[0, 0], [10, 10]]), pred: poses([[3, 4, 0.9], [10, 10, 0.2]]) }],
      2,
    );
    const pooled = poolErrors(multi, unique);
    close(pooled.rmse, (5 + 0 + 10) / 3);
    close(pooled.rmsePcutoff, (5 + 10) / 2);
  });

  it('reads its cutoffs from the end of a DLC-style multi + unique list', () => {
    const image = { gt: poses([[0, 0]]), pred: poses([[6, 8, 0.5]]) };
    const options = { bodyparts: ['a', 'b'], uniqueBodyparts: ['feeder'] };
    assert.ok(Number.isNaN(uniqueErrors([image], 1, { ...options, pcutoff: [0.1, 0.1, 0.9] }).rmsePcutoff));
    close(uniqueErrors([image], 1, { ...options, pcutoff: [0.9, 0.9, 0.4] }).rmsePcutoff, 10);
    close(uniqueErrors([image], 1, { ...options, pcutoff: { feeder: 0.4, a: 0.9 } }).rmsePcutoff, 10);
  });
});

/* ----------------------------------------------------------------- pycocotools cross-check */

const PYTHON = '/usr/bin/python3';
const hasPycocotools = spawnSync(PYTHON, ['-c', 'import pycocotools.cocoeval'], { encoding: 'utf8' }).status === 0;

/**
 * pycocotools' keypoint AP with each GT's `area` set to DLC's scale² and sigmas 0.1 is the same
 * computation as DLC's mAP (up to an extra eps in the area), so it must give the same numbers.
 */
const COCO_SCRIPT = `
import contextlib, io, json, sys
import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
data = json.load(sys.stdin)
K = data["K"]
gt = COCO()
anns, dets = [], []
for i, image in enumerate(data["images"]):
    for pose in image["gt"]:
        xy = np.array(pose, dtype=float).reshape(K, 2)
        area = float(np.prod(np.ptp(xy, axis=0) + np.spacing(1)))
        kps = np.concatenate([xy, np.full((K, 1), 2.0)], axis=1).ravel().tolist()
        x0, y0 = xy.min(axis=0); x1, y1 = xy.max(axis=0)
        anns.append(dict(id=len(anns) + 1, image_id=i + 1, category_id=1, iscrowd=0, area=area,
                         bbox=[x0, y0, x1 - x0, y1 - y0], keypoints=kps, num_keypoints=K))
    for pose, score in zip(image["pred"], image["scores"]):
        dets.append(dict(image_id=i + 1, category_id=1, keypoints=pose, score=score))
gt.dataset = dict(info={}, licenses=[], images=[dict(id=i + 1) for i in range(len(data["images"]))],
                  annotations=anns, categories=[dict(id=1, name="animal")])
with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
    gt.createIndex()
    dt = gt.loadRes(dets)
    ev = COCOeval(gt, dt, "keypoints")
    ev.params.kpt_oks_sigmas = np.full(K, 0.1)
    ev.evaluate(); ev.accumulate(); ev.summarize()
print(json.dumps(dict(mAP=100 * ev.stats[0], mAR=100 * ev.stats[5])))
`;

test('mAP and mAR agree with pycocotools on a random case', { skip: hasPycocotools ? false : `skipped: ${PYTHON} cannot import pycocotools` }, () => {
  const random = new Random(7);
  const K = 4;
  const images: EvalImage[] = [];
  const json: Array<{ gt: number[][]; pred: number[][]; scores: number[] }> = [];
  for (let i = 0; i < 6; i++) {
    const gtPoses: number[][] = [];
    const predPoses: number[][] = [];
    const animals = random.integer(1, 4);
    for (let a = 0; a < animals; a++) {
      const cx = random.uniform(50, 500);
      const cy = random.uniform(50, 500);
      const pose = Array.from({ length: K }, () => [cx + random.uniform(-30, 30), cy + random.uniform(-30, 30)]);
      gtPoses.push(pose.flat());
      if (random.next() < 0.8) predPoses.push(pose.flatMap(([x, y]) => [x + random.gaussian() * 4, y + random.gaussian() * 4, random.next()]));
    }
    if (random.next() < 0.5) predPoses.push(Array.from({ length: K }, () => [random.uniform(0, 600), random.uniform(0, 600), random.next()]).flat());
    const scores = predPoses.map(() => random.next());
    images.push({ gt: Float64Array.from(gtPoses.flat()), pred: Float64Array.from(predPoses.flat()), scores });
    json.push({ gt: gtPoses, pred: predPoses, scores });
  }
  const run = spawnSync(PYTHON, ['-c', COCO_SCRIPT], { input: JSON.stringify({ K, images: json }), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const expected = JSON.parse(run.stdout) as { mAP: number; mAR: number };
  const actual = meanAveragePrecision(images, K);
  close(actual.mAP, expected.mAP, 1e-6);
  close(actual.mAR, expected.mAR, 1e-6);
});
