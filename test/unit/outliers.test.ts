/**
 * Outlier frames: the algorithms on hand-built series, and `herd find-outliers` / `herd extract-outlier-frames` on a
 * synthetic project with real ffmpeg (PNGs, machine labels read back with pandas, then `herd merge-datasets`).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { parseArgs } from '../../src-core/cli/args';
import type { CliContext, Command } from '../../src-core/cli/command';
import { mergeDatasetsCommand } from '../../src-core/cli/commands/conversions';
import { extractOutlierFramesCommand, findOutliersCommand, formatFrameList } from '../../src-core/cli/commands/outliers';
import { HerdError } from '../../src-core/common/errors';
import { createPoseArray, poseOffset, type PoseArray } from '../../src-core/common/pose';
import { silentProgress } from '../../src-core/common/progress';
import { mergeLabels } from '../../src-core/dataset/merge';
import { frameImageName } from '../../src-core/frames';
import { writePoseTable } from '../../src-core/infer/outputs';
import { decodePng } from '../../src-core/io/png-read';
import { readLabels, saveLabels, setPoint } from '../../src-core/labels';
import { findOutliers, uniformAmong, writeMachineLabels, type ExtractOutlierFramesResult, type OutlierSearchResult } from '../../src-core/outliers';
import { editConfig } from '../../src-core/project/edit';
import { loadProject } from '../../src-core/project/load';
import { createSynthProject, type SynthProject } from '../../src-core/synth/project';
import { readFrameRange } from '../../src-core/video';
import { readCsvWithPandas, readHdfWithPandas, skipWithoutPandas } from '../helpers/pandas';
import { temporaryFolder } from '../helpers/workspace';

const NaN_ = Number.NaN;
const isCode = (code: string, pattern?: RegExp) => (e: unknown) => e instanceof HerdError && e.code === code && (!pattern || pattern.test(e.message));

/** 10 frames, one animal, nose and tail; the nose jumps 30 px at frame 4 and back at 5, the tail 15 px at frame 2. */
function handBuilt(): { poses: PoseArray; unique: PoseArray } {
  const poses = createPoseArray(10, ['a'], ['nose', 'tail']);
  for (let f = 0; f < 10; f++) {
    poses.data.set([f === 4 ? 130 : 100, 50, 0.9], poseOffset(poses, f, 0, 0));
    poses.data.set([f >= 2 ? 215 : 200, 80, 0.9], poseOffset(poses, f, 0, 1));
  }
  poses.data[poseOffset(poses, 3, 0, 0) + 2] = 0.005; // unsure
  poses.data[poseOffset(poses, 8, 0, 0) + 2] = 0.01; // not below 0.01
  poses.data.set([NaN_, NaN_, NaN_], poseOffset(poses, 7, 0, 1)); // missing: neither a jump nor unsure
  const unique = createPoseArray(10, ['single'], ['corner']);
  for (let f = 0; f < 10; f++) unique.data.set([f === 9 ? 60 : 10, 10, f === 6 ? 0.001 : 1], poseOffset(unique, f, 0, 0));
  return { poses, unique };
}

describe('outlier algorithms', () => {
  it('jump: a point moving more than epsilon since the frame before', () => {
    const { poses, unique } = handBuilt();
    assert.deepEqual(findOutliers(poses).candidates, [4, 5]);
    assert.deepEqual(findOutliers(poses, { epsilon: 10 }).candidates, [2, 4, 5]);
    assert.deepEqual(findOutliers(poses, { epsilon: 10, comparisonbodyparts: ['tail'] }).candidates, [2]);
    // Unique body parts count when compared (all includes them).
    assert.deepEqual(findOutliers(poses, { unique }).candidates, [4, 5, 9]);
    assert.deepEqual(findOutliers(poses, { unique, comparisonbodyparts: ['corner'] }).candidates, [9]);
    assert.throws(() => findOutliers(poses, { comparisonbodyparts: ['paw'] }), isCode('INVALID_OPTION', /paw/));
  });

  it('uncertain: a likelihood below p_bound (missing points do not count)', () => {
    const { poses, unique } = handBuilt();
    assert.deepEqual(findOutliers(poses, { outlieralgorithm: 'uncertain' }).candidates, [3]);
    assert.deepEqual(findOutliers(poses, { outlieralgorithm: 'uncertain', pBound: 0.02 }).candidates, [3, 8]);
    assert.deepEqual(findOutliers(poses, { outlieralgorithm: 'uncertain', unique }).candidates, [3, 6]);
  });

  it('list: the given frames, sorted and checked', () => {
    const { poses } = handBuilt();
    assert.deepEqual(findOutliers(poses, { outlieralgorithm: 'list', frames2use: [8, 2, 2] }).candidates, [2, 8]);
    assert.throws(() => findOutliers(poses, { outlieralgorithm: 'list', frames2use: [10] }), isCode('INVALID_OPTION', /frames 0 to 9/));
    assert.throws(() => findOutliers(poses, { outlieralgorithm: 'list' }), isCode('INVALID_OPTION'));
  });

  it("keeps candidates within config.yaml's start and stop", () => {
    const { poses } = handBuilt();
    const result = findOutliers(poses, { outlieralgorithm: 'list', frames2use: [0, 2, 3, 5, 7, 8, 9], start: 0.3, stop: 0.8 });
    assert.deepEqual(result.range, { first: 3, end: 8 });
    assert.deepEqual(result.found, [0, 2, 3, 5, 7, 8, 9]);
    assert.deepEqual(result.candidates, [3, 5, 7]);
    // The other algorithms search the table cut to the range, as DeepLabCut: the range's first frame has no
    // frame before it, so it is not a jump.
    assert.deepEqual(findOutliers(poses, { start: 0.4 }).candidates, [5]);
    assert.deepEqual(findOutliers(poses, { start: 0.5 }).candidates, []);
    assert.deepEqual(findOutliers(poses, { outlieralgorithm: 'uncertain', start: 0.4 }).candidates, []);
  });

  it('fitting: frames far from a smooth fit, or the 2 × numframes2pick farthest', () => {
    const poses = createPoseArray(100, ['a', 'b'], ['nose']);
    for (let f = 0; f < 100; f++) {
      poses.data.set([50 + 1.5 * f + 0.3 * Math.sin(f), 40 + 0.5 * f, 0.9], poseOffset(poses, f, 0, 0));
      poses.data.set([300 - f, 200 + 0.2 * Math.cos(f / 3), 0.9], poseOffset(poses, f, 1, 0));
    }
    for (const f of [20, 60, 80]) poses.data[poseOffset(poses, f, 0, 0)] += 90; // detections far off the path
    // Three frames exceed epsilon (mean over the two animals: 45 px), at least 2 × numframes2pick: just those.
    const exceeding = findOutliers(poses, { outlieralgorithm: 'fitting', epsilon: 20, numframes2pick: 1 });
    assert.deepEqual(exceeding.found, [20, 60, 80]);
    const d = exceeding.deviation!;
    assert.ok(Math.abs(d[60]! - 45) < 2, `deviation ${d[60]}`);
    // numframes2pick 10: too few exceed epsilon, so the 20 farthest are taken.
    const many = findOutliers(poses, { outlieralgorithm: 'fitting', epsilon: 20, numframes2pick: 10 });
    assert.equal(many.found.length, 20);
    const cut = Math.min(...many.found.map((f) => d[f]!));
    assert.ok([20, 60, 80].every((f) => many.found.includes(f)));
    assert.ok(Array.from(d.keys()).every((f) => many.found.includes(f) || !(d[f]! > cut)), 'the farthest frames');
    // The filter follows a far point that it trusts a little (the frame after deviates too)…
    assert.ok(d[61]! > 1, `frame after ${d[61]}`);
    // …but not one below p_bound, which is left out of the fit (and still compared).
    for (const f of [20, 60, 80]) poses.data[poseOffset(poses, f, 0, 0) + 2] = 0.001;
    const ignored = findOutliers(poses, { outlieralgorithm: 'fitting', epsilon: 20, numframes2pick: 1 });
    assert.deepEqual(ignored.found, [20, 60, 80]);
    assert.ok(ignored.deviation![61]! < 0.5, `frame after ${ignored.deviation![61]}`);
    // DeepLabCut's model (ARMA per coordinate) finds the same frames.
    const arima = findOutliers(poses, { outlieralgorithm: 'fitting', epsilon: 20, numframes2pick: 1, fitModel: 'arima', arDegree: 2, maDegree: 1 });
    assert.deepEqual(arima.found, [20, 60, 80]);
  });

  it('uniform picks are evenly spread over the candidates', () => {
    assert.deepEqual(uniformAmong([3, 5, 9, 10, 20, 21, 30, 41], 4), [5, 10, 21, 41]);
    assert.deepEqual(uniformAmong([3, 5], 4), [3, 5]);
    assert.equal(formatFrameList([1, 2, 3, 7, 9, 10]), '1-3, 7, 9-10');
  });
});

describe('machine labels file', () => {
  it('writes single-animal tables, keeps earlier rows of the iteration and refuses other layouts', { skip: skipWithoutPandas() }, async () => {
    const folder = path.join(fs.mkdtempSync(path.join(work, 'machine-')), 'labeled-data', 'mouse');
    const poses = createPoseArray(120, ['individual1'], ['nose', 'tail']);
    for (let f = 0; f < 120; f++) poses.data.set([f, f + 0.5, 0.5, 2 * f, 3, 0.25], poseOffset(poses, f, 0, 0));
    const table = { scorer: SCORER, multiAnimal: false, poses };
    const first = await writeMachineLabels(folder, 2, 'mouse', 120, table, [7, 3]);
    assert.deepEqual([first.rows, first.added], [2, 2]);
    const second = await writeMachineLabels(folder, 2, 'mouse', 120, table, [3, 100]);
    assert.deepEqual([second.rows, second.added], [3, 1]);
    const view = readHdfWithPandas(second.h5);
    assert.deepEqual(view.columnNames, ['scorer', 'bodyparts', 'coords']);
    assert.deepEqual(view.columns.map((c) => c.slice(1).join('/')), ['nose/x', 'nose/y', 'nose/likelihood', 'tail/x', 'tail/y', 'tail/likelihood']);
    assert.deepEqual(view.index, [
      ['labeled-data', 'mouse', 'img003.png'],
      ['labeled-data', 'mouse', 'img007.png'],
      ['labeled-data', 'mouse', 'img100.png'],
    ]);
    assert.deepEqual(view.values[2], [100, 100.5, 0.5, 200, 3, 0.25]);
    assert.equal(path.basename(second.csv), 'machinelabels.csv');
    assert.deepEqual(readCsvWithPandas(second.csv, 3, 3).values, view.values);
    const other = { scorer: SCORER, multiAnimal: false, poses: createPoseArray(120, ['individual1'], ['ear']) };
    await assert.rejects(writeMachineLabels(folder, 2, 'mouse', 120, other, [1]), isCode('MACHINE_LABELS_MISMATCH'));
  });
});

// ---------------------------------------------------------------------------------------------
// The commands on a synthetic project

const SCORER = 'DLC_HerdSmall_synthNov25shuffle1_snapshot_3';
const FRAMES = 60;
const work = temporaryFolder();
let synth: SynthProject;
let stem: string;
const context: CliContext = { progress: silentProgress, signal: new AbortController().signal, note: () => {} };
const run = (command: Command, argv: string[]) => command.run(parseArgs(command.spec, argv), context);

/** Ground truth with a 40-px jump of one animal's first body part at `frames` (and back the frame after). */
function tracked(jumps: number[]): PoseArray {
  const poses = createPoseArray(FRAMES, synth.scene.individuals, synth.scene.bodyparts);
  poses.data.set(synth.scene.poses.data);
  for (let i = 2; i < poses.data.length; i += 3) poses.data[i] = 0.95;
  for (const f of jumps) poses.data[poseOffset(poses, f, 0, 0)] += 40;
  return poses;
}

before(async () => {
  synth = await createSynthProject({
    synth: { frames: FRAMES, width: 192, height: 192, animals: 2, keypoints: 3, seed: 9, noiseSigma: 2, uniqueBodyparts: 1 },
    workingDirectory: work,
    labeledFrames: 3,
  });
  stem = path.parse(synth.videoPath).name;
  editConfig(synth.configPath, [{ key: ['numframes2pick'], value: 3 }]);
});

describe('find-outliers and extract-outlier-frames', () => {
  it('lists candidates without writing anything', async () => {
    const folder = fs.mkdtempSync(path.join(work, 'find-'));
    const video = path.join(folder, 'other.mp4');
    fs.copyFileSync(synth.videoPath, video);
    await writePoseTable(path.join(folder, `other${SCORER}_el.h5`), tracked([10, 30]), SCORER, { multiAnimal: true });
    const before = fs.readdirSync(folder).sort();
    const config = fs.readFileSync(synth.configPath, 'utf8');
    const result = await run(findOutliersCommand, [synth.configPath, video, '--epsilon', '30']);
    const data = result.data as unknown as OutlierSearchResult;
    assert.deepEqual(data.videos[0]!.candidates, [10, 11, 30, 31]);
    assert.match(result.text, /4 candidate frame\(s\) of 60 \(jump\): 10-11, 30-31/);
    assert.deepEqual(fs.readdirSync(folder).sort(), before);
    assert.equal(fs.readFileSync(synth.configPath, 'utf8'), config);
    await assert.rejects(run(findOutliersCommand, [synth.configPath, video, '--track-method', 'box']), isCode('POSE_TABLE_NOT_FOUND', /_bx/));
    await assert.rejects(run(findOutliersCommand, [synth.configPath, video, '--outlieralgorithm', 'manual']), isCode('USAGE'));
  });

  it('--refined searches the table saved by the refinement panel', async () => {
    const folder = fs.mkdtempSync(path.join(work, 'refined-'));
    const video = path.join(folder, 'other.mp4');
    fs.copyFileSync(synth.videoPath, video);
    const table = path.join(folder, `other${SCORER}_el.h5`);
    await writePoseTable(table, tracked([10, 30]), SCORER, { multiAnimal: true });
    await assert.rejects(run(findOutliersCommand, [synth.configPath, video, '--epsilon', '30', '--refined']), isCode('POSE_TABLE_NOT_FOUND', /_el_refined\.h5.*Herd: Refine Tracklets/));
    // The panel fixed the jump at frame 10 and saved beside the tracked table.
    await writePoseTable(table.replace(/\.h5$/, '_refined.h5'), tracked([30]), SCORER, { multiAnimal: true });
    const refined = (await run(findOutliersCommand, [synth.configPath, video, '--epsilon', '30', '--refined'])).data as unknown as OutlierSearchResult;
    assert.equal(refined.videos[0]!.table, table.replace(/\.h5$/, '_refined.h5'));
    assert.deepEqual(refined.videos[0]!.candidates, [30, 31]);
    const plain = (await run(findOutliersCommand, [synth.configPath, video, '--epsilon', '30'])).data as unknown as OutlierSearchResult;
    assert.equal(plain.videos[0]!.table, table);
    assert.deepEqual(plain.videos[0]!.candidates, [10, 11, 30, 31]);
  });

  it('saves the picked frames and their predictions, leaves out frames already extracted, and merge-datasets follows', { skip: skipWithoutPandas() }, async () => {
    const labeled = synth.labeledFrameIndices;
    const jumps = [8, 22, 41, labeled[1]!];
    const poses = tracked(jumps);
    const table = path.join(path.dirname(synth.videoPath), `${stem}${SCORER}_el.h5`);
    const unique = createPoseArray(FRAMES, ['single'], synth.scene.uniqueBodyparts);
    unique.data.set(synth.scene.unique.data);
    await writePoseTable(table, poses, SCORER, { multiAnimal: true, uniqueBodyparts: unique });
    const collected = fs.readFileSync(synth.labelsH5Path);

    const result = await run(extractOutlierFramesCommand, [synth.configPath, synth.videoPath, '--epsilon', '30', '--extractionalgorithm', 'kmeans']);
    const data = result.data as unknown as ExtractOutlierFramesResult;
    const v = data.videos[0]!;
    assert.equal(v.status, 'extracted');
    // Jumps out at f and back at f + 1; the frame already in labeled-data is left out.
    const expectedCandidates = jumps.flatMap((f) => [f, f + 1]).filter((f) => f !== labeled[1]).sort((a, b) => a - b);
    assert.deepEqual(v.candidates, expectedCandidates);
    assert.equal(v.alreadyExtracted, 1);
    assert.equal(v.extracted.length, 3);
    assert.ok(v.extracted.every((f) => expectedCandidates.includes(f)));
    assert.equal(v.addedToConfig, false);
    assert.equal(v.clustering?.k, 3);

    // PNGs named as DeepLabCut names frames, holding the video's frames.
    const frames = await readFrameRange(synth.videoPath, 0, FRAMES);
    for (const f of v.extracted) {
      const file = path.join(synth.labeledFolder, frameImageName(f, FRAMES));
      assert.ok(v.files.includes(file));
      const image = decodePng(fs.readFileSync(file), file)!;
      assert.deepEqual([image.width, image.height], [192, 192]);
      let diff = 0;
      for (let k = 0; k < image.data.length; k++) diff += Math.abs(image.data[k]! - frames[f]!.data[k]!);
      assert.ok(diff / image.data.length < 1, `frame ${f} differs from the video by ${diff / image.data.length}`);
    }
    // The user's labels are untouched.
    assert.ok(fs.readFileSync(synth.labelsH5Path).equals(collected));

    // machinelabels-iter0.h5: the predictions of those frames in the label layout, with likelihood.
    const machine = path.join(synth.labeledFolder, 'machinelabels-iter0.h5');
    assert.equal(v.machineLabels, machine);
    const view = readHdfWithPandas(machine);
    assert.deepEqual(view.columnNames, ['scorer', 'individuals', 'bodyparts', 'coords']);
    assert.deepEqual(view.columns.slice(0, 3), [
      [SCORER, poses.individuals[0], poses.bodyparts[0], 'x'],
      [SCORER, poses.individuals[0], poses.bodyparts[0], 'y'],
      [SCORER, poses.individuals[0], poses.bodyparts[0], 'likelihood'],
    ]);
    assert.deepEqual(view.index, v.extracted.map((f) => ['labeled-data', stem, frameImageName(f, FRAMES)]));
    assert.deepEqual(view.columns.at(-1), [SCORER, 'single', unique.bodyparts[0], 'likelihood']);
    const perFrame = poses.individuals.length * poses.bodyparts.length * 3;
    v.extracted.forEach((f, r) => {
      assert.ok(Math.abs(view.values[r]!.at(-3)! - unique.data[f * 3]!) < 1e-3, 'unique x');
      const expected = Array.from(poses.data.subarray(f * perFrame, (f + 1) * perFrame));
      view.values[r]!.slice(0, perFrame).forEach((value, k) => assert.ok(Math.abs(value! - expected[k]!) < 1e-3, `row ${r} col ${k}`));
    });
    const csv = readCsvWithPandas(path.join(synth.labeledFolder, 'machinelabels.csv'), 4, 3);
    assert.deepEqual(csv.index, view.index);

    // Not refined yet: merge-datasets refuses.
    await assert.rejects(run(mergeDatasetsCommand, [synth.configPath]), isCode('NOT_REFINED'));
    // The user corrects the predictions into CollectedData (what the labeling panel saves)…
    const project = loadProject(synth.configPath);
    const { table: labels } = await readLabels(synth.labelsH5Path, { project });
    v.extracted.forEach((f, r) => {
      const image = `labeled-data/${stem}/${frameImageName(f, FRAMES)}`;
      project.individuals.forEach((individual, i) =>
        project.bodyparts.forEach((bodypart, b) => {
          const k = (i * project.bodyparts.length + b) * 3;
          setPoint(labels, image, individual, bodypart, view.values[r]![k]! - (i === 0 && b === 0 ? 40 : 0), view.values[r]![k + 1]!);
        }),
      );
    });
    await saveLabels(synth.labeledFolder, labels);
    // …then merge-datasets starts the next iteration with the new frames in the training set.
    const merged = await run(mergeDatasetsCommand, [synth.configPath]);
    assert.equal(loadProject(synth.configPath).config.iteration, 1, merged.text);
    const all = await mergeLabels(loadProject(synth.configPath));
    assert.equal(all.table.images.length, labeled.length + 3);

    // The next round writes machinelabels-iter1 and never picks the frames now labeled.
    const second = (await run(extractOutlierFramesCommand, [synth.configPath, synth.videoPath, '--epsilon', '30', '--extractionalgorithm', 'uniform'])).data as unknown as ExtractOutlierFramesResult;
    assert.equal(second.iteration, 1);
    const w = second.videos[0]!;
    assert.ok(w.extracted.every((f) => !v.extracted.includes(f) && !labeled.includes(f)));
    assert.deepEqual(readHdfWithPandas(path.join(synth.labeledFolder, 'machinelabels-iter1.h5')).index.length, w.extracted.length);
  });

  it('adds a video that is not in the project to video_sets', async () => {
    const folder = fs.mkdtempSync(path.join(work, 'new-'));
    const video = path.join(folder, 'newmouse.mp4');
    fs.copyFileSync(synth.videoPath, video);
    await writePoseTable(path.join(folder, `newmouse${SCORER}_el.h5`), tracked([5, 15, 25, 35, 45]), SCORER, { multiAnimal: true });
    const result = (await run(extractOutlierFramesCommand, [synth.configPath, video, '--epsilon', '30', '--extractionalgorithm', 'uniform'])).data as unknown as ExtractOutlierFramesResult;
    const v = result.videos[0]!;
    assert.equal(v.addedToConfig, true);
    // Ten candidates (5 jumps out and back), three evenly spread picks.
    assert.deepEqual(v.extracted, [6, 26, 45]);
    const project = loadProject(synth.configPath);
    assert.ok(Object.keys(project.config.video_sets ?? {}).some((key) => path.basename(key) === 'newmouse.mp4'));
    assert.ok(fs.existsSync(path.join(project.root, 'labeled-data', 'newmouse', 'machinelabels-iter1.h5')));
    // Nothing left to extract when every candidate is already there.
    const again = (await run(extractOutlierFramesCommand, [synth.configPath, video, '--outlieralgorithm', 'list', '--frames2use', '6,26'])).data as unknown as ExtractOutlierFramesResult;
    assert.equal(again.videos[0]!.status, 'nothing');
    assert.equal(again.videos[0]!.alreadyExtracted, 2);
  });
});
