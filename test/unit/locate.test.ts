/**
 * infer/locate.ts: the one place that finds a video's analysis outputs (detections, tracklets, pose tables) and
 * resolves the tracker whose files are read.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { HerdError } from '../../src-core/common/errors';
import {
  ALL_TRACK_METHODS,
  analysisFolder,
  findAnalysisOutput,
  findDetectionsFile,
  findPoseTable,
  findTrackletsFile,
  resolveTrackMethod,
  scorerShuffle,
} from '../../src-core/infer/locate';
import { collectVideoPaths, isRenderedVideo } from '../../src-core/project/videos';
import { TRACKER_SUFFIX } from '../../src-core/track/tracklets';
import { temporaryFolder } from '../helpers/workspace';

const SCORER = 'DLC_HerdSmall_miceNov26shuffle1_snapshot_5';
const isCode = (code: string, message?: RegExp) => (e: unknown) => e instanceof HerdError && e.code === code && (!message || message.test(e.message));

function touch(folder: string, name: string, when: number): string {
  const file = path.join(folder, name);
  fs.writeFileSync(file, '');
  fs.utimesSync(file, new Date(when), new Date(when));
  return file;
}

describe('infer/locate', () => {
  it('reads the shuffle of PyTorch, TensorFlow and old DeepCut scorers, and nothing else', () => {
    assert.equal(scorerShuffle('DLC_Resnet50_openfieldOct30shuffle3_snapshot_200'), 3);
    assert.equal(scorerShuffle('DLC_Resnet50_openfieldOct30shuffle2_snapshot_best-200'), 2);
    assert.equal(scorerShuffle('DLC_TopDownResnet50_openfieldOct30shuffle1_detector_best-10_snapshot_best-5'), 1);
    assert.equal(scorerShuffle('DLC_resnet50_my_taskOct30shuffle4_200000'), 4);
    assert.equal(scorerShuffle('DeepCut_resnet50_taskOct30shuffle1_50000'), 1);
    for (const notOne of ['Jane', `${SCORER}_el`, `${SCORER}_filtered`, `${SCORER}.analysis`, `2${SCORER}`]) assert.equal(scorerShuffle(notOne), undefined, notOne);
    // The outputs of a labeled video (`mice<scorer>_labeled.mp4` analysed again) are not the outputs of mice.mp4.
    assert.equal(scorerShuffle(`${SCORER}_labeled${SCORER}`), undefined);
  });

  it('a folder of videos leaves out the videos rendered from analyses', () => {
    const folder = temporaryFolder('herd-locate-');
    for (const name of ['mice.mp4', `mice${SCORER}_el_id_p60_labeled.mp4`, `mice${SCORER}_full.mp4`, `mice${SCORER}_el_tracklets.mp4`, `mice${SCORER}filtered_labeled.mp4`]) {
      fs.writeFileSync(path.join(folder, name), '');
    }
    assert.deepEqual(collectVideoPaths([folder]), [path.join(folder, 'mice.mp4')]);
    assert.ok(isRenderedVideo(`mice${SCORER}_full.mp4`) && !isRenderedVideo('mice_labeled.mp4'));
  });

  it('takes the newest scorer of the shuffle, the .h5 over its .csv, and never another ending or video', () => {
    const folder = temporaryFolder('herd-locate-');
    const video = path.join(folder, 'mice.mp4');
    const newer = SCORER.replace('snapshot_5', 'snapshot_9');
    touch(folder, `mice${SCORER}_el.h5`, 1e12);
    touch(folder, `mice${newer}_el.csv`, 2e12);
    const newerH5 = touch(folder, `mice${newer}_el.h5`, 1.5e12);
    touch(folder, `mice${SCORER.replace('shuffle1', 'shuffle2')}_el.h5`, 3e12);
    touch(folder, `mice${SCORER}_el_filtered.h5`, 3e12);
    touch(folder, `mice2${SCORER}_el.h5`, 3e12);
    touch(folder, `.herd-tmp-mice${SCORER}_el.h5`, 4e12);
    const found = findAnalysisOutput(video, { shuffle: 1, endings: ['_el.h5', '_el.csv'] });
    assert.deepEqual(found, { file: newerH5, scorer: newer, others: [path.join(folder, `mice${SCORER}_el.h5`)] });
    assert.equal(findPoseTable(video, { shuffle: 1, suffix: '_el' }).file, newerH5);
    assert.equal(findPoseTable(video, { shuffle: 1, suffix: '_el', filtered: true }).file, path.join(folder, `mice${SCORER}_el_filtered.h5`));
    assert.equal(findAnalysisOutput(video, { shuffle: 3, endings: ['_el.h5'] }), undefined);
    assert.equal(findAnalysisOutput(path.join(folder, 'absent', 'mice.mp4'), { shuffle: 1, endings: ['_el.h5'] }), undefined);
    assert.throws(() => findPoseTable(video, { shuffle: 1, suffix: '' }), isCode('POSE_TABLE_NOT_FOUND', /herd analyze.*$/));
    assert.throws(() => findPoseTable(video, { shuffle: 1, suffix: '_sk' }), isCode('POSE_TABLE_NOT_FOUND', /skeleton tracks.*_sk\.h5.*found: .*_el\.h5.*stitch-tracklets/));
    assert.throws(() => findPoseTable(video, { folder: path.join(folder, 'dest'), shuffle: 1, suffix: '_el' }), isCode('POSE_TABLE_NOT_FOUND', /same --destfolder/));
  });

  it('finds the refined table (the refinement panel saves it beside the tracked one) and its filtered twins', () => {
    const folder = temporaryFolder('herd-locate-');
    const video = path.join(folder, 'mice.mp4');
    const tracked = touch(folder, `mice${SCORER}_el.h5`, 1e12);
    const filtered = touch(folder, `mice${SCORER}_el_filtered.h5`, 1e12);
    // Without a refined table, --refined says what to do; the tracked and filtered tables are not taken instead.
    assert.throws(
      () => findPoseTable(video, { shuffle: 1, suffix: '_el', refined: true }),
      isCode('POSE_TABLE_NOT_FOUND', /no refined ellipse tracks .*_el_refined\.h5 or \.csv, found: .*_el\.h5.*; refine the tracks in VS Code \(Herd: Refine Tracklets\) and save, or leave out --refined$/),
    );
    const refinedCsv = touch(folder, `mice${SCORER}_el_refined.csv`, 1e12);
    assert.equal(findPoseTable(video, { shuffle: 1, suffix: '_el', refined: true }).file, refinedCsv);
    const refined = touch(folder, `mice${SCORER}_el_refined.h5`, 1e12);
    assert.equal(findPoseTable(video, { shuffle: 1, suffix: '_el', refined: true }).file, refined, 'the .h5 over its .csv');
    // The plain and filtered lookups never take a refined table.
    assert.equal(findPoseTable(video, { shuffle: 1, suffix: '_el' }).file, tracked);
    assert.equal(findPoseTable(video, { shuffle: 1, suffix: '_el', filtered: true }).file, filtered);
    assert.throws(() => findPoseTable(video, { shuffle: 1, suffix: '_bx', refined: true }), isCode('POSE_TABLE_NOT_FOUND', /_bx_refined\.h5/));
    // Refined and filtered: a refined table filtered (herd filter --refined), else a filtered table refined in the panel.
    assert.throws(
      () => findPoseTable(video, { shuffle: 1, suffix: '_el', filtered: true, refined: true }),
      isCode('POSE_TABLE_NOT_FOUND', /no refined filtered ellipse tracks .*_el_refined_filtered\.h5 or \.csv or .*_el_filtered_refined\.h5 or \.csv.*herd filter --refined/),
    );
    const filteredRefined = touch(folder, `mice${SCORER}_el_filtered_refined.h5`, 1e12);
    assert.equal(findPoseTable(video, { shuffle: 1, suffix: '_el', filtered: true, refined: true }).file, filteredRefined);
    const refinedFiltered = touch(folder, `mice${SCORER}_el_refined_filtered.h5`, 1e12);
    assert.equal(findPoseTable(video, { shuffle: 1, suffix: '_el', filtered: true, refined: true }).file, refinedFiltered);
    // Single-animal projects: `<stem><scorer>_refined.h5`, not claimed by the plain lookup.
    const single = touch(folder, `mice${SCORER}_refined.h5`, 1e12);
    assert.equal(findPoseTable(video, { shuffle: 1, suffix: '', refined: true }).file, single);
    assert.throws(() => findPoseTable(video, { shuffle: 1, suffix: '' }), isCode('POSE_TABLE_NOT_FOUND'));
  });

  it('finds detections and tracklets, and says what to run when there are none', () => {
    const folder = temporaryFolder('herd-locate-');
    const video = path.join(folder, 'mice.mp4');
    assert.throws(() => findDetectionsFile(video, { shuffle: 1 }), isCode('DETECTIONS_NOT_FOUND', /herd analyze/));
    const detections = touch(folder, `mice${SCORER}_detections.safetensors`, 1e12);
    assert.equal(findDetectionsFile(video, { shuffle: 1 }).file, detections);
    assert.throws(() => findDetectionsFile(video, { shuffle: 2 }), isCode('DETECTIONS_NOT_FOUND', /other shuffles: .*shuffle1/));
    const tracklets = touch(folder, `mice${SCORER}${TRACKER_SUFFIX.box}.tracklets.safetensors`, 1e12);
    assert.equal(findTrackletsFile(video, { shuffle: 1, tracker: 'box' }).file, tracklets);
    assert.throws(() => findTrackletsFile(video, { shuffle: 1, tracker: 'ellipse' }), isCode('TRACKLETS_NOT_FOUND', /--track-method ellipse/));
    assert.equal(analysisFolder(video), folder);
    assert.equal(analysisFolder(video, 'out'), path.resolve('out'));
  });

  it('resolves the tracker: asked, config default, ellipse; none for single-animal projects', () => {
    const project = (multiAnimal: boolean, method?: string) =>
      ({ multiAnimal, config: method ? { default_track_method: method } : {}, configPath: '/p/config.yaml' }) as unknown as Parameters<typeof resolveTrackMethod>[0];
    assert.deepEqual(resolveTrackMethod(project(true)), { kind: 'ellipse', suffix: '_el' });
    assert.deepEqual(resolveTrackMethod(project(true, 'skeleton')), { kind: 'skeleton', suffix: '_sk' });
    assert.deepEqual(resolveTrackMethod(project(true, 'skeleton'), 'Box'), { kind: 'box', suffix: '_bx' });
    assert.deepEqual(resolveTrackMethod(project(true), 'identity'), { kind: 'identity', suffix: '_id' });
    assert.throws(() => resolveTrackMethod(project(true), 'ctd'), isCode('USAGE', /unknown track method "ctd"; --track-method is one of/));
    assert.deepEqual(resolveTrackMethod(project(true), 'ctd', { accept: ALL_TRACK_METHODS }), { kind: 'ctd', suffix: '_ctd' });
    assert.throws(() => resolveTrackMethod(project(true, 'kalman')), (e: unknown) => isCode('USAGE', /default_track_method/)(e) && (e as HerdError).location.file === '/p/config.yaml');
    assert.throws(() => resolveTrackMethod(project(true), 'identity', { accept: ['box', 'ellipse', 'skeleton'], errorCode: 'INVALID_OPTION' }), isCode('INVALID_OPTION'));
    assert.deepEqual(resolveTrackMethod(project(false)), { kind: undefined, suffix: '' });
    assert.throws(() => resolveTrackMethod(project(false), 'box'), isCode('USAGE', /single-animal/));
    assert.deepEqual(resolveTrackMethod(project(false), 'box', { singleAnimal: 'ignore' }), { kind: undefined, suffix: '' });
  });
});
