/**
 * `herd stitch-tracklets` (DeepLabCut's `stitch_tracklets`): for each video, reads the tracklets file of the
 * shuffle and tracker (`<video><scorer><_el|_bx|_sk|_id>.tracklets.safetensors`, written by
 * `herd convert-detections2tracklets`), stitches it (`stitchTracklets`) and writes DeepLabCut's final tracks
 * `<video><scorer><suffix>.h5` beside it — key `df_with_missing` (the key movement, DLC2Kinematics and
 * keypoint-moseq read; DeepLabCut itself writes `tracks`, which Herd's reader also accepts), columns
 * scorer/individuals/bodyparts/coords, unique body parts under `single` — and, with `saveAsCsv`, the `.csv` twin.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { analysisFolder, findTrackletsFile, resolveTrackMethod, TRACKLETS_EXTENSION, type FoundAnalysisOutput, type TrackerKind } from '../infer/locate';
import { writePoseTable } from '../infer/outputs';
import { loadProject } from '../project/load';
import { collectVideoPaths } from '../project/videos';
import { readTracklets } from '../track/tracklets';
import { stitchTracklets, type StitchOptions, type StitchStats, type StitchedTrack } from './stitch';

export interface StitchVideosOptions extends Omit<StitchOptions, 'animalNames'> {
  /** The shuffle whose tracklets are stitched (default 1). */
  shuffle?: number;
  videotype?: string;
  /** Tracker whose tracklets are read: box, ellipse, skeleton or identity (default: config's default_track_method, else ellipse). */
  trackMethod?: string;
  /** Where the tracklets are (herd analyze / convert-detections2tracklets --destfolder); the tracks are written there too. */
  destfolder?: string;
  /** Track names (default: the config's individuals when nTracks equals their count, else ind1..indN). */
  animalNames?: string[];
  saveAsCsv?: boolean;
  overwrite?: boolean;
  progress?: ProgressReporter;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface StitchedVideo {
  video: string;
  tracklets: string;
  output: string;
  csv?: string;
  scorer: string;
  frames: number;
  tracks: StitchedTrack[];
  stats: StitchStats;
}

export interface StitchVideosResult {
  trackMethod: TrackerKind;
  nTracks: number;
  videos: StitchedVideo[];
}

/** `<prefix><suffix>.h5` for a tracklets file `<prefix><suffix>.tracklets.safetensors`. */
export function tracksPath(trackletsFile: string): string {
  return trackletsFile.slice(0, -TRACKLETS_EXTENSION.length) + '.h5';
}

/** Stitches the tracklets of each video into `<video><scorer><suffix>.h5` (+ `.csv`). */
export async function stitchVideos(configPath: string, inputs: string[], options: StitchVideosOptions = {}): Promise<StitchVideosResult> {
  const log = options.log ?? (() => {});
  const project = loadProject(configPath);
  const shuffle = options.shuffle ?? 1;
  if (!Number.isInteger(shuffle) || shuffle < 0) throw new HerdError('USAGE', `--shuffle must be a whole number, got ${shuffle}`);
  if (!project.multiAnimal) {
    throw new HerdError('USAGE', 'stitching tracklets is for multi-animal projects; a single-animal project gets its poses from herd analyze directly', { file: project.configPath });
  }
  const tracker = resolveTrackMethod(project, options.trackMethod).kind!;
  const nTracks = options.nTracks ?? project.individuals.length;
  if (!Number.isInteger(nTracks) || nTracks < 1) {
    throw new HerdError('USAGE', `--n-tracks must be a whole number ≥ 1${project.individuals.length === 0 ? ' (the config lists no individuals)' : ''}, got ${nTracks}`);
  }
  if (options.minLength !== undefined && !(options.minLength >= 1)) throw new HerdError('USAGE', `--min-length must be ≥ 1, got ${options.minLength}`);
  if (options.maxGap !== undefined && !(options.maxGap >= 1)) throw new HerdError('USAGE', `--max-gap must be ≥ 1, got ${options.maxGap}`);
  const names = options.animalNames ?? (nTracks === project.individuals.length ? project.individuals : undefined);

  const videos = collectVideoPaths(inputs, options.videotype);
  const plans = videos.map((video) => {
    const found: FoundAnalysisOutput = findTrackletsFile(video, { folder: analysisFolder(video, options.destfolder), shuffle, tracker });
    if (found.others.length > 0) {
      log(`${path.basename(video)}: ${found.others.length + 1} ${tracker} tracklets files of shuffle ${shuffle}; using the newest, ${path.basename(found.file)}`);
    }
    const output = tracksPath(found.file);
    const csv = output.replace(/\.h5$/, '.csv');
    if (!options.overwrite) {
      for (const file of [output, ...(options.saveAsCsv ? [csv] : [])]) {
        if (fs.existsSync(file)) throw new HerdError('OUTPUT_EXISTS', 'the tracks already exist; pass --overwrite to stitch again', { file });
      }
    }
    return { video, found, output };
  });

  const counter = new ProgressCounter(options.progress ?? silentProgress, 'stitch tracklets', plans.length, 'videos');
  const results: StitchedVideo[] = [];
  try {
    for (const plan of plans) {
      options.signal?.throwIfAborted();
      const name = path.basename(plan.video);
      const set = readTracklets(plan.found.file);
      if (set.metadata.partial) log(`${name}: the tracklets file is partial (${set.metadata.stoppedAt ?? 'stopped early'})`);
      let result;
      try {
        result = stitchTracklets(set, { ...options, nTracks, animalNames: names });
      } catch (error) {
        if (error instanceof HerdError && !error.location.file) throw new HerdError(error.code, error.message, { file: plan.found.file }, { cause: error });
        throw error;
      }
      const s = result.stats;
      if (s.fallback) log(`${name}: no set of ${nTracks} tracks covers every tracklet (gaps longer than ${s.maxGap} frames or more tracklets at once than tracks); kept the ${nTracks} that cover the most frames`);
      if (s.residualsDropped > 0) log(`${name}: ${s.residualsDropped} short tracklet(s) overlapped every track and were left out`);
      if (s.emptyTracks > 0) log(`${name}: ${s.emptyTracks} of ${nTracks} tracks are empty (fewer animals in the video than tracks?)`);
      const uniqueParts = result.unique ? { frames: result.unique.frames, bodyparts: result.unique.bodyparts, data: result.unique.data } : undefined;
      const written = await writePoseTable(plan.output, result.poses, set.metadata.scorer || plan.found.scorer, {
        multiAnimal: true,
        uniqueBodyparts: uniqueParts,
        csv: options.saveAsCsv,
        overwrite: options.overwrite,
      });
      results.push({
        video: plan.video,
        tracklets: plan.found.file,
        output: written.h5,
        ...(written.csv ? { csv: written.csv } : {}),
        scorer: set.metadata.scorer || plan.found.scorer,
        frames: result.poses.frames,
        tracks: result.tracks,
        stats: s,
      });
      counter.add();
    }
  } finally {
    counter.finish();
  }
  return { trackMethod: tracker, nTracks, videos: results };
}
