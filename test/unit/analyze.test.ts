/**
 * `herd analyze` on a tiny trained synthetic project: the detections file holds every frame, re-runs are skipped
 * unless asked, a damaged video gives a partial output that says so, and a missing or mismatched model is a clear
 * error. (Assembly itself is tested exactly in assemble.test.ts; speed in `herd bench --analysis`.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { parse } from 'yaml';
import { analyzeCommand } from '../../src-core/cli/commands/analyze';
import { HerdError } from '../../src-core/common/errors';
import { silentProgress } from '../../src-core/common/progress';
import { evaluateNetwork } from '../../src-core/evaluate/evaluate';
import { analyzeVideos } from '../../src-core/infer/analyze';
import { readDetections } from '../../src-core/infer/outputs';
import { readPoseTable } from '../../src-core/io/pose-table';
import { loadProject } from '../../src-core/project/load';
import { resolveFfmpeg } from '../../src-core/video';
import { TRAINED_PROJECT_FRAMES, trainedSynthProject } from '../helpers/trained-project';
import { temporaryFolder } from '../helpers/workspace';

let template: string;
const templateWork = temporaryFolder();
const FRAMES = TRAINED_PROJECT_FRAMES;

before(async () => {
  const synth = await trainedSynthProject(templateWork);
  template = synth.root;
});

function project(): { config: string; video: string } {
  const copy = path.join(temporaryFolder(), path.basename(template));
  fs.cpSync(template, copy, { recursive: true });
  const video = fs.readdirSync(path.join(copy, 'videos')).find((n) => n.endsWith('.mp4'))!;
  return { config: path.join(copy, 'config.yaml'), video: path.join(copy, 'videos', video) };
}

const isCode = (code: string) => (e: unknown) => e instanceof HerdError && e.code === code;

describe('evaluate', () => {
  it('scores the chosen snapshots on train and test images and writes the results CSVs', async () => {
    const { config } = project();
    const result = await evaluateNetwork(config, { snapshots: 'all', pcutoff: { snout: 0.3 } });
    const names = result.evaluations.map((e) => path.basename(e.snapshot));
    assert.equal(names[names.length - 1]!.startsWith('snapshot-best-'), true, names.join(' '));
    assert.ok(names.includes('snapshot-003.safetensors'));
    for (const e of result.evaluations) {
      assert.equal(e.train.images + e.test.images, 16);
      assert.ok(Number.isFinite(e.train.rmse) && e.train.rmse >= 0);
      assert.ok(e.test.mAP >= 0 && e.test.mAP <= 100);
      assert.equal(e.train.perBodypart.length, 4);
    }
    const [perShuffle, combined] = result.files;
    assert.match(perShuffle!, /evaluation-results-pytorch\/iteration-0\/synth\w+-trainset95shuffle1\/DLC_HerdSmall_[\w-]+-results\.csv$/);
    const rows = fs.readFileSync(combined!, 'utf8').trim().split('\n');
    assert.match(rows[0]!, /^Training epochs,%Training dataset,Shuffle number,Snapshot,Train error\(px\),Test error\(px\)/);
    assert.equal(rows.length, 1 + names.length);
    // Re-evaluating one snapshot replaces its row instead of adding one.
    await evaluateNetwork(config, { snapshots: [0] });
    assert.equal(fs.readFileSync(combined!, 'utf8').trim().split('\n').length, 1 + names.length);
    await assert.rejects(evaluateNetwork(config, { snapshots: [7] }), (e: unknown) => isCode('SNAPSHOT_NOT_FOUND')(e) && /outside the \d+ snapshots/.test((e as Error).message));
    await assert.rejects(evaluateNetwork(config, { pcutoff: { nose: 0.5 } }), isCode('PCUTOFF_UNKNOWN_BODYPART'));
  });
});

describe('data-driven skeleton', () => {
  it('saves the chosen PAF edges as edges_to_keep, and evaluation and analysis assemble with them', async () => {
    const { config, video } = project();
    const result = await evaluateNetwork(config, { selectPafGraph: true });
    const [choice] = result.pafGraphs;
    assert.ok(choice && choice.edges.length >= 3 && choice.edges.length <= choice.graphSize, JSON.stringify(choice));
    const pytorchConfig = fs.readdirSync(path.dirname(config), { recursive: true }).map(String).find((f) => f.endsWith('pytorch_config.yaml'))!;
    const text = fs.readFileSync(path.join(path.dirname(config), pytorchConfig), 'utf8');
    const saved = (parse(text) as { model: { heads: { bodypart: { predictor: { edges_to_keep: number[] } } } } }).model.heads.bodypart.predictor.edges_to_keep;
    assert.deepEqual(saved, choice.edges);
    const analyzed = await analyzeVideos(config, [video]);
    assert.equal(analyzed.videos[0]!.status, 'analyzed');
  });
});

describe('analyze', () => {
  it('writes every frame\'s animals, unique parts and peaks, then skips the video unless --overwrite', async () => {
    const { config, video } = project();
    const result = await analyzeVideos(config, [video]);
    assert.match(result.scorer, /^DLC_HerdSmall_synth[A-Z][a-z]{2}\d+shuffle1_snapshot_(best-)?\d+$/);
    const [analysis] = result.videos;
    assert.equal(analysis!.status, 'analyzed');
    assert.equal(analysis!.frames, FRAMES);
    assert.equal(path.basename(analysis!.detections), `${path.parse(video).name}${result.scorer}_detections.safetensors`);
    const detections = readDetections(analysis!.detections);
    const meta = detections.metadata;
    assert.equal(meta.frames, FRAMES);
    assert.equal(meta.partial, false);
    assert.deepEqual(meta.individuals.length, 2);
    assert.equal(detections.assemblies.length, FRAMES * 2 * 4 * 4);
    assert.equal(detections.assemblyScores.length, FRAMES * 2);
    assert.equal(detections.unique!.length, FRAMES * 1 * 3);
    // Every detected point lies in the frame; peaks are (frame, part, x, y, score) rows.
    for (let i = 0; i < detections.assemblies.length; i += 4) {
      const [x, y] = [detections.assemblies[i]!, detections.assemblies[i + 1]!];
      if (!Number.isNaN(x)) assert.ok(x > -8 && x < 264 && y > -8 && y < 200, `${x}, ${y}`);
    }
    assert.equal(detections.peaks.length % 5, 0);
    assert.ok(detections.peaks.length > 0);

    const again = await analyzeVideos(config, [video]);
    assert.equal(again.videos[0]!.status, 'skipped');
    const redone = await analyzeVideos(config, [video], { overwrite: true, batchSize: 3 });
    assert.equal(redone.videos[0]!.status, 'analyzed');
    // The same model on the same frames gives the same detections whatever the batch size.
    assert.deepEqual(readDetections(redone.videos[0]!.detections).assemblies, detections.assemblies);
  });

  it('herd analyze tracks and stitches multi-animal videos (auto-track), and skips what exists on a rerun', async () => {
    const { config, video } = project();
    const notes: string[] = [];
    const context = { progress: silentProgress, signal: new AbortController().signal, note: (line: string) => notes.push(line) };
    const result = await analyzeCommand.run({ positionals: { config, videos: [video] }, options: { 'auto-track': true, 'save-as-csv': true } }, context);
    const scorer = (result.data as { scorer: string }).scorer;
    const prefix = path.join(path.dirname(video), `${path.parse(video).name}${scorer}`);
    assert.ok(fs.existsSync(`${prefix}_el.tracklets.safetensors`), result.text);
    const table = await readPoseTable(`${prefix}_el.h5`);
    assert.deepEqual(table.poses.individuals, loadProject(config).individuals);
    assert.equal(table.poses.frames, FRAMES);
    assert.ok(fs.existsSync(`${prefix}_el.csv`));
    assert.match(result.text, /tracks → /);

    const rerun = await analyzeCommand.run({ positionals: { config, videos: [video] }, options: { 'auto-track': true } }, context);
    assert.match(rerun.text, /tracks exist/);
    const off = project();
    await analyzeCommand.run({ positionals: { config: off.config, videos: [off.video] }, options: { 'auto-track': false } }, context);
    assert.equal(fs.readdirSync(path.dirname(off.video)).filter((name) => name.includes('_el')).length, 0);
  });

  it('--device cuda:0 without a CUDA ONNX Runtime says so before analysing; an unknown device is refused', async () => {
    const { config, video } = project();
    await assert.rejects(analyzeVideos(config, [video], { device: 'cuda:0' }), (e: unknown) => e instanceof HerdError && e.code === 'DEVICE_UNAVAILABLE' && /cuda:0/.test(e.message));
    await assert.rejects(analyzeVideos(config, [video], { device: 'tpu' }), isCode('INVALID_OPTION'));
    assert.equal(fs.readdirSync(path.dirname(video)).filter((name) => name.endsWith('_detections.safetensors')).length, 0);
    const cpu = await analyzeVideos(config, [video], { device: 'cpu' });
    assert.equal(cpu.videos[0]!.status, 'analyzed');
  });

  it('gives the same animals with the tfjs fallback as with ONNX Runtime', async () => {
    const { config, video } = project();
    const onnxRun = await analyzeVideos(config, [video], { destfolder: path.join(path.dirname(video), 'onnx') });
    const notes: string[] = [];
    const tfjsRun = await analyzeVideos(config, [video], { runtime: 'tfjs', destfolder: path.join(path.dirname(video), 'tfjs'), log: (l) => notes.push(l) });
    const a = readDetections(onnxRun.videos[0]!.detections).assemblies;
    const b = readDetections(tfjsRun.videos[0]!.detections).assemblies;
    assert.equal(a.length, b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
      assert.equal(Number.isNaN(a[i]!), Number.isNaN(b[i]!), `slot ${i}`);
      if (!Number.isNaN(a[i]!)) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    }
    assert.ok(worst < 1e-3, `largest difference ${worst}`);
  });

  it('analyses what decodes of a damaged video and marks the output partial', async () => {
    const { config, video } = project();
    const mkv = video.replace(/\.mp4$/, '_damaged.mkv');
    const whole = video.replace(/\.mp4$/, '_whole.mkv');
    const run = spawnSync(resolveFfmpeg(), ['-v', 'error', '-i', video, '-c:v', 'mpeg4', '-g', '5', '-y', whole]);
    assert.equal(run.status, 0, String(run.stderr));
    const bytes = fs.readFileSync(whole);
    fs.writeFileSync(mkv, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
    const notes: string[] = [];
    const result = await analyzeVideos(config, [mkv], { log: (l) => notes.push(l) });
    const [analysis] = result.videos;
    assert.equal(analysis!.status, 'partial');
    assert.ok(analysis!.frames > 5 && analysis!.frames < FRAMES, `${analysis!.frames} frames`);
    const meta = readDetections(analysis!.detections).metadata;
    assert.equal(meta.partial, true);
    assert.equal(meta.frames, analysis!.frames);
    assert.ok(notes.some((n) => /marked partial/.test(n)));
  });

  it('warns when the video is not the size the model was trained on', async () => {
    const { config, video } = project();
    const larger = video.replace(/\.mp4$/, '_large.mp4');
    const run = spawnSync(resolveFfmpeg(), ['-v', 'error', '-i', video, '-vf', 'scale=320:240', '-y', larger]);
    assert.equal(run.status, 0, String(run.stderr));
    const notes: string[] = [];
    const result = await analyzeVideos(config, [larger], { log: (l) => notes.push(l) });
    assert.equal(result.videos[0]!.status, 'analyzed');
    assert.ok(notes.some((n) => /is 320×240; the model was trained on 256×192 images/.test(n)), notes.join('\n'));
  });

  it('says when the model is missing or predicts other body parts', async () => {
    const { config, video } = project();
    await assert.rejects(analyzeVideos(config, [video], { model: path.join(path.dirname(config), 'nope.onnx') }), isCode('MODEL_NOT_FOUND'));
    // A model of another project: the same network with other body-part names in its metadata.
    const modelFile = fs.readdirSync(path.dirname(config), { recursive: true }).map(String).find((f) => f.endsWith('model.onnx'))!;
    const model = onnx.ModelProto.decode(fs.readFileSync(path.join(path.dirname(config), modelFile)));
    model.metadataProps = model.metadataProps.map((p) => (p.key === 'bodyparts' ? { ...p, value: JSON.stringify(['snout', 'tail', 'ear', 'paw']) } : p));
    const other = path.join(path.dirname(config), 'other.onnx');
    fs.writeFileSync(other, onnx.ModelProto.encode(model).finish());
    await assert.rejects(analyzeVideos(config, [video], { model: other }), (e: unknown) => isCode('MODEL_MISMATCH')(e) && /snout, tail, ear, paw/.test((e as Error).message));
    await assert.rejects(analyzeVideos(config, [path.join(path.dirname(video), 'absent.mp4')]), isCode('VIDEO_NOT_FOUND'));
    await assert.rejects(analyzeVideos(config, [video], { assembly: { identityOnly: true } }), (e: unknown) => isCode('USAGE')(e) && /identity head/.test((e as Error).message));
  });
});
