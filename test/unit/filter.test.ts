/**
 * `herd filter`: the median filter and the spline against known series and against scipy, the Kalman smoother
 * against the truth of a synthetic scene, and the command on a synthetic project (files read back with pandas).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { filterCommand } from '../../src-core/cli/commands/filter';
import type { CliContext } from '../../src-core/cli/command';
import { formatHelp, parseArgs } from '../../src-core/cli/args';
import { HerdError } from '../../src-core/common/errors';
import { createPoseArray, poseOffset, type PoseArray } from '../../src-core/common/pose';
import { silentProgress } from '../../src-core/common/progress';
import { Random } from '../../src-core/common/random';
import {
  arimaFilterPoses,
  arimaLogLikelihood,
  fitArima,
  filterPoses,
  filterPredictions,
  kalmanFilterPoses,
  medianFilter1d,
  splineFill1d,
  splineFilterPoses,
} from '../../src-core/filter';
import { findPoseTable } from '../../src-core/infer/locate';
import { writePoseTable } from '../../src-core/infer/outputs';
import { readPoseTable } from '../../src-core/io/pose-table';
import { simulateScene } from '../../src-core/synth';
import { createSynthProject, type SynthProject } from '../../src-core/synth/project';
import { PYTHON, readHdfWithPandas, skipWithoutPandas } from '../helpers/pandas';
import { temporaryFolder } from '../helpers/workspace';

const NaN_ = Number.NaN;

function close(actual: ArrayLike<number>, expected: ArrayLike<number | null>, tolerance = 1e-9, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    if (e === null || Number.isNaN(e)) assert.ok(Number.isNaN(actual[i]), `${what}[${i}]: expected NaN, got ${actual[i]}`);
    else assert.ok(Math.abs(actual[i] - e) <= tolerance * Math.max(1, Math.abs(e)), `${what}[${i}]: ${actual[i]} vs ${e}`);
  }
}

describe('median filter (scipy.signal.medfilt)', () => {
  it('takes the median of each zero-padded window', () => {
    close(medianFilter1d([1, 5, 2, 8, 3, 9, 4], 5), [1, 2, 3, 5, 4, 4, 3]);
    close(medianFilter1d([1, 5, 2, 8, 3, 9, 4], 3), [1, 2, 5, 3, 8, 4, 4]);
    // The zero padding pulls the ends of a trajectory far from the origin toward it (scipy's and DeepLabCut's output).
    close(medianFilter1d([300, 301, 302, 303, 304], 5), [300, 301, 302, 302, 302]);
    // Window longer than the series: scipy warns and zero-pads.
    close(medianFilter1d([3, 1, 2], 5), [1, 1, 1]);
    // Window 1 is the identity.
    close(medianFilter1d([4, 2, 7], 1), [4, 2, 7]);
  });

  it('keeps missing samples missing and takes the median of the present data around the others', () => {
    // Windows with a NaN: the present data samples only (no zero padding); an even count averages the middle two.
    close(medianFilter1d([1, 2, 3, NaN_, NaN_, 6, 7, 8, 9], 3), [1, 2, 2.5, NaN_, NaN_, 6.5, 7, 8, 8]);
    close(medianFilter1d([1, NaN_, 2, 8, 3, 9, 4], 5), [1.5, NaN_, 2.5, 5.5, 4, 4, 3]);
    // A point next to a gap at the very start is not dragged to 0.
    close(medianFilter1d([250, NaN_, NaN_, 251, 252, 253], 5), [250, NaN_, NaN_, 252, 252, 251]);
  });

  it('refuses even windows', () => {
    assert.throws(() => medianFilter1d([1, 2, 3], 4), (e: unknown) => e instanceof HerdError && e.code === 'INVALID_OPTION');
  });

  it('filters x and y of every part and leaves the likelihood as it was', () => {
    const poses = createPoseArray(5, ['a'], ['nose']);
    [10, 50, 11, 12, 13].forEach((x, f) => poses.data.set([x, 2 * x, 0.5 + f / 10], poseOffset(poses, f, 0, 0)));
    const out = filterPoses(poses, { filtertype: 'median', windowlength: 3 });
    const column = (c: number) => Array.from({ length: 5 }, (_, f) => out.data[poseOffset(out, f, 0, 0) + c]);
    close(column(0), [10, 11, 12, 12, 12]);
    close(column(1), [20, 22, 24, 24, 24]);
    close(column(2), [0.5, 0.6, 0.7, 0.8, 0.9], 1e-6);
  });
});

describe('spline filter (DeepLabCut columnwise_spline_interp)', () => {
  const cubic = (t: number) => 0.01 * t ** 3 - 0.3 * t ** 2 + 2 * t + 100;

  it('fills gaps up to the window length (a cubic exactly), leaves longer ones and the present points alone', () => {
    const series = Array.from({ length: 30 }, (_, t) => cubic(t));
    const holes = [...[5, 6, 7], ...[14, 15, 16, 17, 18, 19, 20, 21], 0, 1];
    const input = series.map((v, t) => (holes.includes(t) ? NaN_ : v));
    const out = splineFill1d(input, 5);
    const expected = series.map((v, t) => (t >= 14 && t <= 21 ? NaN_ : v));
    // Not-a-knot ends reproduce a cubic exactly, so filled points (and the extrapolated start) are on it.
    close(out, expected, 1e-9, 'spline');
    // maxGap 0: every gap is filled.
    close(splineFill1d(input, 0), series, 1e-9, 'all gaps');
  });

  it('needs more than three present points', () => {
    const input = [1, NaN_, 3, NaN_, 5, NaN_];
    close(splineFill1d(input, 5), input);
  });

  it('gives filled points likelihood 0.01', () => {
    const poses = createPoseArray(8, ['a'], ['nose']);
    for (let f = 0; f < 8; f++) if (f !== 3) poses.data.set([f * 2, f * 3, 0.9], poseOffset(poses, f, 0, 0));
    const out = splineFilterPoses(poses, 2);
    const at = poseOffset(out, 3, 0, 0);
    assert.ok(Math.abs(out.data[at] - 6) < 1e-4 && Math.abs(out.data[at + 1] - 9) < 1e-4, `filled ${out.data[at]}, ${out.data[at + 1]}`);
    assert.ok(Math.abs(out.data[at + 2] - 0.01) < 1e-7);
    assert.ok(Math.abs(out.data[poseOffset(out, 4, 0, 0) + 2] - 0.9) < 1e-7, 'present points keep their likelihood');
  });
});

function scipyAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import scipy.signal, scipy.interpolate'], { encoding: 'utf8' }).status === 0;
}

describe('against scipy', { skip: scipyAvailable() ? false : `skipped: ${PYTHON} cannot import scipy (apt install python3-scipy)` }, () => {
  it('medfilt and CubicSpline gap filling give the same numbers', () => {
    const random = new Random(11);
    const cases: Array<{ series: number[]; kernel: number; maxGap: number }> = [];
    for (const length of [1, 4, 9, 40, 200]) {
      for (const kernel of [1, 3, 5, 7, 11]) {
        cases.push({ series: Array.from({ length }, () => Math.round(random.uniform(0, 500) * 100) / 100), kernel, maxGap: kernel });
      }
    }
    // Gap filling: a wandering series with runs of NaN of several lengths (also at the ends).
    const gappy: number[][] = [];
    for (let k = 0; k < 6; k++) {
      let value = random.uniform(50, 400);
      const series = Array.from({ length: 120 }, () => (value += random.gaussian() * 3));
      for (let g = 0; g < 8; g++) {
        const start = random.integer(0, 119);
        const run = random.integer(1, 9);
        for (let t = start; t < Math.min(120, start + run); t++) series[t] = NaN_;
      }
      gappy.push(series);
    }
    const script = `
import json, sys, warnings
import numpy as np
from scipy import signal
from scipy.interpolate import CubicSpline
warnings.simplefilter("ignore")
data = json.load(sys.stdin)
med = [signal.medfilt(np.array(c["series"], dtype=float), c["kernel"]).tolist() for c in data["median"]]
def fill(col, max_gap):
    col = np.array([np.nan if v is None else v for v in col], dtype=float)
    n = len(col); t = np.arange(n); mask = ~np.isnan(col); out = col.copy()
    if mask.sum() <= 3: return out
    y = CubicSpline(t[mask], col[mask])(t)
    if max_gap > 0:
        edges = np.flatnonzero(np.r_[True, np.diff(mask), True]); counts = np.diff(edges); keep = np.ones(n, bool)
        for i, c, gap in zip(edges[:-1], counts, ~mask[edges[:-1]]):
            if gap and c > max_gap: keep[i:i + c] = False
        y[~keep] = np.nan
    y[y == 0] = np.nan
    filled = ~np.isnan(y)
    out[filled] = y[filled]
    return out
spl = [[None if v != v else v for v in fill(s, g).tolist()] for s in data["spline"] for g in data["gaps"]]
print(json.dumps({"median": med, "spline": spl}))
`;
    const input = JSON.stringify({
      median: cases.map(({ series, kernel }) => ({ series, kernel })),
      spline: gappy.map((s) => s.map((v) => (Number.isNaN(v) ? null : v))),
      gaps: [0, 3, 5],
    });
    const run = spawnSync(PYTHON, ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(run.status, 0, run.stderr);
    const expected = JSON.parse(run.stdout) as { median: number[][]; spline: Array<Array<number | null>> };
    cases.forEach((c, i) => close(medianFilter1d(c.series, c.kernel), expected.median[i], 0, `medfilt(${c.series.length}, ${c.kernel})`));
    let k = 0;
    for (const series of gappy) {
      for (const gap of [0, 3, 5]) close(splineFill1d(series, gap), expected.spline[k++], 1e-7, `spline gap ${gap}`);
    }
  });
});

/** A noisy copy of ground-truth poses: Gaussian noise of `sigma` px, likelihood 0.9. */
function noisy(truth: PoseArray, sigma: number, seed: number): PoseArray {
  const random = new Random(seed);
  const out = createPoseArray(truth.frames, truth.individuals, truth.bodyparts);
  for (let i = 0; i < truth.data.length; i += 3) {
    out.data[i] = truth.data[i] + sigma * random.gaussian();
    out.data[i + 1] = truth.data[i + 1] + sigma * random.gaussian();
    out.data[i + 2] = 0.9;
  }
  return out;
}

function meanError(poses: PoseArray, truth: PoseArray, frames?: number[]): number {
  let sum = 0;
  let n = 0;
  for (const f of frames ?? Array.from({ length: truth.frames }, (_, k) => k)) {
    for (let i = 0; i < truth.individuals.length; i++) {
      for (let b = 0; b < truth.bodyparts.length; b++) {
        const a = poseOffset(poses, f, i, b);
        const t = poseOffset(truth, f, i, b);
        sum += Math.hypot(poses.data[a] - truth.data[t], poses.data[a + 1] - truth.data[t + 1]);
        n++;
      }
    }
  }
  return sum / n;
}

describe('Kalman smoother', () => {
  const scene = simulateScene({ frames: 240, animals: 2, keypoints: 4, seed: 5 });
  const truth = scene.poses;

  it('brings a noisy synthetic trajectory closer to the truth', () => {
    const observed = noisy(truth, 3, 1);
    const smoothed = kalmanFilterPoses(observed);
    const before = meanError(observed, truth);
    const after = meanError(smoothed, truth);
    assert.ok(after < 0.75 * before, `error ${before.toFixed(2)} px → ${after.toFixed(2)} px`);
  });

  it('ignores points below p_bound and fills short gaps', () => {
    const observed = noisy(truth, 2, 2);
    const random = new Random(3);
    const bad: number[] = [];
    for (let f = 5; f < truth.frames - 5; f += random.integer(7, 15)) bad.push(f);
    for (const f of bad) {
      for (let i = 0; i < truth.individuals.length; i++) {
        for (let b = 0; b < truth.bodyparts.length; b++) {
          const at = poseOffset(observed, f, i, b);
          observed.data[at] += 80;
          observed.data[at + 1] -= 60;
          observed.data[at + 2] = 0.0001;
        }
      }
    }
    // A 3-frame hole in one trajectory.
    for (const f of [100, 101, 102]) observed.data.set([NaN_, NaN_, NaN_], poseOffset(observed, f, 0, 0));
    const smoothed = kalmanFilterPoses(observed, { pBound: 0.001, maxGap: 5 });
    const atBad = meanError(smoothed, truth, bad);
    assert.ok(atBad < 4, `error at the low-likelihood frames ${atBad.toFixed(2)} px (they were 100 px off)`);
    assert.ok(Math.abs(smoothed.data[poseOffset(smoothed, bad[0], 0, 0) + 2] - 0.0001) < 1e-9, 'their likelihood is kept');
    for (const f of [100, 101, 102]) {
      const at = poseOffset(smoothed, f, 0, 0);
      const t = poseOffset(truth, f, 0, 0);
      assert.ok(Math.hypot(smoothed.data[at] - truth.data[t], smoothed.data[at + 1] - truth.data[t + 1]) < 6, `gap frame ${f} filled near the truth`);
      assert.ok(Math.abs(smoothed.data[at + 2] - 0.01) < 1e-7);
    }
    // The same points treated as observations (p_bound 0) drag the estimate away.
    assert.ok(meanError(kalmanFilterPoses(observed, { pBound: 0 }), truth, bad) > 5);
  });

  it('leaves long gaps and near-empty trajectories missing', () => {
    const poses = createPoseArray(30, ['a'], ['nose', 'tail']);
    for (let f = 0; f < 30; f++) {
      if (f < 10 || f >= 20) poses.data.set([f, 2 * f, 0.9], poseOffset(poses, f, 0, 0));
      if (f < 2) poses.data.set([f, f, 0.9], poseOffset(poses, f, 0, 1));
    }
    const out = kalmanFilterPoses(poses, { maxGap: 5 });
    assert.ok(Number.isNaN(out.data[poseOffset(out, 15, 0, 0)]), 'a 10-frame gap stays missing');
    assert.ok(Math.abs(out.data[poseOffset(out, 25, 0, 0)] - 25) < 0.5);
    assert.deepEqual(Array.from(out.data.subarray(poseOffset(out, 1, 0, 1), poseOffset(out, 1, 0, 1) + 3)), [1, 1, Math.fround(0.9)]);
  });
});

describe('ARIMA filter (DeepLabCut arima: SARIMAX(ARdegree, 0, MAdegree))', () => {
  /** y_t = 0.7 y_{t−1} − 0.2 y_{t−2} + e_t + 0.4 e_{t−1}, e ~ N(0, 1). */
  function arma21(n: number, seed: number): Float64Array {
    const random = new Random(seed);
    const e = Array.from({ length: n }, () => random.gaussian());
    const y = new Float64Array(n);
    for (let t = 0; t < n; t++) y[t] = (t > 0 ? 0.7 * y[t - 1]! + 0.4 * e[t - 1]! : 0) + (t > 1 ? -0.2 * y[t - 2]! : 0) + e[t]!;
    return y;
  }

  it('recovers the coefficients of a simulated ARMA(2, 1) with missing points', () => {
    const y = arma21(3000, 21);
    const observed = new Uint8Array(y.length).fill(1);
    for (let t = 100; t < 400; t += 4) observed[t] = 0;
    const fit = fitArima(y, observed, 2, 1)!;
    assert.ok(Math.abs(fit.ar[0]! - 0.7) < 0.1 && Math.abs(fit.ar[1]! + 0.2) < 0.1, `AR ${fit.ar}`);
    assert.ok(Math.abs(fit.ma[0]! - 0.4) < 0.1, `MA ${fit.ma}`);
    assert.ok(Math.abs(fit.sigma2 - 1) < 0.1, `sigma² ${fit.sigma2}`);
    assert.equal(fit.observations, 3000 - 75);
    // The optimum: nearby coefficients fit worse.
    for (const [da, dm] of [[0.05, 0], [0, 0.05], [-0.05, 0], [0, -0.05]] as const) {
      const near = arimaLogLikelihood(y, observed, [fit.ar[0]! + da, fit.ar[1]!], [fit.ma[0]! + dm]).logLikelihood;
      assert.ok(near < fit.logLikelihood + 1e-6, `(${da}, ${dm}): ${near} vs ${fit.logLikelihood}`);
    }
    assert.equal(fitArima(y.slice(0, 10), new Uint8Array(10).fill(1), 3, 1), undefined, '10 points are too few');
  });

  it('gives the exact Gaussian likelihood (checked against the dense covariance in numpy)', { skip: skipWithoutPandas() }, () => {
    const y = Array.from(arma21(60, 5));
    const observed = new Uint8Array(60).fill(1);
    for (const t of [0, 7, 8, 9, 30, 59]) observed[t] = 0;
    const [phi, theta] = [0.6, -0.3];
    const ours = arimaLogLikelihood(y, observed, [phi], [theta]);
    const script = `
import json, sys
import numpy as np
d = json.load(sys.stdin)
phi, theta = d["phi"], d["theta"]
y = np.array(d["y"]); keep = np.array(d["observed"], bool)
n = len(y)
g = np.zeros(n)
g[0] = (1 + 2 * phi * theta + theta ** 2) / (1 - phi ** 2)
g[1] = (1 + phi * theta) * (phi + theta) / (1 - phi ** 2)
for k in range(2, n): g[k] = phi * g[k - 1]
S = np.array([[g[abs(i - j)] for j in range(n)] for i in range(n)])[np.ix_(keep, keep)]
z = y[keep]; m = len(z)
q = z @ np.linalg.solve(S, z); s2 = q / m
ll = -0.5 * (m * np.log(2 * np.pi * s2) + np.linalg.slogdet(S)[1] + m)
print(json.dumps({"ll": ll, "s2": s2}))
`;
    const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ phi, theta, y, observed: Array.from(observed) }), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const expected = JSON.parse(run.stdout) as { ll: number; s2: number };
    assert.ok(Math.abs(ours.logLikelihood - expected.ll) < 1e-8 * Math.abs(expected.ll), `${ours.logLikelihood} vs ${expected.ll}`);
    assert.ok(Math.abs(ours.sigma2 - expected.s2) < 1e-9, `${ours.sigma2} vs ${expected.s2}`);
  });

  it('replaces points by one-step predictions that ignore those below p_bound', () => {
    const random = new Random(8);
    const poses = createPoseArray(400, ['a'], ['nose']);
    const truth: number[][] = [];
    let [x, y] = [200, 150];
    for (let f = 0; f < 400; f++) {
      x += 0.8 * Math.sin(f / 20) + 0.3 * random.gaussian();
      y += 0.5 * Math.cos(f / 30) + 0.3 * random.gaussian();
      truth.push([x, y]);
      poses.data.set([x + random.gaussian(), y + random.gaussian(), 0.9], poseOffset(poses, f, 0, 0));
    }
    const bad = [50, 120, 121, 250, 333];
    for (const f of bad) poses.data.set([truth[f]![0]! + 70, truth[f]![1]! - 50, 0.0001], poseOffset(poses, f, 0, 0));
    poses.data.set([NaN_, NaN_, NaN_], poseOffset(poses, 200, 0, 0));
    const out = arimaFilterPoses(poses, { pBound: 0.001, arDegree: 3, maDegree: 1, maxGap: 5 });
    const at = (f: number) => poseOffset(out, f, 0, 0);
    for (const f of [...bad, 200]) {
      const error = Math.hypot(out.data[at(f)]! - truth[f]![0]!, out.data[at(f) + 1]! - truth[f]![1]!);
      assert.ok(error < 6, `frame ${f}: ${error.toFixed(2)} px from the truth`);
    }
    assert.ok(Math.abs(out.data[at(50) + 2]! - 0.0001) < 1e-9, 'likelihood kept');
    assert.ok(Math.abs(out.data[at(200) + 2]! - 0.01) < 1e-7, 'a filled point gets 0.01');
    assert.equal(out.data[at(0)], poses.data[poseOffset(poses, 0, 0, 0)], 'the first frame keeps its value');
  });
});

// ---------------------------------------------------------------------------------------------
// The command

const SCORER = 'DLC_HerdSmall_synthNov25shuffle1_snapshot_3';
const work = temporaryFolder();
let synth: SynthProject;

const context: CliContext = { progress: silentProgress, signal: new AbortController().signal, note: () => {} };
const run = (argv: string[]) => filterCommand.run(parseArgs(filterCommand.spec, argv), context);
const isCode = (code: string, pattern?: RegExp) => (e: unknown) => e instanceof HerdError && e.code === code && (!pattern || pattern.test(e.message));

before(async () => {
  synth = await createSynthProject({
    synth: { frames: 40, width: 192, height: 192, animals: 2, keypoints: 3, seed: 4, uniqueBodyparts: 1 },
    workingDirectory: work,
    labeledFrames: 2,
  });
});

/** A copy of the video in a fresh folder with a tracked table `<video><scorer>_el.h5` of noisy ground truth. */
async function trackedVideo(options: { suffix?: string; csv?: boolean } = {}): Promise<{ video: string; table: string; poses: PoseArray; unique: PoseArray }> {
  const folder = fs.mkdtempSync(path.join(work, 'case-'));
  const video = path.join(folder, 'mice.mp4');
  fs.copyFileSync(synth.videoPath, video);
  const poses = noisy(synth.scene.poses, 2, 7);
  poses.data.set([NaN_, NaN_, NaN_], poseOffset(poses, 12, 1, 2));
  const unique = noisy(synth.scene.unique, 1, 8);
  const table = path.join(folder, `mice${SCORER}${options.suffix ?? '_el'}.h5`);
  await writePoseTable(table, poses, SCORER, { multiAnimal: true, uniqueBodyparts: unique, csv: options.csv ?? false });
  return { video, table, poses, unique };
}

describe('herd filter', () => {
  it('writes <table>_filtered.h5 and .csv that pandas reads as the filtered poses', { skip: skipWithoutPandas() }, async () => {
    const { video, table, poses, unique } = await trackedVideo();
    const result = await run([synth.configPath, video, '--filtertype', 'spline', '--windowlength', '3']);
    const filtered = table.replace(/\.h5$/, '_filtered.h5');
    const data = result.data as unknown as { videos: Array<{ status: string; output: string; csv: string; filled: number }> };
    assert.equal(data.videos[0]!.status, 'filtered');
    assert.equal(data.videos[0]!.output, filtered);
    assert.equal(data.videos[0]!.csv, filtered.replace(/\.h5$/, '.csv'));
    assert.equal(data.videos[0]!.filled, 1, 'the one missing point was filled');
    assert.ok(fs.existsSync(data.videos[0]!.csv));

    const expected = filterPoses(poses, { filtertype: 'spline', windowlength: 3 });
    const expectedUnique = filterPoses(unique, { filtertype: 'spline', windowlength: 3 });
    const view = readHdfWithPandas(filtered);
    assert.deepEqual(view.columnNames, ['scorer', 'individuals', 'bodyparts', 'coords']);
    assert.deepEqual(view.columns[0], [SCORER, poses.individuals[0], poses.bodyparts[0], 'x']);
    assert.deepEqual(view.columns.at(-1), [SCORER, 'single', unique.bodyparts[0], 'likelihood']);
    assert.equal(view.index.length, poses.frames);
    const perFrame = poses.individuals.length * poses.bodyparts.length * 3;
    for (const f of [0, 12, 39]) {
      const row = view.values[f]!;
      close(row.slice(0, perFrame).map((v) => v ?? NaN_), Array.from(expected.data.subarray(f * perFrame, (f + 1) * perFrame)), 1e-6, `frame ${f}`);
      close(row.slice(perFrame).map((v) => v ?? NaN_), Array.from(expectedUnique.data.subarray(f * 3, f * 3 + 3)), 1e-6, `unique ${f}`);
    }
    // Our own reader agrees, and the filled point has likelihood 0.01.
    const back = await readPoseTable(filtered);
    assert.ok(Math.abs(back.poses.data[poseOffset(back.poses, 12, 1, 2) + 2] - 0.01) < 1e-7);
  });

  it('skips videos already filtered unless --overwrite, and honours --no-save-as-csv and --destfolder', async () => {
    const { video, table } = await trackedVideo();
    const filtered = table.replace(/\.h5$/, '_filtered.h5');
    await run([synth.configPath, video, '--no-save-as-csv']);
    assert.ok(fs.existsSync(filtered));
    assert.ok(!fs.existsSync(filtered.replace(/\.h5$/, '.csv')));
    const again = await run([synth.configPath, video]);
    assert.equal((again.data as unknown as { videos: Array<{ status: string }> }).videos[0]!.status, 'skipped');
    assert.match(again.text, /already filtered/);
    const mtime = fs.statSync(filtered).mtimeMs;
    const redone = await run([synth.configPath, video, '--overwrite', '--filtertype', 'kalman']);
    assert.equal((redone.data as unknown as { videos: Array<{ status: string }> }).videos[0]!.status, 'filtered');
    const arima = await run([synth.configPath, video, '--overwrite', '--filtertype', 'arima', '--ARdegree', '2', '--MAdegree', '1']);
    assert.match(arima.text, /ARIMA\(2, 0, 1\)/);
    assert.ok(fs.statSync(filtered).mtimeMs >= mtime);

    // --destfolder: tables looked up (and written) there.
    const dest = fs.mkdtempSync(path.join(work, 'dest-'));
    fs.renameSync(table, path.join(dest, path.basename(table)));
    await assert.rejects(run([synth.configPath, video, '--overwrite']), isCode('POSE_TABLE_NOT_FOUND'));
    await run([synth.configPath, video, '--destfolder', dest]);
    assert.ok(fs.existsSync(path.join(dest, path.basename(filtered))));
  });

  it('finds the table of the track method and the shuffle', async () => {
    const { video, table } = await trackedVideo({ suffix: '_bx' });
    await assert.rejects(run([synth.configPath, video]), isCode('POSE_TABLE_NOT_FOUND', /_el\.h5.*found: .*_bx\.h5/));
    await assert.rejects(run([synth.configPath, video, '--track-method', 'box', '--shuffle', '2']), isCode('POSE_TABLE_NOT_FOUND', /shuffle 2/));
    await run([synth.configPath, video, '--track-method', 'box']);
    assert.ok(fs.existsSync(table.replace(/\.h5$/, '_filtered.h5')));
    await assert.rejects(run([synth.configPath, video, '--track-method', 'kalman']), isCode('INVALID_OPTION', /unknown track method/));
    // The filtered table is not taken for a tracked one, nor are other videos' tables.
    assert.equal(findPoseTable(video, { shuffle: 1, suffix: '_bx' }).file, table);
  });

  it('says clearly what is wrong', async () => {
    const { video, table } = await trackedVideo();
    fs.writeFileSync(table, 'not hdf5 at all');
    await assert.rejects(run([synth.configPath, video]), isCode('HDF5_CORRUPT'));
    fs.writeFileSync(table, Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]));
    await assert.rejects(run([synth.configPath, video]), isCode('HDF5_CORRUPT'));
    await assert.rejects(run([synth.configPath, video, '--filtertype', 'median', '--windowlength', '4']), isCode('INVALID_OPTION', /odd/));
    await assert.rejects(run([synth.configPath, video, '--filtertype', 'arima', '--ARdegree', '0', '--MAdegree', '0']), isCode('INVALID_OPTION', /ARdegree/));
    await assert.rejects(run([synth.configPath, video, '--filtertype', 'mean']), isCode('USAGE'));
    assert.deepEqual(fs.readdirSync(path.dirname(video)).filter((n) => n.includes('_filtered') || n.startsWith('.')), [], 'nothing written');
  });

  it('reads and writes single-animal tables (no track method)', async () => {
    const { video } = await trackedVideo();
    const folder = path.dirname(video);
    const one = createPoseArray(20, ['individual1'], ['nose', 'tail']);
    for (let f = 0; f < 20; f++) {
      one.data.set([f, f, 0.9, 2 * f, 5, 0.8], poseOffset(one, f, 0, 0));
    }
    const table = path.join(folder, `mice${SCORER}.h5`);
    await writePoseTable(table, one, SCORER, { multiAnimal: false });
    // A single-animal config: the same project with multianimalproject false.
    const config = path.join(folder, 'config.yaml');
    fs.writeFileSync(config, fs.readFileSync(synth.configPath, 'utf8').replace(/multianimalproject: true/, 'multianimalproject: false').replace(/^bodyparts:.*$/m, 'bodyparts:\n- nose\n- tail'));
    // A tracker named for a single-animal project is ignored, as DeepLabCut's get_track_method does (VS Code always names one).
    await run([config, video, '--windowlength', '3', '--track-method', 'ellipse']);
    const back = await readPoseTable(table.replace(/\.h5$/, '_filtered.h5'));
    assert.equal(back.multiAnimal, false);
    assert.equal(back.poses.frames, 20);
    close([back.poses.data[poseOffset(back.poses, 0, 0, 0)], back.poses.data[poseOffset(back.poses, 10, 0, 0)]], [0, 10], 1e-6);
  });

  it('--refined filters the table saved by the refinement panel into <…>_el_refined_filtered.h5, without it the tracked one', async () => {
    const { video, table, poses, unique } = await trackedVideo();
    // The refinement panel's save: the identities of animals 0 and 1 exchanged over frames 10–25, beside the original.
    const SWAP = { start: 10, end: 25 };
    const refinedPoses = createPoseArray(poses.frames, poses.individuals, poses.bodyparts);
    refinedPoses.data.set(poses.data);
    const stride = poses.bodyparts.length * 3;
    for (let f = SWAP.start; f <= SWAP.end; f++) {
      refinedPoses.data.set(poses.data.subarray(poseOffset(poses, f, 1, 0), poseOffset(poses, f, 1, 0) + stride), poseOffset(refinedPoses, f, 0, 0));
      refinedPoses.data.set(poses.data.subarray(poseOffset(poses, f, 0, 0), poseOffset(poses, f, 0, 0) + stride), poseOffset(refinedPoses, f, 1, 0));
    }
    const refinedTable = table.replace(/\.h5$/, '_refined.h5');
    await writePoseTable(refinedTable, refinedPoses, SCORER, { multiAnimal: true, uniqueBodyparts: unique, csv: true });

    const help = formatHelp(filterCommand.spec);
    assert.match(help, /--refined +use the table saved by the refinement panel \(<…>_refined\.h5\)/);
    const refined = await run([synth.configPath, video, '--refined', '--windowlength', '5']);
    const data = refined.data as unknown as { videos: Array<{ status: string; input: string; output: string; csv: string }> };
    const output = table.replace(/\.h5$/, '_refined_filtered.h5');
    assert.deepEqual([data.videos[0]!.status, data.videos[0]!.input, data.videos[0]!.output, data.videos[0]!.csv], ['filtered', refinedTable, output, output.replace(/\.h5$/, '.csv')]);
    assert.ok(!fs.existsSync(table.replace(/\.h5$/, '_filtered.h5')), 'the tracked table is not filtered');
    const plain = await run([synth.configPath, video, '--windowlength', '5']);
    assert.equal((plain.data as unknown as { videos: Array<{ input: string; output: string }> }).videos[0]!.input, table);
    assert.equal((plain.data as unknown as { videos: Array<{ output: string }> }).videos[0]!.output, table.replace(/\.h5$/, '_filtered.h5'));

    const fromRefined = await readPoseTable(output);
    const fromTracked = await readPoseTable(table.replace(/\.h5$/, '_filtered.h5'));
    close(fromRefined.poses.data, Array.from(filterPoses(refinedPoses, { filtertype: 'median', windowlength: 5 }).data), 1e-6, 'refined');
    close(fromTracked.poses.data, Array.from(filterPoses(poses, { filtertype: 'median', windowlength: 5 }).data), 1e-6, 'tracked');
    // Inside the swap, animal 0 of the refined output is the median of the tracked animal 1 (and the plain one of animal 0).
    const median = (i: number, f: number) => [...[-2, -1, 0, 1, 2].map((d) => poses.data[poseOffset(poses, f + d, i, 0)]!)].sort((a, b) => a - b)[2]!;
    for (const f of [14, 18]) {
      assert.ok(Math.abs(fromRefined.poses.data[poseOffset(fromRefined.poses, f, 0, 0)]! - median(1, f)) < 1e-6, `refined frame ${f}`);
      assert.ok(Math.abs(fromTracked.poses.data[poseOffset(fromTracked.poses, f, 0, 0)]! - median(0, f)) < 1e-6, `tracked frame ${f}`);
      assert.ok(Math.abs(median(0, f) - median(1, f)) > 5, 'the two animals are apart');
    }
    // Filtered again (skipped unless --overwrite) by name; the refined table is never written over.
    const again = await run([synth.configPath, video, '--refined']);
    assert.equal((again.data as unknown as { videos: Array<{ status: string }> }).videos[0]!.status, 'skipped');
    close((await readPoseTable(refinedTable)).poses.data, Array.from(refinedPoses.data), 1e-6, 'refined table untouched');

    // No refined table: says to refine in VS Code, writes nothing.
    const bare = await trackedVideo();
    await assert.rejects(run([synth.configPath, bare.video, '--refined']), isCode('POSE_TABLE_NOT_FOUND', /_el_refined\.h5.*Herd: Refine Tracklets.*leave out --refined/));
    assert.deepEqual(fs.readdirSync(path.dirname(bare.video)).filter((n) => n.includes('_filtered')), []);
  });

  it('is a library call too', async () => {
    const { video } = await trackedVideo();
    const result = await filterPredictions(synth.configPath, [video], { filtertype: 'median', windowlength: 5, saveAsCsv: false });
    assert.equal(result.trackMethod, 'ellipse');
    assert.equal(result.videos[0]!.csv, undefined);
  });
});
