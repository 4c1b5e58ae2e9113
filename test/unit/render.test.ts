/**
 * `herd create-video-with-all-detections` with real ffmpeg: a small synthetic video and a hand-made detections
 * file with peaks at known places; the rendered video is decoded again and its pixels checked.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { createVideoWithAllDetectionsCommand } from '../../src-core/cli/commands/render';
import { HerdError } from '../../src-core/common/errors';
import { silentProgress } from '../../src-core/common/progress';
import { writeDetections, type DetectionsContent } from '../../src-core/infer/outputs';
import { loadProject } from '../../src-core/project/load';
import { findDetectionsFile } from '../../src-core/infer/locate';
import { createVideoWithAllDetections, drawDisc, partColors } from '../../src-core/render';
import { createSynthProject } from '../../src-core/synth/project';
import { probeVideo, readFrameRange, type Frame } from '../../src-core/video';
import { temporaryFolder } from '../helpers/workspace';

const FRAMES = 30;
const W = 192;
const H = 192;
const SCORER = 'DLC_HerdSmall_synthNov25shuffle1_snapshot_3';

let config: string;
let video: string;
let bodyparts: string[];
let individuals: string[];
let source: Frame[];
let pcutoff: number;
let dotsize: number;
let colors: Array<[number, number, number]>;

/** frame, body part, x, y, score: three above the default p-cutoff (0.6), one below. */
const PEAKS = [
  [3, 0, 40, 40, 0.9],
  [3, 2, 150, 60, 0.95],
  [10, 1, 100, 140, 0.8],
  [10, 0, 40, 150, 0.3],
] as const;

const work = temporaryFolder();

before(async () => {
  const synth = await createSynthProject({
    synth: { frames: FRAMES, width: W, height: H, animals: 1, keypoints: 3, seed: 3, noiseSigma: 2 },
    workingDirectory: work,
    labeledFrames: 2,
  });
  config = synth.configPath;
  video = synth.videoPath;
  const project = loadProject(config);
  bodyparts = project.bodyparts;
  individuals = project.individuals;
  pcutoff = project.config.pcutoff;
  dotsize = project.config.dotsize;
  colors = partColors(project.config.colormap, bodyparts.length);
  source = await readFrameRange(video, 0, FRAMES);
});

function detections(options: { frames?: number; partial?: boolean; peaks?: ReadonlyArray<readonly number[]> } = {}): DetectionsContent {
  const frames = options.frames ?? FRAMES;
  const K = bodyparts.length;
  return {
    assemblies: new Float32Array(frames * K * 4).fill(NaN),
    assemblyScores: new Float32Array(frames).fill(NaN),
    peaks: Float32Array.from((options.peaks ?? PEAKS).flat()),
    maxAnimals: 1,
    metadata: {
      video,
      fps: 30,
      frames,
      totalFrames: FRAMES,
      width: W,
      height: H,
      scorer: SCORER,
      bodyparts,
      uniqueBodyparts: [],
      individuals,
      pafGraph: [],
      model: 'model.onnx',
      partial: options.partial ?? false,
      ...(options.partial ? { stoppedAt: 'video is damaged or incomplete' } : {}),
    },
  };
}

/** A copy of the synthetic video in a fresh folder (so each test has its own outputs). */
function videoCopy(name = 'mice.mp4'): string {
  const file = path.join(fs.mkdtempSync(path.join(work, 'case-')), name);
  fs.copyFileSync(video, file);
  return file;
}

function detectionsFile(videoFile: string, scorer = SCORER, folder = path.dirname(videoFile)): string {
  return path.join(folder, `${path.parse(videoFile).name}${scorer}_detections.safetensors`);
}

/** Mean RGB over a (2r+1)² patch. */
function patchMean(frame: Frame, x: number, y: number, r = 3): number[] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let row = y - r; row <= y + r; row++) {
    for (let col = x - r; col <= x + r; col++) {
      const at = (row * frame.width + col) * 3;
      for (let c = 0; c < 3; c++) sum[c] += frame.data[at + c];
      n += 1;
    }
  }
  return sum.map((s) => s / n);
}

const maxDiff = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
const isCode = (code: string, pattern?: RegExp) => (e: unknown) =>
  e instanceof HerdError && e.code === code && (!pattern || pattern.test(e.message));

describe('create-video-with-all-detections', () => {
  it('draws each peak at or above the p-cutoff in its body part colour and leaves the rest of the video as it was', async () => {
    const file = videoCopy();
    writeDetections(detectionsFile(file), detections());
    const result = await createVideoWithAllDetections(config, [file], { progress: silentProgress });
    const [rendered] = result.videos;
    const output = path.join(path.dirname(file), `mice${SCORER}_full.mp4`);
    assert.equal(rendered!.output, output);
    assert.equal(rendered!.scorer, SCORER);
    assert.deepEqual([rendered!.frames, rendered!.drawn, rendered!.belowCutoff, rendered!.partial], [FRAMES, 3, 1, false]);
    assert.equal(result.pcutoff, pcutoff);
    assert.deepEqual(
      fs.readdirSync(path.dirname(file)).filter((n) => n.startsWith('.')),
      [],
      'no temporary file left behind',
    );

    const info = await probeVideo(output);
    assert.deepEqual([info.width, info.height, info.frameCount], [W, H, FRAMES]);
    assert.ok(Math.abs(info.fps - 30) < 1e-6);
    const out = await readFrameRange(output, 0, FRAMES);
    assert.equal(out.length, FRAMES);

    // Drawn peaks: the disc's colour (the body part's colour), within compression error.
    for (const [frame, part, x, y, score] of PEAKS) {
      const got = patchMean(out[frame]!, x, y);
      if (score >= pcutoff) {
        assert.ok(maxDiff(got, colors[part]!) < 24, `frame ${frame} part ${part}: ${got.map(Math.round)} vs colour ${colors[part]}`);
      } else {
        // Below the cutoff: nothing drawn, the source shows through.
        assert.ok(maxDiff(got, colors[part]!) > 60, `low-score peak looks drawn: ${got.map(Math.round)}`);
        assert.ok(maxDiff(got, patchMean(source[frame]!, x, y)) < 10, `frame ${frame} at (${x}, ${y}) differs from the source`);
      }
    }
    // The same place in a frame without detections is the source's.
    assert.ok(maxDiff(patchMean(out[4]!, 40, 40), patchMean(source[4]!, 40, 40)) < 10);

    // Away from the discs every frame matches the source within compression error.
    const margin = dotsize + 4;
    for (let f = 0; f < FRAMES; f++) {
      const near = PEAKS.filter(([frame, , , , score]) => frame === f && score >= pcutoff);
      let sum = 0;
      let n = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          if (near.some(([, , px, py]) => (x - px) ** 2 + (y - py) ** 2 < margin * margin)) continue;
          const at = (y * W + x) * 3;
          for (let c = 0; c < 3; c++) sum += Math.abs(out[f]!.data[at + c]! - source[f]!.data[at + c]!);
          n += 3;
        }
      }
      assert.ok(sum / n < 4, `frame ${f}: mean difference ${(sum / n).toFixed(2)} away from the detections`);
    }
  });

  it('refuses to overwrite an existing output unless asked', async () => {
    const file = videoCopy();
    writeDetections(detectionsFile(file), detections());
    const output = path.join(path.dirname(file), `mice${SCORER}_full.mp4`);
    fs.writeFileSync(output, 'keep me');
    await assert.rejects(createVideoWithAllDetections(config, [file]), isCode('OUTPUT_EXISTS', /--overwrite/));
    assert.equal(fs.readFileSync(output, 'utf8'), 'keep me');
    const result = await createVideoWithAllDetections(config, [file], { overwrite: true });
    assert.equal(result.videos[0]!.frames, FRAMES);
    assert.equal((await probeVideo(output)).frameCount, FRAMES);
  });

  it('says to run herd analyze when the video has no detections file', async () => {
    const file = videoCopy('unanalysed.mp4');
    await assert.rejects(createVideoWithAllDetections(config, [file]), isCode('DETECTIONS_NOT_FOUND', /herd analyze/));
    // Detections of another shuffle do not count, and the error says they are there.
    writeDetections(detectionsFile(file, SCORER.replace('shuffle1', 'shuffle2')), detections());
    await assert.rejects(createVideoWithAllDetections(config, [file]), isCode('DETECTIONS_NOT_FOUND', /shuffle2/));
    assert.deepEqual(fs.readdirSync(path.dirname(file)).filter((n) => n.endsWith('.mp4')), ['unanalysed.mp4']);
  });

  it('takes the newest of several detections files in --destfolder and says so', async () => {
    const file = videoCopy();
    const dest = fs.mkdtempSync(path.join(work, 'dest-'));
    const older = detectionsFile(file, SCORER, dest);
    const newer = detectionsFile(file, SCORER.replace('snapshot_3', 'snapshot_5'), dest);
    writeDetections(older, detections({ peaks: [] }));
    writeDetections(newer, detections());
    fs.utimesSync(older, new Date(2020, 0, 1), new Date(2020, 0, 1));
    assert.equal(findDetectionsFile(file, { folder: dest, shuffle: 1 }).file, newer);
    const notes: string[] = [];
    const result = await createVideoWithAllDetections(config, [path.dirname(file)], { destfolder: dest, videotype: 'mp4', log: (l) => notes.push(l) });
    assert.equal(result.videos[0]!.output, newer.replace('_detections.safetensors', '_full.mp4'));
    assert.equal(result.videos[0]!.drawn, 3);
    assert.ok(notes.some((n) => n.includes('newest') && n.includes(path.basename(newer))), notes.join('\n'));
  });

  it('renders the frames a partial detections file has, and says so (through the CLI command)', async () => {
    const file = videoCopy();
    writeDetections(detectionsFile(file), detections({ frames: 12, partial: true }));
    const notes: string[] = [];
    const context = { progress: silentProgress, signal: new AbortController().signal, note: (l: string) => notes.push(l) };
    const result = await createVideoWithAllDetectionsCommand.run({ positionals: { config, videos: [file] }, options: { shuffle: 1 } }, context);
    assert.match(result.text, /PARTIAL/);
    assert.ok(notes.some((n) => /partial/.test(n) && /12 of 30/.test(n)), notes.join('\n'));
    const output = path.join(path.dirname(file), `mice${SCORER}_full.mp4`);
    const out = await readFrameRange(output, 0, 12);
    assert.equal((await probeVideo(output)).frameCount, 12);
    assert.ok(maxDiff(patchMean(out[10]!, 100, 140), colors[1]!) < 24);
  });

  it('draws discs as skimage.draw.disk does (pixel centres strictly inside the radius)', () => {
    const rgb = new Uint8Array(10 * 10 * 3);
    drawDisc(rgb, 10, 10, 5, 5, 2, [255, 0, 0]);
    const drawn: string[] = [];
    for (let i = 0; i < 100; i++) if (rgb[i * 3] === 255) drawn.push(`${i % 10},${Math.floor(i / 10)}`);
    assert.deepEqual(drawn.sort(), ['4,4', '4,5', '4,6', '5,4', '5,5', '5,6', '6,4', '6,5', '6,6']);
    // Clipped at the border, no wrap-around.
    const edge = new Uint8Array(10 * 10 * 3);
    drawDisc(edge, 10, 10, 0, 0, 3, [0, 255, 0]);
    assert.equal(edge[(0 * 10 + 9) * 3 + 1], 0);
    assert.equal(edge[(0 * 10 + 2) * 3 + 1], 255);
    assert.equal(edge[(2 * 10 + 2) * 3 + 1], 255); // 2² + 2² = 8 < 9
    assert.equal(edge[(3 * 10 + 0) * 3 + 1], 0); // on the circle: not inside
  });
});
