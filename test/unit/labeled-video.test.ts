/**
 * `herd create-labeled-video` with real ffmpeg: a small synthetic video and a pose table of known poses written with
 * `writePoseTable`; the rendered video is decoded again and its pixels checked. Most cases encode losslessly
 * (libx264rgb) so that colours can be compared exactly.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { formatHelp, parseArgs } from '../../src-core/cli/args';
import { createLabeledVideoCommand, plotTrajectoriesCommand } from '../../src-core/cli/commands/labeled-video';
import { HerdError } from '../../src-core/common/errors';
import { createPoseArray, poseOffset, type PoseArray } from '../../src-core/common/pose';
import { silentProgress, type ProgressEvent } from '../../src-core/common/progress';
import { ALL_TRACK_METHODS, resolveTrackMethod } from '../../src-core/infer/locate';
import { writePoseTable } from '../../src-core/infer/outputs';
import { decodePng } from '../../src-core/io/png-read';
import { editConfig } from '../../src-core/project/edit';
import { loadProject } from '../../src-core/project/load';
import {
  benchLabeledVideo,
  createLabeledVideo,
  encoderForCodec,
  labeledVideoPath,
  partColors,
  type LabeledVideo,
} from '../../src-core/render';
import { createProject } from '../../src-core/project/create';
import { createSynthProject } from '../../src-core/synth/project';
import { writeTracklets, type Tracklet } from '../../src-core/track/tracklets';
import { probeVideo, readFrameRange, type Frame } from '../../src-core/video';
import { temporaryFolder } from '../helpers/workspace';

const FRAMES = 12;
const W = 192;
const H = 192;
const SCORER = 'DLC_HerdSmall_synthNov25shuffle1_snapshot_3';
const LOSSLESS = 'libx264rgb';

let config: string;
let video: string;
let bodyparts: string[];
let individuals: string[];
let uniqueBodyparts: string[];
let source: Frame[];
let dotsize: number;

const work = temporaryFolder();

before(async () => {
  const synth = await createSynthProject({
    synth: { frames: FRAMES, width: W, height: H, animals: 2, keypoints: 3, uniqueBodyparts: 1, seed: 5, noiseSigma: 2 },
    workingDirectory: work,
    labeledFrames: 2,
  });
  config = synth.configPath;
  video = synth.videoPath;
  const project = loadProject(config);
  bodyparts = project.bodyparts;
  individuals = project.individuals;
  uniqueBodyparts = project.uniqueBodyparts;
  dotsize = project.config.dotsize;
  assert.equal(project.multiAnimal, true);
  assert.deepEqual([bodyparts.length, individuals.length, uniqueBodyparts.length], [3, 2, 1]);
  // Small discs keep the points apart in a small frame.
  editConfig(config, [{ key: ['dotsize'], value: 5 }, { key: ['skeleton_color'], value: 'white' }]);
  dotsize = 5;
  source = await readFrameRange(video, 0, FRAMES);
});

/** Animal i, part k at frame f: a row per animal, parts 50 px apart, moving one pixel right per frame. */
const at = (f: number, i: number, k: number) => ({ x: 30 + 50 * k + f, y: 40 + 60 * i });
const UNIQUE_AT = { x: 170, y: 140 };
/** The one point below the cutoff: animal 1, part 2, frame 5. */
const LOW = { f: 5, i: 1, k: 2 };

function knownPoses(): { poses: PoseArray; unique: PoseArray } {
  const poses = createPoseArray(FRAMES, individuals, bodyparts);
  const unique = createPoseArray(FRAMES, ['single'], uniqueBodyparts);
  for (let f = 0; f < FRAMES; f++) {
    for (let i = 0; i < individuals.length; i++) {
      for (let k = 0; k < bodyparts.length; k++) {
        const o = poseOffset(poses, f, i, k);
        const p = at(f, i, k);
        poses.data.set([p.x, p.y, f === LOW.f && i === LOW.i && k === LOW.k ? 0.3 : 0.9], o);
      }
    }
    unique.data.set([UNIQUE_AT.x, UNIQUE_AT.y, 0.95], poseOffset(unique, f, 0, 0));
  }
  return { poses, unique };
}

/** A copy of the video in a fresh folder with `<stem><scorer><suffix>.h5` beside it. */
async function caseWithTable(suffix = '_el', name = 'mice.mp4'): Promise<{ file: string; table: string }> {
  const file = path.join(fs.mkdtempSync(path.join(work, 'case-')), name);
  fs.copyFileSync(video, file);
  const table = path.join(path.dirname(file), `${path.parse(file).name}${SCORER}${suffix}.h5`);
  const { poses, unique } = knownPoses();
  await writePoseTable(table, poses, SCORER, { multiAnimal: true, uniqueBodyparts: unique });
  return { file, table };
}

const pixel = (frame: Frame, x: number, y: number) => Array.from(frame.data.subarray((y * frame.width + x) * 3, (y * frame.width + x) * 3 + 3));
const isCode = (code: string, pattern?: RegExp) => (e: unknown) => e instanceof HerdError && e.code === code && (!pattern || pattern.test(e.message));

describe('create-labeled-video', () => {
  it('draws every point above the p-cutoff in its body part colour, unique parts after the body parts, and leaves the rest', async () => {
    const { file, table } = await caseWithTable();
    const events: ProgressEvent[] = [];
    const result = await createLabeledVideo(config, [file], {
      codec: LOSSLESS,
      progress: { update: (e) => events.push(e), finish() {} },
    });
    const [v] = result.videos;
    const output = path.join(path.dirname(file), `mice${SCORER}_el_bp_p60_labeled.mp4`);
    assert.equal(v!.output, output);
    assert.equal(v!.source, table);
    assert.equal(v!.status, 'rendered');
    assert.deepEqual([v!.frames, v!.totalFrames, v!.partial], [FRAMES, FRAMES, false]);
    // 2 animals × 3 parts + 1 unique per frame, less the one low-likelihood point.
    assert.equal(v!.drawn, FRAMES * 7 - 1);
    assert.equal(result.trackMethod, 'ellipse');
    assert.ok(events.some((e) => /fps$/.test(e.detail ?? '')), 'progress reports the rendering speed');

    const info = await probeVideo(output);
    assert.deepEqual([info.width, info.height, info.frameCount], [W, H, FRAMES]);
    const out = await readFrameRange(output, 0, FRAMES);
    const colors = partColors('rainbow', bodyparts.length + uniqueBodyparts.length);
    for (let f = 0; f < FRAMES; f++) {
      for (let i = 0; i < 2; i++) {
        for (let k = 0; k < 3; k++) {
          const p = at(f, i, k);
          const low = f === LOW.f && i === LOW.i && k === LOW.k;
          const expected = low ? pixel(source[f]!, p.x, p.y) : colors[k];
          assert.deepEqual(pixel(out[f]!, p.x, p.y), expected, `frame ${f} animal ${i} part ${k}${low ? ' (below the cutoff)' : ''}`);
          // skimage's disk: radius − 1 inside, radius outside.
          if (!low) assert.deepEqual(pixel(out[f]!, p.x + dotsize - 1, p.y), colors[k]);
          assert.deepEqual(pixel(out[f]!, p.x + dotsize, p.y), pixel(source[f]!, p.x + dotsize, p.y));
        }
      }
      assert.deepEqual(pixel(out[f]!, UNIQUE_AT.x, UNIQUE_AT.y), colors[3]);
      // Far from every point the frame is the source's, exactly.
      assert.deepEqual(pixel(out[f]!, 5, 150), pixel(source[f]!, 5, 150));
    }
    assert.deepEqual(fs.readdirSync(path.dirname(file)).filter((n) => n.startsWith('.')), [], 'no temporary file left behind');
  });

  it('colours by individual (unique parts as one more individual) and names the video _id', async () => {
    const { file } = await caseWithTable();
    const result = await createLabeledVideo(config, [file], { codec: LOSSLESS, colorBy: 'individual', pcutoff: 0.25 });
    const output = result.videos[0]!.output;
    assert.equal(path.basename(output), `mice${SCORER}_el_id_p25_labeled.mp4`);
    const out = await readFrameRange(output, LOW.f, LOW.f + 1);
    const colors = partColors('rainbow', 3);
    for (let i = 0; i < 2; i++) for (let k = 0; k < 3; k++) assert.deepEqual(pixel(out[0]!, at(LOW.f, i, k).x, at(LOW.f, i, k).y), colors[i]);
    // With p-cutoff 0.25 the 0.3 point is drawn too.
    assert.equal(result.videos[0]!.drawn, FRAMES * 7);
    assert.deepEqual(pixel(out[0]!, UNIQUE_AT.x, UNIQUE_AT.y), colors[2]);
  });

  it('reads the table from destfolder, writes the video there, at outputframerate', async () => {
    const { file, table } = await caseWithTable();
    const dest = fs.mkdtempSync(path.join(work, 'dest-'));
    fs.renameSync(table, path.join(dest, path.basename(table)));
    await assert.rejects(createLabeledVideo(config, [file]), isCode('POSE_TABLE_NOT_FOUND'));
    const result = await createLabeledVideo(config, [path.dirname(file)], { destfolder: dest, outputframerate: 15, videotype: '.mp4', codec: 'mp4v' });
    const v = result.videos[0]!;
    assert.equal(path.dirname(v.output), dest);
    const info = await probeVideo(v.output);
    assert.deepEqual([info.frameCount, info.fps, info.codec], [FRAMES, 15, 'mpeg4']);
  });

  it('stops on cancel without leaving a video or a temporary file', async () => {
    const { file } = await caseWithTable();
    const controller = new AbortController();
    const progress = { update: (e: ProgressEvent) => (e.done >= 3 ? controller.abort() : undefined), finish() {} };
    await assert.rejects(createLabeledVideo(config, [file], { signal: controller.signal, progress }), isCode('CANCELLED'));
    assert.deepEqual(fs.readdirSync(path.dirname(file)).filter((n) => n.endsWith('.mp4') || n.startsWith('.')), ['mice.mp4']);
  });

  it('draws only the displayed individuals and body parts', async () => {
    const { file } = await caseWithTable();
    const result = await createLabeledVideo(config, [file], {
      codec: LOSSLESS,
      displayedindividuals: [individuals[0]!],
      displayedbodyparts: [bodyparts[0]!, bodyparts[2]!],
    });
    const out = await readFrameRange(result.videos[0]!.output, 0, 1);
    const colors = partColors('rainbow', 4);
    const f0 = out[0]!;
    assert.deepEqual(pixel(f0, at(0, 0, 0).x, at(0, 0, 0).y), colors[0]);
    assert.deepEqual(pixel(f0, at(0, 0, 2).x, at(0, 0, 2).y), colors[2]);
    assert.deepEqual(pixel(f0, at(0, 0, 1).x, at(0, 0, 1).y), pixel(source[0]!, at(0, 0, 1).x, at(0, 0, 1).y), 'part 1 is not displayed');
    for (let k = 0; k < 3; k++) assert.deepEqual(pixel(f0, at(0, 1, k).x, at(0, 1, k).y), pixel(source[0]!, at(0, 1, k).x, at(0, 1, k).y), 'animal 1 is not displayed');
    assert.deepEqual(pixel(f0, UNIQUE_AT.x, UNIQUE_AT.y), pixel(source[0]!, UNIQUE_AT.x, UNIQUE_AT.y), '"single" is not displayed');
    assert.equal(result.videos[0]!.drawn, FRAMES * 2);
    await assert.rejects(createLabeledVideo(config, [file], { displayedbodyparts: ['tail'], overwrite: true }), isCode('USAGE', /unknown body part "tail"/));
  });

  it('draws the skeleton under the points, on black with keypoints_only', async () => {
    const { file } = await caseWithTable();
    const result = await createLabeledVideo(config, [file], { codec: LOSSLESS, drawSkeleton: true, keypointsOnly: true });
    const out = await readFrameRange(result.videos[0]!.output, 0, FRAMES);
    const colors = partColors('rainbow', 4);
    const skeleton = loadProject(config).config.skeleton.map(([a, b]) => [bodyparts.indexOf(a), bodyparts.indexOf(b)]);
    assert.ok(skeleton.length > 0);
    for (const [a, b] of skeleton) {
      // Halfway along each edge of animal 0: the skeleton colour (white); the points keep their colours.
      const pa = at(3, 0, a!), pb = at(3, 0, b!);
      assert.deepEqual(pixel(out[3]!, Math.round((pa.x + pb.x) / 2), pa.y), [255, 255, 255]);
      assert.deepEqual(pixel(out[3]!, pa.x, pa.y), colors[a!]);
    }
    // An edge with an end below the cutoff is not drawn (animal 1, part 2 at frame 5).
    const edgeToLow = skeleton.find(([a, b]) => a === LOW.k || b === LOW.k)!;
    const other = edgeToLow[0] === LOW.k ? edgeToLow[1]! : edgeToLow[0]!;
    const mid = Math.round((at(LOW.f, 1, LOW.k).x + at(LOW.f, 1, other).x) / 2);
    assert.deepEqual(pixel(out[LOW.f]!, mid, at(LOW.f, 1, 0).y), [0, 0, 0]);
    // keypoints_only: black wherever nothing is drawn.
    assert.deepEqual(pixel(out[0]!, 5, 150), [0, 0, 0]);
    assert.deepEqual(pixel(out[0]!, 100, 10), [0, 0, 0]);
  });

  it('renders only Frames2plot, saves them as PNGs, and keeps trail points of earlier frames', async () => {
    const { file } = await caseWithTable();
    const result = await createLabeledVideo(config, [file], { codec: LOSSLESS, frames2plot: [7, 2], saveFrames: true, trailpoints: 3 });
    const v = result.videos[0]!;
    assert.equal(v.frames, 2);
    const out = await readFrameRange(v.output, 0, 2);
    assert.equal((await probeVideo(v.output)).frameCount, 2);
    const colors = partColors('rainbow', 4);
    assert.deepEqual(pixel(out[0]!, at(2, 0, 0).x, at(2, 0, 0).y), colors[0]);
    assert.deepEqual(pixel(out[1]!, at(7, 0, 0).x, at(7, 0, 0).y), colors[0]);
    // The trail: frame 7 also shows frame 5's points (2 px to the left); the disc's left edge reaches further.
    assert.deepEqual(pixel(out[1]!, at(5, 0, 0).x - dotsize + 1, at(5, 0, 0).y), colors[0]);
    assert.deepEqual(pixel(out[1]!, at(4, 0, 0).x - dotsize + 1, at(4, 0, 0).y), pixel(source[7]!, at(4, 0, 0).x - dotsize + 1, at(4, 0, 0).y), 'only trailpoints − 1 = 2 earlier frames');
    assert.equal(v.framesFolder, v.output.replace(/\.mp4$/, '_frames'));
    assert.deepEqual(fs.readdirSync(v.framesFolder!).sort(), ['img02.png', 'img07.png']);
    const png = decodePng(fs.readFileSync(path.join(v.framesFolder!, 'img07.png')), 'img07.png')!;
    assert.deepEqual([png.width, png.height], [W, H]);
    assert.deepEqual(Array.from(png.data.subarray((at(7, 1, 1).y * W + at(7, 1, 1).x) * 3, (at(7, 1, 1).y * W + at(7, 1, 1).x) * 3 + 3)), colors[1]);
    // The PNG is the frame that went into the (lossless) video.
    assert.deepEqual(Buffer.compare(Buffer.from(png.data), Buffer.from(out[1]!.data)), 0);
    await assert.rejects(createLabeledVideo(config, [file], { frames2plot: [FRAMES], overwrite: true }), isCode('USAGE', /Frames2plot/));
  });

  it('skips an existing video unless overwrite, and blends with alphavalue when fastmode is off', async () => {
    const { file } = await caseWithTable();
    const output = path.join(path.dirname(file), `mice${SCORER}_el_bp_p60_labeled.mp4`);
    fs.writeFileSync(output, 'keep me');
    const notes: string[] = [];
    const skipped = await createLabeledVideo(config, [file], { log: (l) => notes.push(l) });
    assert.equal(skipped.videos[0]!.status, 'skipped');
    assert.equal(fs.readFileSync(output, 'utf8'), 'keep me');
    assert.ok(notes.some((n) => /already exists/.test(n)));
    const again = await createLabeledVideo(config, [file], { overwrite: true, codec: LOSSLESS, fastmode: false });
    assert.equal(again.videos[0]!.status, 'rendered');
    const out = await readFrameRange(output, 0, 1);
    const alpha = loadProject(config).config.alphavalue;
    const p = at(0, 0, 0);
    const under = pixel(source[0]!, p.x, p.y);
    const color = partColors('rainbow', 4)[0]!;
    assert.deepEqual(pixel(out[0]!, p.x, p.y), under.map((u, c) => Math.round((1 - alpha) * u + alpha * color[c]!)));
  });

  it('finds filtered tables and other trackers, and says what to run when there is none', async () => {
    const { file } = await caseWithTable('_sk_filtered');
    await assert.rejects(createLabeledVideo(config, [file]), isCode('POSE_TABLE_NOT_FOUND', /stitch-tracklets/));
    await assert.rejects(createLabeledVideo(config, [file], { trackMethod: 'skeleton' }), isCode('POSE_TABLE_NOT_FOUND', /skeleton tracks/));
    const result = await createLabeledVideo(config, [file], { trackMethod: 'skeleton', filtered: true, codec: LOSSLESS });
    assert.equal(path.basename(result.videos[0]!.output), `mice${SCORER}_sk_filtered_bp_p60_labeled.mp4`);
    assert.equal(result.videos[0]!.frames, FRAMES);
  });

  it('--refined draws the table saved by the refinement panel (<…>_el_refined_id_p25_labeled.mp4), without it the tracked one', async () => {
    const { file, table } = await caseWithTable();
    // The refinement panel's save, beside the tracked table: animals 0 and 1 exchanged over frames 4–7.
    const SWAP = { start: 4, end: 7 };
    const { poses, unique } = knownPoses();
    const stride = bodyparts.length * 3;
    for (let f = SWAP.start; f <= SWAP.end; f++) {
      const a = poses.data.slice(poseOffset(poses, f, 0, 0), poseOffset(poses, f, 0, 0) + stride);
      poses.data.copyWithin(poseOffset(poses, f, 0, 0), poseOffset(poses, f, 1, 0), poseOffset(poses, f, 1, 0) + stride);
      poses.data.set(a, poseOffset(poses, f, 1, 0));
    }
    const refinedTable = table.replace(/\.h5$/, '_refined.h5');
    await writePoseTable(refinedTable, poses, SCORER, { multiAnimal: true, uniqueBodyparts: unique });

    assert.match(formatHelp(createLabeledVideoCommand.spec), /--refined +use the table saved by the refinement panel \(<…>_refined\.h5\)/);
    assert.match(formatHelp(plotTrajectoriesCommand.spec), /--refined +use the table saved by the refinement panel/);
    const context = { progress: silentProgress, signal: new AbortController().signal, note: () => {} };
    const options = { codec: LOSSLESS, 'color-by': 'individual', pcutoff: 0.25 };
    const refined = await createLabeledVideoCommand.run({ positionals: { config, videos: [file] }, options: { ...options, refined: true } }, context);
    const plain = await createLabeledVideoCommand.run({ positionals: { config, videos: [file] }, options }, context);
    const [r] = (refined.data as unknown as { videos: LabeledVideo[] }).videos;
    const [p] = (plain.data as unknown as { videos: LabeledVideo[] }).videos;
    assert.equal(r!.source, refinedTable);
    assert.equal(path.basename(r!.output), `mice${SCORER}_el_refined_id_p25_labeled.mp4`);
    assert.equal(p!.source, table);
    assert.equal(path.basename(p!.output), `mice${SCORER}_el_id_p25_labeled.mp4`);
    // Inside the swap the row of animal 0 is drawn in animal 1's colour from the refined table only; outside it, the same.
    const colors = partColors('rainbow', 3);
    const fromRefined = await readFrameRange(r!.output, 0, FRAMES);
    const fromTracked = await readFrameRange(p!.output, 0, FRAMES);
    for (const f of [2, 5, 7, 9]) {
      const swapped = f >= SWAP.start && f <= SWAP.end;
      for (let i = 0; i < 2; i++) {
        for (let k = 0; k < 3; k++) {
          const at_ = at(f, i, k);
          assert.deepEqual(pixel(fromRefined[f]!, at_.x, at_.y), colors[swapped ? 1 - i : i], `refined frame ${f} animal ${i} part ${k}`);
          assert.deepEqual(pixel(fromTracked[f]!, at_.x, at_.y), colors[i], `tracked frame ${f} animal ${i} part ${k}`);
        }
      }
    }

    // Refined and filtered (herd filter --refined): <…>_el_refined_filtered.h5, named so.
    await assert.rejects(createLabeledVideo(config, [file], { refined: true, filtered: true }), isCode('POSE_TABLE_NOT_FOUND', /_el_refined_filtered\.h5.*herd filter --refined/));
    await writePoseTable(table.replace(/\.h5$/, '_refined_filtered.h5'), poses, SCORER, { multiAnimal: true, uniqueBodyparts: unique });
    const both = await createLabeledVideo(config, [file], { refined: true, filtered: true, codec: LOSSLESS, frames2plot: [5] });
    assert.equal(path.basename(both.videos[0]!.output), `mice${SCORER}_el_refined_filtered_bp_p60_labeled.mp4`);
    await assert.rejects(createLabeledVideo(config, [file], { refined: true, tracklets: true }), isCode('USAGE', /--refined.*--tracklets/));
    // No refined table: what to do.
    const bare = await caseWithTable();
    await assert.rejects(createLabeledVideo(config, [bare.file], { refined: true }), isCode('POSE_TABLE_NOT_FOUND', /Herd: Refine Tracklets.*leave out --refined/));
    // Single-animal names: the refined table's stem, and DeepLabCut's `filtered` ending after it.
    const folder = path.join('/data', 'videos');
    const label = (name: string, filtered: boolean) => path.basename(labeledVideoPath(path.join(folder, name), { multiAnimal: false, colorBy: 'bodypart', pcutoff: 0.6, filtered }));
    assert.equal(label(`m${SCORER}_refined.h5`, false), `m${SCORER}_refined_labeled.mp4`);
    assert.equal(label(`m${SCORER}_refined_filtered.h5`, true), `m${SCORER}_refinedfiltered_labeled.mp4`);
    assert.equal(label(`m${SCORER}_filtered_refined.h5`, true), `m${SCORER}_filtered_refined_labeled.mp4`);
  });

  it('draws raw tracklets, one colour and id per tracklet, into <prefix>_el_tracklets.mp4 (through the CLI command)', async () => {
    const file = path.join(fs.mkdtempSync(path.join(work, 'tracklets-')), 'mice.mp4');
    fs.copyFileSync(video, file);
    const K = bodyparts.length;
    // Tracklet 4 follows animal 0 over frames 0–5; tracklet 9 animal 1 over frames 3–11 (skipping frame 6).
    const tracklet = (id: number, animal: number, frames: number[]): Tracklet => {
      const data = new Float32Array(frames.length * K * 3);
      frames.forEach((f, r) => {
        for (let k = 0; k < K; k++) data.set([at(f, animal, k).x, at(f, animal, k).y, 0.9], (r * K + k) * 3);
      });
      return { id, frames: Int32Array.from(frames), data, identity: new Int32Array(frames.length).fill(-1) };
    };
    const tracklets = [tracklet(4, 0, [0, 1, 2, 3, 4, 5]), tracklet(9, 1, [3, 4, 5, 7, 8, 9, 10, 11])];
    const trackletsFile = path.join(path.dirname(file), `mice${SCORER}_el.tracklets.safetensors`);
    writeTracklets(trackletsFile, {
      tracklets,
      metadata: {
        video: file, fps: 30, frames: FRAMES, totalFrames: FRAMES, width: W, height: H, scorer: SCORER,
        bodyparts, uniqueBodyparts: [], individuals, tracker: 'ellipse', settings: {}, partial: false,
      },
    });
    const notes: string[] = [];
    const context = { progress: silentProgress, signal: new AbortController().signal, note: (l: string) => notes.push(l) };
    const result = await createLabeledVideoCommand.run(
      { positionals: { config, videos: [file] }, options: { tracklets: true, codec: LOSSLESS, shuffle: 1, fastmode: true } },
      context,
    );
    const output = path.join(path.dirname(file), `mice${SCORER}_el_tracklets.mp4`);
    assert.match(result.text, new RegExp(path.basename(output)));
    const out = await readFrameRange(output, 0, FRAMES);
    const first = pixel(out[4]!, at(4, 0, 0).x, at(4, 0, 0).y);
    const second = pixel(out[4]!, at(4, 1, 0).x, at(4, 1, 0).y);
    assert.notDeepEqual(first, second, 'two tracklets, two colours');
    // Every part of a tracklet has the tracklet's colour.
    assert.deepEqual(pixel(out[4]!, at(4, 0, 2).x, at(4, 0, 2).y), first);
    // Frame 6: tracklet 9 has no row, tracklet 4 has ended: nothing drawn there.
    assert.deepEqual(pixel(out[6]!, at(6, 1, 0).x, at(6, 1, 0).y), pixel(source[6]!, at(6, 1, 0).x, at(6, 1, 0).y));
    assert.deepEqual(pixel(out[6]!, at(6, 0, 0).x, at(6, 0, 0).y), pixel(source[6]!, at(6, 0, 0).x, at(6, 0, 0).y));
    // The id is written beside the first point, in the tracklet's colour.
    const label = { x0: at(4, 0, 0).x + dotsize + 2, y0: at(4, 0, 0).y - 4 };
    let labelled = 0;
    for (let y = label.y0; y < label.y0 + 8; y++) for (let x = label.x0; x < label.x0 + 6; x++) if (pixel(out[4]!, x, y).join() === first.join()) labelled++;
    assert.ok(labelled >= 5, `the tracklet id "4" is drawn (${labelled} pixels)`);
  });

  it('renders the frames of a truncated video and says the output is partial', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'truncated-'));
    const file = path.join(dir, 'cut.avi');
    // An AVI whose index is gone and whose last frames are cut off: ffmpeg decodes what is there and complains.
    const { execFileSync } = await import('node:child_process');
    const { testFfmpeg } = await import('../helpers/workspace');
    execFileSync(testFfmpeg(), ['-hide_banner', '-loglevel', 'error', '-i', video, '-c:v', 'mpeg4', '-q:v', '2', file]);
    const table = path.join(dir, `cut${SCORER}_el.h5`);
    const { poses, unique } = knownPoses();
    await writePoseTable(table, poses, SCORER, { multiAnimal: true, uniqueBodyparts: unique });
    const full = fs.readFileSync(file);
    fs.writeFileSync(file, full.subarray(0, Math.floor(full.length * 0.6)));
    // The probe counts the packets that are left; decoding them runs into the damage.
    assert.ok((await probeVideo(file)).frameCount < FRAMES);
    const notes: string[] = [];
    const result = await createLabeledVideo(config, [file], { log: (l) => notes.push(l) });
    const v = result.videos[0]!;
    assert.equal(v.partial, true, JSON.stringify(v));
    assert.ok(v.frames > 0 && v.frames < FRAMES, `${v.frames} frames`);
    assert.match(v.message ?? '', /PARTIAL/);
    assert.ok(notes.some((n) => /PARTIAL/.test(n)));
    assert.equal((await probeVideo(v.output)).frameCount, v.frames);
  });

  it('labels a single-animal project (<video><scorer>_labeled.mp4, filtered variant) and shows only the crop box with displaycropped', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'single-'));
    const created = await createProject({
      task: 'single', experimenter: 'me', videos: [video], workingDirectory: dir, copyVideos: true,
      multiAnimal: false, bodyparts: bodyparts, date: new Date(Date.UTC(2025, 10, 25)),
    });
    assert.equal(loadProject(created.configPath).multiAnimal, false);
    editConfig(created.configPath, [{ key: ['dotsize'], value: 4 }, { key: ['cropping'], value: true }, { key: ['x1'], value: 20 }, { key: ['x2'], value: 160 }, { key: ['y1'], value: 30 }, { key: ['y2'], value: 130 }]);
    const file = path.join(created.root, 'videos', path.basename(video));
    const poses = createPoseArray(FRAMES, ['individual1'], bodyparts);
    for (let f = 0; f < FRAMES; f++) for (let k = 0; k < 3; k++) poses.data.set([at(f, 0, k).x, at(f, 0, k).y, 0.99], poseOffset(poses, f, 0, k));
    const scorer = 'DLC_Resnet50_singleNov25shuffle1_snapshot_10';
    await writePoseTable(path.join(path.dirname(file), `${path.parse(file).name}${scorer}.h5`), poses, scorer, { multiAnimal: false });
    await writePoseTable(path.join(path.dirname(file), `${path.parse(file).name}${scorer}_filtered.h5`), poses, scorer, { multiAnimal: false });
    const plain = await createLabeledVideo(created.configPath, [file], { codec: LOSSLESS });
    assert.equal(path.basename(plain.videos[0]!.output), `${path.parse(file).name}${scorer}_labeled.mp4`);
    assert.equal(plain.trackMethod, undefined);
    const colors = partColors('rainbow', 3);
    const full = await readFrameRange(plain.videos[0]!.output, 0, 1);
    assert.deepEqual(pixel(full[0]!, at(0, 0, 1).x, at(0, 0, 1).y), colors[1]);

    const cropped = await createLabeledVideo(created.configPath, [file], { codec: LOSSLESS, filtered: true, displaycropped: true });
    const output = cropped.videos[0]!.output;
    assert.equal(path.basename(output), `${path.parse(file).name}${scorer}filtered_labeled.mp4`);
    const info = await probeVideo(output);
    assert.deepEqual([info.width, info.height], [140, 100]);
    const out = await readFrameRange(output, 0, FRAMES);
    for (const f of [0, 11]) {
      for (let k = 0; k < 3; k++) {
        const p = at(f, 0, k);
        assert.deepEqual(pixel(out[f]!, p.x - 20, p.y - 30), colors[k], `frame ${f} part ${k} shifted into the crop`);
      }
      // Outside the points: the source's pixels at the crop's offset.
      assert.deepEqual(pixel(out[f]!, 3, 95), pixel(source[f]!, 23, 125));
    }
  });

  it('names outputs as DeepLabCut does', () => {
    const folder = path.join('/data', 'videos');
    const table = path.join(folder, `m3v1${SCORER}_el.h5`);
    assert.equal(path.basename(labeledVideoPath(table, { multiAnimal: true, colorBy: 'bodypart', pcutoff: 0.6, filtered: false })), `m3v1${SCORER}_el_bp_p60_labeled.mp4`);
    // Python's int(100 * 0.29) is 28.
    assert.equal(path.basename(labeledVideoPath(table, { multiAnimal: true, colorBy: 'individual', pcutoff: 0.29, filtered: false })), `m3v1${SCORER}_el_id_p28_labeled.mp4`);
    const single = path.join(folder, `m3v1${SCORER}.h5`);
    assert.equal(path.basename(labeledVideoPath(single, { multiAnimal: false, colorBy: 'bodypart', pcutoff: 0.6, filtered: false })), `m3v1${SCORER}_labeled.mp4`);
    const singleFiltered = path.join(folder, `m3v1${SCORER}_filtered.h5`);
    assert.equal(path.basename(labeledVideoPath(singleFiltered, { multiAnimal: false, colorBy: 'bodypart', pcutoff: 0.6, filtered: true })), `m3v1${SCORER}filtered_labeled.mp4`);
    const multi = { multiAnimal: true, config: {}, configPath: 'config.yaml' } as unknown as Parameters<typeof resolveTrackMethod>[0];
    const drawable = { accept: ALL_TRACK_METHODS, singleAnimal: 'ignore' } as const;
    assert.deepEqual(resolveTrackMethod(multi, 'box', drawable), { kind: 'box', suffix: '_bx' });
    assert.deepEqual(resolveTrackMethod(multi, '', drawable), { kind: 'ellipse', suffix: '_el' });
    assert.deepEqual(resolveTrackMethod(multi, 'transformer', drawable), { kind: 'transformer', suffix: '_tr' });
    assert.throws(() => resolveTrackMethod(multi, 'kalman', drawable), isCode('USAGE'));
    assert.equal(encoderForCodec('mp4v'), 'mpeg4');
    assert.equal(encoderForCodec('libx264'), 'libx264');
  });

  it('parses DeepLabCut\'s options on the command line', async () => {
    const args = parseArgs(createLabeledVideoCommand.spec, ['cfg.yaml', 'a.mp4', 'b.mp4', '--color-by', 'individual', '--frames2plot', '3,1', '--no-fastmode', '--draw-skeleton', '--displayedbodyparts', 'snout,tailbase']);
    assert.deepEqual(args.positionals, { config: 'cfg.yaml', videos: ['a.mp4', 'b.mp4'] });
    assert.deepEqual([args.options['color-by'], args.options.frames2plot, args.options.fastmode, args.options['draw-skeleton']], ['individual', ['3', '1'], false, true]);
    assert.match(formatHelp(createLabeledVideoCommand.spec), /--tracklets/);
    assert.match(formatHelp(plotTrajectoriesCommand.spec), /--format png\|svg/);
    const context = { progress: silentProgress, signal: new AbortController().signal, note: () => {} };
    await assert.rejects(createLabeledVideoCommand.run({ positionals: { config, videos: [video] }, options: { 'color-by': 'animal' } }, context), isCode('USAGE', /color-by/));
    await assert.rejects(createLabeledVideoCommand.run({ positionals: { config, videos: [video] }, options: { frames2plot: ['x'] } }, context), isCode('USAGE', /frames2plot/));
  });

  it('benchmarks drawing against encoding the same frames', async () => {
    const bench = await benchLabeledVideo({ width: 128, height: 96, frames: 10, folder: work });
    assert.equal(bench.frames, 10);
    assert.ok(bench.renderFps > 0 && bench.encodeOnlyFps > 0);
    assert.ok(Number.isFinite(bench.ratio));
  });
});
