/**
 * `herd bench --analysis`: video analysis throughput, side by side in one run on a 640×480 synthetic video:
 * ffmpeg's decode-only fps, the model alone in ONNX Runtime on frames decoded beforehand, and `herd analyze`
 * end to end (decode → inference → peaks → assembly → file). The model is herd_small trained briefly: speed does
 * not depend on how well it is trained.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { concatFloat32 } from '../common/arrays';
import { HerdError } from '../common/errors';
import type { ProgressReporter } from '../common/progress';
import { createTrainingDataset } from '../dataset';
import { analyzeVideos } from '../infer/analyze';
import { loadPoseModel } from '../infer/pose-model';
import { createSynthProject } from '../synth/project';
import { imageToTensor } from '../train/augment';
import { trainNetwork } from '../train/trainer';
import { decodeFrames, resolveFfmpeg, runFfmpeg } from '../video';
import type { BenchRow } from './bench';

export interface AnalysisBenchOptions {
  frames?: number;
  batchSize?: number;
  progress?: ProgressReporter;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export async function runAnalysisBench(options: AnalysisBenchOptions = {}): Promise<BenchRow[]> {
  const log = options.log ?? (() => {});
  const frames = options.frames ?? 600;
  const batchSize = options.batchSize ?? 4;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-analysis-bench-'));
  try {
    const synth = await createSynthProject({ workingDirectory: folder, synth: { animals: 3, frames, seed: 4 }, labeledFrames: 16, signal: options.signal });
    await createTrainingDataset(synth.configPath, { netType: 'herd_small', trainingsetindex: 0 });
    log('training herd_small for 2 epochs (a model to time, not to use)');
    await trainNetwork(synth.configPath, { epochs: 2, evalInterval: 100, signal: options.signal });
    const video = synth.videoPath;
    const rows: BenchRow[] = [];

    const ffmpeg = resolveFfmpeg();
    const start = performance.now();
    const run = await runFfmpeg(ffmpeg, ['-hide_banner', '-nostdin', '-i', video, '-map', '0:v:0', '-f', 'null', '-'], { signal: options.signal });
    if (run.exitCode !== 0) throw new HerdError('BENCH_FAILED', `ffmpeg decode failed: ${run.stderr.slice(-400)}`);
    const decodeRow = 'ffmpeg decode-only (-f null), 640×480';
    rows.push({ measurement: decodeRow, frames, seconds: (performance.now() - start) / 1000 });

    // The model alone: frames decoded and normalised beforehand, batches run back to back.
    const modelFile = path.join(path.dirname(synth.configPath), 'dlc-models-pytorch');
    const onnx = findFile(modelFile, 'model.onnx');
    // The model alone, twice: as herd analyze runs it (idle threads sleep) and with ONNX Runtime's default spinning
    // threads, which is faster when nothing else needs the cores. The faster one is the reference.
    const inputs: Float32Array[] = [];
    let batch: Float32Array[] = [];
    for await (const frame of decodeFrames(video, { signal: options.signal })) {
      batch.push(imageToTensor({ width: frame.width, height: frame.height, data: frame.data }, { normalizeImages: true, scaleToUnitRange: false }));
      if (batch.length === batchSize) {
        inputs.push(concatFloat32(batch));
        batch = [];
      }
    }
    const modelRows: BenchRow[] = [];
    for (const spinning of [false, true]) {
      const model = await loadPoseModel(onnx, { spinning });
      // run() takes its input over, so each round gets copies made before the clock starts.
      await model.run(inputs[0]!.slice(), batchSize, 480, 640); // warm-up
      const round = inputs.map((input) => input.slice());
      const modelStart = performance.now();
      for (const input of round) await model.run(input, batchSize, 480, 640);
      const label = `ONNX Runtime, herd_small alone on decoded frames (batch ${batchSize}, ${os.availableParallelism()} threads${spinning ? ', spinning' : ''})`;
      modelRows.push({ measurement: label, frames: inputs.length * batchSize, seconds: (performance.now() - modelStart) / 1000 });
      await model.close();
    }
    rows.push(...modelRows);

    const result = await analyzeVideos(synth.configPath, [video], { batchSize, overwrite: true, progress: options.progress, signal: options.signal });
    const analyzed = result.videos[0]!;
    const fps = (row: BenchRow) => row.frames / row.seconds;
    const fasterModel = modelRows.reduce((a, b) => (fps(b) > fps(a) ? b : a));
    const slower = fps(rows[0]!) < fps(fasterModel) ? decodeRow : fasterModel.measurement;
    rows.push({ measurement: `herd analyze end to end (decode → ORT → peaks → PAF assembly → file)`, frames: analyzed.frames, seconds: analyzed.seconds, ratio: { value: 0, against: slower } });
    const t = analyzed.times;
    log(`analyze stages (s): waiting for decode ${t.decode.toFixed(2)}, preprocess ${t.preprocess.toFixed(2)}, waiting for inference ${t.inference.toFixed(2)}, peaks + assembly ${t.postprocess.toFixed(2)}, write ${t.write.toFixed(2)}`);
    for (const row of rows) {
      if (row.ratio) {
        const reference = rows.find((r) => r.measurement === row.ratio!.against)!;
        row.ratio.value = row.frames / row.seconds / (reference.frames / reference.seconds);
      }
    }
    return rows;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

function findFile(folder: string, name: string): string {
  for (const entry of fs.readdirSync(folder, { recursive: true }) as string[]) if (path.basename(entry) === name) return path.join(folder, entry);
  throw new HerdError('BENCH_FAILED', `no ${name} under ${folder}`);
}
