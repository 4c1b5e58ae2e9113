/** `herd synth` output: the video, the ground-truth CSV (DeepLabCut layout) and the sidecar JSON. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import type { ProgressReporter } from '../common/progress';
import { formatSidecar, groundTruthCsv, groundTruthSidecar } from './groundtruth';
import type { SynthOptions } from './options';
import type { SynthScene } from './scene';
import { simulateScene } from './simulate';
import { writeSynthVideo } from './video';

export interface SynthesizeRunOptions {
  progress?: ProgressReporter;
  /** File name stem (default `synth`): `<name>.mp4`, `<name>_groundtruth.csv`, `<name>_groundtruth.json`. */
  name?: string;
  /** Scorer written in the ground-truth CSV (default `synth`). */
  scorer?: string;
  codec?: string;
  quality?: number;
  ffmpeg?: string;
  /** Replace existing outputs (default false: an existing output is an error, checked up front). */
  overwrite?: boolean;
  signal?: AbortSignal;
}

export interface SynthesizeResult {
  videoPath: string;
  groundTruthCsvPath: string;
  sidecarPath: string;
  scene: SynthScene;
}

/** The output paths for a name in a folder. */
export function synthOutputPaths(outDir: string, name = 'synth') {
  return {
    videoPath: path.join(outDir, `${name}.mp4`),
    groundTruthCsvPath: path.join(outDir, `${name}_groundtruth.csv`),
    sidecarPath: path.join(outDir, `${name}_groundtruth.json`),
  };
}

/** Simulates a scene and writes its video, ground-truth CSV and sidecar JSON into `outDir`. */
export async function synthesize(
  options: Partial<SynthOptions>,
  outDir: string,
  run: SynthesizeRunOptions = {},
): Promise<SynthesizeResult> {
  const name = run.name ?? 'synth';
  if (!/^[\w.-]+$/.test(name)) {
    throw new HerdError('INVALID_NAME', `"${name}" is not a usable file name (letters, digits, _ . - only)`);
  }
  const scorer = run.scorer ?? 'synth';
  const paths = synthOutputPaths(outDir, name);
  fs.mkdirSync(outDir, { recursive: true });
  if (!run.overwrite) {
    for (const file of Object.values(paths)) {
      if (fs.existsSync(file)) {
        throw new HerdError('FILE_EXISTS', 'file already exists; choose another name or allow overwriting', { file });
      }
    }
  }

  const scene = simulateScene(options);
  // The video is the slow part and may fail; the ground truth is written only once it exists.
  await writeSynthVideo(scene, paths.videoPath, {
    progress: run.progress,
    codec: run.codec,
    quality: run.quality,
    ffmpeg: run.ffmpeg,
    overwrite: run.overwrite,
    signal: run.signal,
  });
  writeFileAtomic(paths.groundTruthCsvPath, groundTruthCsv(scene, scorer), { overwrite: run.overwrite ?? false });
  writeFileAtomic(paths.sidecarPath, formatSidecar(groundTruthSidecar(scene, scorer)), { overwrite: run.overwrite ?? false });
  return { ...paths, scene };
}
