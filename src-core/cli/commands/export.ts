import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import { EXPORT_FORMATS, exportPoses, type ExportFormat, type ExportedPoses } from '../../io/export';
import type { TrackerKind } from '../../track/tracklets';
import type { Command } from '../command';
import { listPositional, numberOption, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT, REFINED_OPTION, VIDEOS_ARGUMENT, VIDEOTYPE_OPTION } from '../shared-options';

function describe(e: ExportedPoses): string {
  const unique = e.uniqueBodyparts.length > 0 ? `, ${e.uniqueBodyparts.length} unique` : '';
  return `${path.basename(e.video)}: ${e.output} (${e.frames} frames, ${e.individuals.length} individuals, ${e.bodyparts.length} body parts${unique})`;
}

export const exportPosesCommand: Command = {
  spec: {
    name: 'export-poses',
    summary: 'Export tracked poses to NWB (ndx-pose) or a SLEAP analysis HDF5 file, for pynwb, movement and SLEAP.',
    positionals: [CONFIG_ARGUMENT, VIDEOS_ARGUMENT],
    options: {
      format: { type: 'string', value: 'FORMAT', description: 'nwb (ndx-pose) or sleap-analysis (SLEAP .analysis.h5)' },
      shuffle: { type: 'number', value: 'K', description: 'the shuffle whose tracked tables are exported', default: 1 },
      'track-method': { type: 'string', value: 'METHOD', description: "the tracker's table: box, skeleton, ellipse or identity (config default_track_method)" },
      filtered: { type: 'boolean', description: 'export the _filtered table (herd filter)' },
      refined: REFINED_OPTION,
      destfolder: { type: 'string', value: 'DIR', description: 'where herd analyze --destfolder put the tables (default: beside each video); the exports go there too' },
      videotype: VIDEOTYPE_OPTION,
      overwrite: { type: 'boolean', description: 'replace exports that already exist' },
    },
    details: [
      'Reads <video><scorer>_el.h5 (or .csv; _bx/_sk/_id per --track-method, _el_filtered with --filtered, _el_refined',
      'with --refined) and writes <table stem>.nwb or <table stem>.analysis.h5 beside it. NWB: one ndx-pose PoseEstimation',
      'per individual (PoseEstimation_<name>, series per body part, confidence = likelihood) and a Skeleton from',
      "config.yaml; open with pynwb after `import ndx_pose`. SLEAP: SLEAP's analysis layout (tracks [tracks, 2, nodes,",
      "frames]…), read by movement's load_poses.from_sleap_file and by SLEAP. Nothing is written if any output already",
      'exists.',
    ].join('\n'),
  },
  async run(args, context) {
    const format = stringOption(args, 'format');
    if (format === undefined) throw new HerdError('USAGE', `--format is required: ${EXPORT_FORMATS.join(' or ')} (see: herd export-poses --help)`);
    if (!EXPORT_FORMATS.includes(format as ExportFormat)) {
      throw new HerdError('USAGE', `--format is ${EXPORT_FORMATS.join(' or ')}, got "${format}" (see: herd export-poses --help)`);
    }
    const result = await exportPoses(positional(args, 'config'), listPositional(args, 'videos'), {
      format: format as ExportFormat,
      shuffle: numberOption(args, 'shuffle'),
      trackMethod: stringOption(args, 'track-method') as TrackerKind | undefined,
      filtered: args.options.filtered === true,
      refined: args.options.refined === true,
      destfolder: stringOption(args, 'destfolder'),
      videotype: stringOption(args, 'videotype'),
      overwrite: args.options.overwrite === true,
      log: context.note,
    });
    const lines = [`exported ${result.exports.length} table(s) as ${format}`, ...result.exports.map(describe)];
    return { text: lines.join('\n'), data: { ...result } };
  },
};
