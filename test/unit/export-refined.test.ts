/**
 * The refinement panel's "export edited frames to labeled-data" (DeepLabCut's `export_to_training_data`) on a
 * synthetic project with real ffmpeg: edited frames found NaN-aware, PNGs holding the video's frames (an existing one
 * left alone), machine labels with pcutoff applied, CollectedData merged (other rows kept, refined rows winning),
 * all read back with pandas; a second export changes nothing; a video outside the project joins video_sets.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { HerdError } from '../../src-core/common/errors';
import { createPoseArray, poseOffset, type PoseArray } from '../../src-core/common/pose';
import { frameImageName } from '../../src-core/frames';
import { decodePng } from '../../src-core/io/png-read';
import { exportRefinedFrames, findEditedFrames, type RefinedPoses } from '../../src-core/outliers/export-refined';
import { editConfig } from '../../src-core/project/edit';
import { loadProject } from '../../src-core/project/load';
import { createSynthProject, type SynthProject } from '../../src-core/synth/project';
import { readFrameRange } from '../../src-core/video';
import { readCsvWithPandas, readHdfWithPandas, skipWithoutPandas, type PandasView } from '../helpers/pandas';
import { temporaryFolder } from '../helpers/workspace';

const SCORER = 'DLC_HerdSmall_synthNov25shuffle1_snapshot_3';
const FRAMES = 60;
const work = temporaryFolder();
const isCode = (code: string, pattern?: RegExp) => (e: unknown) => e instanceof HerdError && e.code === code && (!pattern || pattern.test(e.message));
let synth: SynthProject;
let stem: string;
let configScorer: string;

function clone(p: PoseArray): PoseArray {
  return { frames: p.frames, individuals: [...p.individuals], bodyparts: [...p.bodyparts], data: p.data.slice() };
}

/** The synthetic ground truth as a tracked table (likelihood 0.95), with its unique body part. */
function tracked(): RefinedPoses {
  const poses = createPoseArray(FRAMES, synth.scene.individuals, synth.scene.bodyparts);
  poses.data.set(synth.scene.poses.data);
  for (let i = 2; i < poses.data.length; i += 3) poses.data[i] = 0.95;
  const unique = createPoseArray(FRAMES, ['single'], synth.scene.uniqueBodyparts);
  unique.data.set(synth.scene.unique.data);
  for (let i = 2; i < unique.data.length; i += 3) unique.data[i] = 0.95;
  return { poses, unique };
}

const value = (v: number) => (Number.isNaN(v) ? null : v);

before(async () => {
  synth = await createSynthProject({
    synth: { frames: FRAMES, width: 192, height: 192, animals: 2, keypoints: 3, seed: 4, noiseSigma: 2, uniqueBodyparts: 1 },
    workingDirectory: work,
    labeledFrames: 3,
  });
  stem = path.parse(synth.videoPath).name;
  configScorer = loadProject(synth.configPath).config.scorer as string;
});

describe('findEditedFrames', () => {
  it('finds frames where any value differs, NaN equal to NaN, unique body parts included', () => {
    const original = tracked();
    const refined: RefinedPoses = { poses: clone(original.poses), unique: clone(original.unique!) };
    original.poses.data.fill(Number.NaN, poseOffset(original.poses, 40, 0, 0), poseOffset(original.poses, 41, 0, 0));
    refined.poses.data.fill(Number.NaN, poseOffset(refined.poses, 40, 0, 0), poseOffset(refined.poses, 41, 0, 0));
    assert.deepEqual(findEditedFrames(original, refined), []);
    refined.poses.data[poseOffset(refined.poses, 12, 1, 2) + 2] = 0.5; // a likelihood alone
    refined.unique!.data[poseOffset(refined.unique!, 3, 0, 0)] += 1;
    refined.poses.data[poseOffset(refined.poses, 40, 0, 0)] = 5; // NaN → a value
    assert.deepEqual(findEditedFrames(original, refined), [3, 12, 40]);
    assert.throws(() => findEditedFrames(original, { poses: refined.poses }), isCode('REFINED_SHAPE'));
    const fewer = { ...refined, poses: { ...refined.poses, individuals: [refined.poses.individuals[0]!], data: refined.poses.data.slice(0, refined.poses.data.length / 2) } };
    assert.throws(() => findEditedFrames(original, fewer), isCode('REFINED_SHAPE'));
  });
});

describe('exportRefinedFrames', () => {
  it('writes the edited frames, machine labels with pcutoff and merged CollectedData; a second export changes nothing', { skip: skipWithoutPandas() }, async () => {
    const labeled = synth.labeledFrameIndices;
    const kept = labeled.filter((_, i) => i !== 1);
    const relabeled = labeled[1]!;
    const original = tracked();
    // An unsure point in frame 7 of the table as loaded: below pcutoff, it must not reach the training data.
    original.poses.data[poseOffset(original.poses, 7, 0, 1) + 2] = 0.05;
    const refined: RefinedPoses = { poses: clone(original.poses), unique: clone(original.unique!) };
    const move = (p: PoseArray, f: number, i: number, b: number, dx: number) => (p.data[poseOffset(p, f, i, b)] += dx);
    move(refined.poses, 7, 1, 0, 6); // a corrected point next to the unsure one
    move(refined.poses, relabeled, 0, 2, -9); // an image already labeled: the refined row wins
    move(refined.unique!, 15, 0, 0, 4); // the unique body part
    refined.poses.data.fill(Number.NaN, poseOffset(refined.poses, 37, 1, 0), poseOffset(refined.poses, 37, 1, 1)); // a deleted point
    refined.poses.data[poseOffset(refined.poses, 33, 0, 0) + 2] = 0.02; // a point made unsure: edited, and left out
    const moved = [7, 15, 33, 37, relabeled];
    assert.equal(new Set([...moved, ...kept]).size, moved.length + kept.length, `edited frames chosen apart from the labeled ones ${labeled}`);
    // A labeled image whose refined poses are all unsure: edited, but nothing of it passes pcutoff, so its labels stay.
    const unsure = kept[0]!;
    for (const p of [refined.poses, refined.unique!]) for (let i = poseOffset(p, unsure, 0, 0) + 2; i < poseOffset(p, unsure + 1, 0, 0); i += 3) p.data[i] = 0.05;
    const frames = [...moved, unsure].sort((a, b) => a - b);

    const collectedBefore = readHdfWithPandas(synth.labelsH5Path);
    const existingPngs = [relabeled, unsure].map((f) => path.join(synth.labeledFolder, frameImageName(f, FRAMES)));
    const existingPngBytes = existingPngs.map((file) => fs.readFileSync(file));

    const result = await exportRefinedFrames(synth.configPath, { video: synth.videoPath, original, refined, scorer: SCORER });
    assert.deepEqual(result.frames, frames);
    assert.deepEqual(result.skipped, []);
    assert.equal(result.folder, synth.labeledFolder);
    assert.equal(result.addedToConfig, false);
    assert.deepEqual(result.images, frames.map((f) => path.join(synth.labeledFolder, frameImageName(f, FRAMES))));
    assert.deepEqual(result.created, result.images.filter((file) => !existingPngs.includes(file)));
    // An existing image is never overwritten; new ones hold the video's frames exactly.
    existingPngs.forEach((file, k) => assert.ok(fs.readFileSync(file).equals(existingPngBytes[k]!), `${path.basename(file)} untouched`));
    const video = await readFrameRange(synth.videoPath, 0, FRAMES);
    for (const file of result.created) {
      const f = frames[result.images.indexOf(file)]!;
      const image = decodePng(fs.readFileSync(file), file)!;
      assert.deepEqual([image.width, image.height], [video[f]!.width, video[f]!.height]);
      assert.ok(Buffer.from(image.data).equals(Buffer.from(video[f]!.data)), `${path.basename(file)} is not frame ${f} of the video`);
    }

    // The refined rows, keypoints below pcutoff (0.1) set to NaN: x, y and likelihood.
    const expectedRow = (f: number, coords: number): Array<number | null> => {
      const row: Array<number | null> = [];
      const add = (p: PoseArray) => {
        for (let i = 0; i < p.individuals.length; i++) {
          for (let b = 0; b < p.bodyparts.length; b++) {
            const o = poseOffset(p, f, i, b);
            const low = p.data[o + 2]! < 0.1;
            for (let c = 0; c < coords; c++) row.push(low ? null : value(p.data[o + c]!));
          }
        }
      };
      add(refined.poses);
      add(refined.unique!);
      return row;
    };
    const machine = readHdfWithPandas(result.machineLabels);
    assert.equal(result.machineLabels, path.join(synth.labeledFolder, 'machinelabels-iter0.h5'));
    assert.deepEqual(machine.columnNames, ['scorer', 'individuals', 'bodyparts', 'coords']);
    assert.deepEqual(machine.columns[0], [SCORER, refined.poses.individuals[0], refined.poses.bodyparts[0], 'x']);
    assert.deepEqual(machine.columns.at(-1), [SCORER, 'single', refined.unique!.bodyparts[0], 'likelihood']);
    assert.deepEqual(machine.index, frames.map((f) => ['labeled-data', stem, frameImageName(f, FRAMES)]));
    assert.deepEqual(machine.values, frames.map((f) => expectedRow(f, 3)));
    assert.equal(machine.values[frames.indexOf(7)]![3 * 1], null, 'the unsure point of frame 7 is left out');
    assert.deepEqual(readCsvWithPandas(result.machineLabelsCsv, 4, 3), machine);

    // CollectedData_<config scorer>: x and y only, other images' rows as they were, refined rows for the exported ones.
    assert.deepEqual(result.collectedData, [synth.labelsH5Path, synth.labelsCsvPath]);
    const collected = readHdfWithPandas(synth.labelsH5Path);
    assert.deepEqual(collected.columnNames, collectedBefore.columnNames);
    assert.deepEqual(collected.columns, collectedBefore.columns);
    assert.ok(collected.columns.every((c) => c[0] === configScorer && c[3] !== 'likelihood'));
    const images = [...kept, ...moved].sort((a, b) => a - b).map((f) => ['labeled-data', stem, frameImageName(f, FRAMES)]);
    assert.deepEqual(collected.index, images);
    const rowOf = (view: PandasView, f: number) => view.values[view.index.findIndex((i) => i[2] === frameImageName(f, FRAMES))]!;
    for (const f of kept) assert.deepEqual(rowOf(collected, f), rowOf(collectedBefore, f), `labels of frame ${f} kept`);
    assert.notDeepEqual(rowOf(collectedBefore, relabeled), expectedRow(relabeled, 2));
    for (const f of moved) assert.deepEqual(rowOf(collected, f), expectedRow(f, 2), `refined row of frame ${f}`);
    assert.ok(expectedRow(unsure, 3).every((v) => v === null), 'the unsure frame is all NaN in the machine labels');
    assert.deepEqual(readCsvWithPandas(synth.labelsCsvPath, 4, 3), collected);

    // Again: the same content (CSV and PNG byte for byte; HDF5 as pandas reads it, its headers carry times).
    const written = [result.machineLabelsCsv, synth.labelsCsvPath, ...result.images];
    const bytes = written.map((file) => fs.readFileSync(file));
    const unchanged = () => {
      written.forEach((file, k) => assert.ok(fs.readFileSync(file).equals(bytes[k]!), `${path.basename(file)} changed`));
      assert.deepEqual(readHdfWithPandas(result.machineLabels), machine);
      assert.deepEqual(readHdfWithPandas(synth.labelsH5Path), collected);
    };
    const again = await exportRefinedFrames(synth.configPath, { video: synth.videoPath, original, refined, scorer: SCORER });
    assert.deepEqual(again.frames, frames);
    assert.deepEqual(again.created, []);
    unchanged();

    // Nothing edited: nothing written.
    const none = await exportRefinedFrames(synth.configPath, { video: synth.videoPath, original, refined: original, scorer: SCORER });
    assert.deepEqual([none.frames, none.images, none.collectedData, none.machineLabels], [[], [], [], '']);
    unchanged();
  });

  it('adds a video outside the project to video_sets and starts its CollectedData', { skip: skipWithoutPandas() }, async () => {
    const folder = fs.mkdtempSync(path.join(work, 'new-'));
    const video = path.join(folder, 'newmouse.mp4');
    fs.copyFileSync(synth.videoPath, video);
    const original = tracked();
    const refined: RefinedPoses = { poses: clone(original.poses), unique: original.unique };
    refined.poses.data[poseOffset(refined.poses, 9, 0, 0)] += 3;
    const result = await exportRefinedFrames(synth.configPath, { video, original, refined });
    assert.deepEqual(result.frames, [9]);
    assert.equal(result.addedToConfig, true);
    const project = loadProject(synth.configPath);
    assert.ok(Object.keys(project.config.video_sets ?? {}).some((v) => path.parse(v).name === 'newmouse'));
    const newFolder = path.join(synth.root, 'labeled-data', 'newmouse');
    assert.equal(result.folder, newFolder);
    assert.deepEqual(result.collectedData, [path.join(newFolder, `CollectedData_${configScorer}.h5`), path.join(newFolder, `CollectedData_${configScorer}.csv`)]);
    const collected = readHdfWithPandas(result.collectedData[0]!);
    assert.deepEqual(collected.index, [['labeled-data', 'newmouse', frameImageName(9, FRAMES)]]);
    assert.ok(collected.columns.every((c) => c[0] === configScorer));
    // The machine labels carry config.yaml's scorer when the table's is not given.
    assert.ok(readHdfWithPandas(result.machineLabels).columns.every((c) => c[0] === configScorer));
  });

  it("crops the images when config.yaml crops (DeepLabCut's cropping, x1, x2, y1, y2)", async () => {
    const folder = fs.mkdtempSync(path.join(work, 'crop-'));
    const video = path.join(folder, 'cropmouse.mp4');
    fs.copyFileSync(synth.videoPath, video);
    const original = tracked();
    const refined: RefinedPoses = { poses: clone(original.poses), unique: original.unique };
    refined.poses.data[poseOffset(refined.poses, 11, 1, 1) + 1] -= 2;
    editConfig(synth.configPath, [{ key: ['cropping'], value: true }, { key: ['x1'], value: 16 }, { key: ['x2'], value: 176 }, { key: ['y1'], value: 8 }, { key: ['y2'], value: 120 }]);
    try {
      const result = await exportRefinedFrames(synth.configPath, { video, original, refined });
      assert.deepEqual(result.frames, [11]);
      const image = decodePng(fs.readFileSync(result.images[0]!), result.images[0]!)!;
      const [frame] = await readFrameRange(video, 11, 12);
      assert.deepEqual([image.width, image.height], [160, 112]);
      const expected = Buffer.alloc(160 * 112 * 3);
      for (let y = 0; y < 112; y++) Buffer.from(frame!.data).copy(expected, y * 160 * 3, ((y + 8) * frame!.width + 16) * 3, ((y + 8) * frame!.width + 176) * 3);
      assert.ok(Buffer.from(image.data).equals(expected), 'the PNG is the crop box of the frame');
    } finally {
      editConfig(synth.configPath, [{ key: ['cropping'], value: false }]);
    }
  });
});
