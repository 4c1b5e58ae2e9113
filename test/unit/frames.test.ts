import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { isHerdError } from '../../src-core/common/errors';
import type { ProgressEvent } from '../../src-core/common/progress';
import { Random } from '../../src-core/common/random';
import {
  decodeSelectedFrames,
  extractFrames,
  extractionRange,
  frameImageName,
  MemoryFeatureStore,
  miniBatchKMeans,
  uniformFrameIndices,
} from '../../src-core/frames';
import { createProject } from '../../src-core/project/create';
import { editConfig } from '../../src-core/project/edit';
import { createSynthProject } from '../../src-core/synth/project';
import { grabFrame, openEncoder, probeVideo } from '../../src-core/video';
import { listTree, temporaryFolder } from '../helpers/workspace';

const HERD = path.resolve(__dirname, '../../dist/herd.js');
const WIDTH = 320;
const HEIGHT = 240;
/**
 * Uneven solid-colour segments: [0, 60) dark, [60, 90) red, [90, 110) cyan, [110, 120) white. k-means
 * compares grey (the mean of R, G and B, as DeepLabCut), so the colours differ in brightness too.
 */
const SEGMENTS: Array<{ length: number; rgb: [number, number, number] }> = [
  { length: 60, rgb: [20, 20, 20] },
  { length: 30, rgb: [200, 60, 60] },
  { length: 20, rgb: [60, 200, 200] },
  { length: 10, rgb: [240, 240, 240] },
];
const FRAMES = SEGMENTS.reduce((sum, segment) => sum + segment.length, 0);

function segmentOf(frame: number): number {
  let end = 0;
  for (const [i, segment] of SEGMENTS.entries()) {
    end += segment.length;
    if (frame < end) return i;
  }
  throw new Error(`frame ${frame} is past the video`);
}

/** A video of the segments, each a solid colour with a moving square so frames within a segment differ a little. */
async function makeSegmentVideo(file: string): Promise<void> {
  const encoder = await openEncoder({ path: file, width: WIDTH, height: HEIGHT, fps: 30 });
  const rgb = new Uint8Array(WIDTH * HEIGHT * 3);
  let frame = 0;
  for (const segment of SEGMENTS) {
    for (let i = 0; i < segment.length; i++, frame++) {
      for (let p = 0; p < WIDTH * HEIGHT; p++) rgb.set(segment.rgb, p * 3);
      const x0 = (frame * 2) % (WIDTH - 20);
      for (let y = 100; y < 120; y++) for (let x = x0; x < x0 + 20; x++) rgb.set([128, 128, 128], (y * WIDTH + x) * 3);
      await encoder.write(rgb);
    }
  }
  await encoder.close();
}

/** Minimal PNG reader for what encodePng writes (8-bit RGB, filter 0 rows). */
function decodePng(file: string): { width: number; height: number; rgb: Uint8Array } {
  const bytes = fs.readFileSync(file);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('ascii', offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      assert.equal(body[8], 8);
      assert.equal(body[9], 2);
    } else if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width * 3 + 1)], 0, 'filter type 0');
    rgb.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3);
  }
  return { width, height, rgb };
}

function pngsIn(folder: string): string[] {
  return fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => name.endsWith('.png')).sort() : [];
}

/** Overwrite top-level keys of config.yaml as text (for values edit-config refuses, like start ≥ stop). */
function setConfigText(configPath: string, key: string, value: string): void {
  const text = fs.readFileSync(configPath, 'utf8');
  const pattern = new RegExp(`^${key}:.*$`, 'm');
  assert.match(text, pattern);
  fs.writeFileSync(configPath, text.replace(pattern, `${key}: ${value}`));
}

/** 1-based line of a top-level key in a YAML file. */
function lineOf(file: string, key: string): number {
  return fs.readFileSync(file, 'utf8').split('\n').findIndex((line) => line.startsWith(`${key}:`)) + 1;
}

function errorOf(promise: Promise<unknown>): Promise<ReturnType<typeof assertHerd>> {
  return promise.then(
    () => assert.fail('expected an error'),
    (error: unknown) => assertHerd(error),
  );
}

function assertHerd(error: unknown) {
  assert.ok(isHerdError(error), `expected a HerdError, got ${String(error)}`);
  return error;
}

describe('frame extraction', () => {
  const work = temporaryFolder('herd-frames-');
  let segmentVideo: string;
  let counter = 0;

  /** A fresh project on the segment video (projects are cheap: the video is linked). */
  async function segmentProject(edits: Array<{ key: string[]; value: unknown }> = []): Promise<{ configPath: string; root: string; video: string; folder: string }> {
    const folder = path.join(work, `p${counter++}`);
    fs.mkdirSync(folder);
    const created = await createProject({ task: 'seg', experimenter: 'test', videos: [segmentVideo], workingDirectory: folder });
    if (edits.length > 0) editConfig(created.configPath, edits);
    return {
      configPath: created.configPath,
      root: created.root,
      video: path.join(created.root, 'videos', 'seg.mp4'),
      folder: path.join(created.root, 'labeled-data', 'seg'),
    };
  }

  before(async () => {
    segmentVideo = path.join(work, 'seg.mp4');
    await makeSegmentVideo(segmentVideo);
  });

  it("names frames as DeepLabCut does (img + index padded to ceil(log10(frames)) digits)", () => {
    assert.equal(frameImageName(7, 120), 'img007.png');
    assert.equal(frameImageName(42, 1000), 'img042.png');
    assert.equal(frameImageName(42, 1001), 'img0042.png');
    assert.equal(frameImageName(3, 10), 'img3.png');
    assert.equal(frameImageName(0, 1), 'img0.png');
  });

  it('uniform picks are evenly spaced within start/stop', () => {
    assert.deepEqual(extractionRange(120, 0.1, 0.9), { first: 12, end: 108 });
    assert.deepEqual(uniformFrameIndices(12, 108, 4), [24, 48, 72, 96]);
    assert.deepEqual(uniformFrameIndices(0, 5, 10), [0, 1, 2, 3, 4]);
  });

  it('uniform extraction writes exactly the evenly spaced frames, byte-equal to grabFrame', async () => {
    const project = await segmentProject([
      { key: ['numframes2pick'], value: 4 },
      { key: ['start'], value: 0.1 },
      { key: ['stop'], value: 0.9 },
    ]);
    const result = await extractFrames(project.configPath, { algo: 'uniform' });
    const [video] = result.videos;
    assert.equal(video.status, 'extracted');
    assert.deepEqual(video.indices, [24, 48, 72, 96]);
    assert.deepEqual(pngsIn(project.folder), ['img024.png', 'img048.png', 'img072.png', 'img096.png']);
    for (const index of video.indices) {
      const png = decodePng(path.join(project.folder, frameImageName(index, FRAMES)));
      const frame = await grabFrame(project.video, index);
      assert.equal(png.width, WIDTH);
      assert.equal(png.height, HEIGHT);
      assert.ok(Buffer.from(png.rgb).equals(Buffer.from(frame.data)), `frame ${index} differs from grabFrame`);
    }
    assert.deepEqual(listTree(project.folder).filter((name) => name.startsWith('.herd-tmp')), []);
  });

  it('kmeans picks one frame of each visually different segment, where uniform misses the short one', async () => {
    const project = await segmentProject([{ key: ['numframes2pick'], value: 4 }]);
    const uniform = await extractFrames(project.configPath, { algo: 'uniform' });
    const uniformSegments = new Set(uniform.videos[0].indices.map(segmentOf));
    assert.ok(uniformSegments.size < SEGMENTS.length, `uniform covered ${[...uniformSegments]}`);

    const kmeans = await extractFrames(project.configPath, { algo: 'kmeans', force: true, seed: 1 });
    const picks = kmeans.videos[0].indices;
    assert.equal(picks.length, 4);
    assert.equal(new Set(picks).size, 4);
    assert.deepEqual(picks.map(segmentOf), [0, 1, 2, 3]);
    const report = kmeans.videos[0].clustering!;
    assert.equal(report.k, 4);
    assert.equal(report.frames, FRAMES);
    assert.ok(report.converged, `stopped by ${report.stoppedBy}`);
    assert.ok(kmeans.notes.some((note) => /k-means with 4 clusters on 120 frames/.test(note)));
    // Added to the folder (--force): uniform's frames stay, kmeans' are written too.
    for (const index of [...uniform.videos[0].indices, ...picks]) assert.ok(fs.existsSync(path.join(project.folder, frameImageName(index, FRAMES))));
  });

  it('kmeans is deterministic for a seed and picks numframes2pick distinct frames', async () => {
    const project = await segmentProject([{ key: ['numframes2pick'], value: 7 }]);
    const first = await extractFrames(project.configPath, { seed: 3 });
    const second = await extractFrames(project.configPath, { seed: 3, force: true });
    assert.deepEqual(first.videos[0].indices, second.videos[0].indices);
    assert.equal(new Set(first.videos[0].indices).size, 7);
    assert.equal(pngsIn(project.folder).length, 7);
    assert.equal(new Set(first.videos[0].indices.map(segmentOf)).size, 4);
  });

  it('the mini-batch clusterer holds at most one batch of frames', async () => {
    // 1000 noisy frames around 5 grey levels, in batches of 50.
    const dim = 64;
    const data = new Uint8Array(1000 * dim);
    const random = new Random(5);
    for (let i = 0; i < 1000; i++) {
      const level = 40 * (i % 5) + 20;
      for (let d = 0; d < dim; d++) data[i * dim + d] = Math.max(0, Math.min(255, Math.round(level + 4 * random.gaussian())));
    }
    const result = miniBatchKMeans(new MemoryFeatureStore(data, dim), { k: 5, batchSize: 50, seed: 0 });
    assert.ok(result.report.peakFramesHeld <= 50, `held ${result.report.peakFramesHeld}`);
    assert.ok(result.report.peakFramesHeld > 0);
    assert.deepEqual(new Set(result.picks.map((p) => p % 5)).size, 5, 'one pick per grey level');
    assert.ok(result.report.converged);

    // The same bound through extraction: a batch of 16 frames from a 120-frame video.
    const project = await segmentProject([{ key: ['numframes2pick'], value: 4 }]);
    const extracted = await extractFrames(project.configPath, { clusterBatchSize: 16 });
    const report = extracted.videos[0].clustering!;
    assert.equal(report.batchSize, 16);
    assert.ok(report.peakFramesHeld <= 16 && report.frames === FRAMES, `held ${report.peakFramesHeld} of ${report.frames}`);
  });

  it('skips videos whose folder already has frames unless force, saying so', async () => {
    const synth = await createSynthProject({
      synth: { frames: 40, width: WIDTH, height: HEIGHT, animals: 2, keypoints: 4 },
      workingDirectory: path.join(work, 'synth'),
      labeledFrames: 5,
    });
    const before = pngsIn(synth.labeledFolder);
    assert.equal(before.length, 5);
    const notes: string[] = [];
    const skipped = await extractFrames(synth.configPath, { algo: 'uniform', note: (note) => notes.push(note) });
    assert.equal(skipped.videos[0].status, 'skipped');
    assert.ok(notes.some((note) => /already holds 5 extracted frame\(s\); skipped \(use --force/.test(note)), notes.join('\n'));
    assert.deepEqual(pngsIn(synth.labeledFolder), before);

    const forced = await extractFrames(synth.configPath, { algo: 'uniform', force: true });
    assert.equal(forced.videos[0].status, 'extracted');
    assert.ok(pngsIn(synth.labeledFolder).length > before.length);
    // The labels next to the frames are untouched.
    assert.ok(fs.existsSync(synth.labelsCsvPath));
  });

  it("crops to the video's crop in video_sets with crop on", async () => {
    const project = await segmentProject();
    const text = fs.readFileSync(project.configPath, 'utf8');
    fs.writeFileSync(project.configPath, text.replace(/crop: 0, 320, 0, 240/, 'crop: 10, 110, 20, 100'));
    const result = await extractFrames(project.configPath, { mode: 'manual', frames: [65], crop: true });
    const png = decodePng(path.join(project.folder, 'img065.png'));
    assert.equal(png.width, 100);
    assert.equal(png.height, 80);
    const frame = await grabFrame(project.video, 65, { crop: { x1: 10, x2: 110, y1: 20, y2: 100 } });
    assert.ok(Buffer.from(png.rgb).equals(Buffer.from(frame.data)));
    assert.deepEqual(result.videos[0].crop, { x1: 10, x2: 110, y1: 20, y2: 100 });

    // kmeans clusters the cropped frames too.
    const kmeans = await extractFrames(project.configPath, { crop: true, force: true });
    assert.equal(decodePng(kmeans.videos[0].files[0]).width, 100);
  });

  it('manual mode saves exactly the given frames; indices outside the video name the video and index', async () => {
    const project = await segmentProject();
    fs.mkdirSync(project.folder, { recursive: true });
    const result = await extractFrames(project.configPath, { mode: 'manual', frames: [30, 5, 119, 5] });
    assert.deepEqual(result.videos[0].indices, [5, 30, 119]);
    assert.deepEqual(pngsIn(project.folder), ['img005.png', 'img030.png', 'img119.png']);

    // Manual mode adds to a folder that has frames (the extension's frame grabber sends one at a time).
    await extractFrames(project.configPath, { mode: 'manual', frames: [60], videos: ['seg'] });
    assert.equal(pngsIn(project.folder).length, 4);

    const error = await errorOf(extractFrames(project.configPath, { mode: 'manual', frames: [10, 120] }));
    assert.equal(error.code, 'FRAME_OUT_OF_RANGE');
    assert.match(error.message, /frame 120 is not in seg\.mp4, which has 120 frames/);
    assert.equal(error.location.file, project.video);
    assert.equal(pngsIn(project.folder).length, 4, 'nothing written');

    const unknown = await errorOf(extractFrames(project.configPath, { mode: 'manual', frames: [1], videos: ['nope'] }));
    assert.equal(unknown.code, 'VIDEO_NOT_IN_PROJECT');
    assert.equal((await errorOf(extractFrames(project.configPath, { mode: 'manual' }))).code, 'INVALID_OPTION');
  });

  it('config errors name config.yaml; a short range takes all frames with a note; a missing video names the file', async () => {
    const project = await segmentProject();
    setConfigText(project.configPath, 'numframes2pick', '0');
    const zero = await errorOf(extractFrames(project.configPath));
    assert.equal(zero.code, 'CONFIG_INVALID');
    assert.equal(zero.location.file, project.configPath);
    assert.match(zero.describe(), /config\.yaml:\d+:\d+: .*numframes2pick/);
    assert.equal(zero.location.line, lineOf(project.configPath, 'numframes2pick'));

    setConfigText(project.configPath, 'numframes2pick', '20');
    setConfigText(project.configPath, 'start', '0.8');
    setConfigText(project.configPath, 'stop', '0.5');
    const order = await errorOf(extractFrames(project.configPath));
    assert.equal(order.code, 'CONFIG_INVALID');
    assert.equal(order.location.file, project.configPath);
    assert.match(order.message, /`start` must be smaller than `stop`/);

    setConfigText(project.configPath, 'start', '0.9');
    setConfigText(project.configPath, 'stop', '1');
    for (const algo of ['uniform', 'kmeans'] as const) {
      const notes: string[] = [];
      const result = await extractFrames(project.configPath, { algo, force: true, note: (note) => notes.push(note) });
      assert.deepEqual(result.videos[0].indices, Array.from({ length: 12 }, (_, i) => 108 + i));
      assert.ok(notes.some((note) => /taking all of them/.test(note)), notes.join('\n'));
    }

    fs.rmSync(project.video);
    const missing = await errorOf(extractFrames(project.configPath, { force: true }));
    assert.equal(missing.code, 'VIDEO_NOT_FOUND');
    assert.match(String(missing.location.file), /seg\.mp4$/);
  });

  it('selecting frames in ffmpeg gives the same bytes as decoding the range', async () => {
    const project = await segmentProject();
    const info = await probeVideo(project.video);
    const indices = [3, 59, 60, 61, 100, 119];
    const crop = { x1: 1, x2: 101, y1: 3, y2: 83 };
    const collect = async (selectLimit: number) => {
      const frames = [];
      for await (const frame of decodeSelectedFrames(project.video, info, indices, { crop, selectLimit })) frames.push(frame);
      return frames;
    };
    const selected = await collect(256);
    const ranged = await collect(2);
    assert.deepEqual(selected.map((frame) => frame.index), indices);
    assert.deepEqual(ranged.map((frame) => frame.index), indices);
    for (const [i, frame] of selected.entries()) assert.ok(Buffer.from(frame.data).equals(Buffer.from(ranged[i].data)), `frame ${frame.index}`);
  });

  it('cancelling leaves no new or partial file behind', async () => {
    const project = await segmentProject([{ key: ['numframes2pick'], value: 10 }]);
    fs.mkdirSync(project.folder, { recursive: true });
    const controller = new AbortController();
    const progress = {
      update(event: ProgressEvent) {
        if (event.task.startsWith('save frames') && event.done >= 3) controller.abort();
      },
      finish() {},
    };
    await assert.rejects(extractFrames(project.configPath, { algo: 'uniform', progress, signal: controller.signal }), (error: Error) => error.name === 'AbortError');
    assert.deepEqual(listTree(project.folder), []);

    // Cancelled while reading frames for k-means: no frames, and the temporary feature file is gone.
    const spills = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('herd-kmeans-'));
    const spillsBefore = spills();
    const early = new AbortController();
    const whileReading = {
      update(event: ProgressEvent) {
        if (event.task.startsWith('read frames') && event.done >= 30) early.abort();
      },
      finish() {},
    };
    await assert.rejects(extractFrames(project.configPath, { progress: whileReading, signal: early.signal }), (error: Error) => error.name === 'AbortError');
    assert.deepEqual(listTree(project.folder), []);
    assert.deepEqual(spills().filter((name) => !spillsBefore.includes(name)), []);
  });

  it('herd extract-frames --help and a --json run through the CLI', { skip: !fs.existsSync(HERD) && 'dist/herd.js not built' }, async () => {
    const help = spawnSync(process.execPath, [HERD, 'extract-frames', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage: herd extract-frames <config>/);
    for (const option of ['--mode', '--algo', '--crop', '--videos', '--frames', '--cluster-resize-width', '--cluster-step', '--seed', '--force']) {
      assert.ok(help.stdout.includes(option), option);
    }
    const project = await segmentProject([{ key: ['numframes2pick'], value: 4 }]);
    const run = spawnSync(process.execPath, [HERD, 'extract-frames', project.configPath, '--algo', 'kmeans', '--json'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(lines.some((line) => line.type === 'progress'));
    const result = lines.at(-1);
    assert.equal(result.type, 'result');
    assert.equal(result.command, 'extract-frames');
    assert.deepEqual(result.videos[0].indices.map(segmentOf), [0, 1, 2, 3]);
    assert.equal(pngsIn(project.folder).length, 4);

    const again = spawnSync(process.execPath, [HERD, 'extract-frames', project.configPath], { encoding: 'utf8' });
    assert.equal(again.status, 0);
    assert.match(again.stderr, /skipped \(use --force/);
    const bad = spawnSync(process.execPath, [HERD, 'extract-frames', project.configPath, '--mode', 'manual', '--frames', '500', '--json'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.equal(JSON.parse(bad.stdout.trim().split('\n').at(-1)!).code, 'FRAME_OUT_OF_RANGE');
  });
});
