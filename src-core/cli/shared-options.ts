import type { OptionSpec } from './args';

/** Arguments and options several commands take, declared once so their names and help read the same everywhere. */
export const CONFIG_ARGUMENT = { name: 'config', description: "the project's config.yaml (or its folder)" };

export const VIDEOS_ARGUMENT = { name: 'videos...', description: 'video files or folders of videos' };

export const VIDEOTYPE_OPTION: OptionSpec = { type: 'string', value: 'EXT', description: 'video extension to pick from folders, e.g. .mp4' };

/** `--refined`: the commands that read a video's pose table (filter, labeled videos, plots, export, outliers). */
export const REFINED_OPTION: OptionSpec = { type: 'boolean', description: 'use the table saved by the refinement panel (<…>_refined.h5)' };

export const COPY_VIDEOS_OPTION: OptionSpec = { type: 'boolean', description: 'copy videos into the project instead of symlinking them' };

export const WORKING_DIRECTORY_OPTION: OptionSpec = { type: 'string', value: 'DIR', description: 'where to create the project', default: '.' };

/** `--device`, else the `HERD_DEVICE` environment variable (the extension's `herd.device` setting sets it). */
export function deviceOption(value: string | undefined): string | undefined {
  return value ?? (process.env.HERD_DEVICE || undefined);
}
