import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Broken DeepLabCut configs, each with the diagnostic it must produce and the exact text it must point at.
 * `base` names the real file the case starts from; `edits` are [from, to] replacements applied in order;
 * `at` is [context, target]: the first `target` after the first `context` in the edited text.
 */
export interface BrokenCase {
  name: string;
  base: 'ma' | 'sa' | 'inference';
  edits: Array<[string, string]>;
  code: string;
  severity: 1 | 2 | 3;
  at: [string, string];
  message?: RegExp;
}

export const SHARED = path.resolve(__dirname, '../../../shared/data');
export const FIXTURES = path.join(SHARED, 'dlc-config-fixtures');
export const BASES = {
  ma: fs.readFileSync(path.join(FIXTURES, 'multianimal_project_v0.yaml'), 'utf8'),
  sa: fs.readFileSync(path.join(FIXTURES, 'single_animal_project_v0.yaml'), 'utf8'),
  inference: fs.readFileSync(path.join(FIXTURES, 'inference_cfg.yaml'), 'utf8'),
};

const E = 1;
const W = 2;
const I = 3;
export const CASES: BrokenCase[] = [
  { name: 'pcutoff above 1', base: 'ma', edits: [['pcutoff: 0.6', 'pcutoff: 1.5']], code: 'schema', severity: E, at: ['pcutoff:', '1.5'], message: /`pcutoff` must be a number between 0 and 1/ },
  { name: 'pcutoff not a number', base: 'ma', edits: [['pcutoff: 0.6', 'pcutoff: high']], code: 'schema', severity: E, at: ['pcutoff:', 'high'] },
  { name: 'start after stop', base: 'ma', edits: [['start: 0.0', 'start: 0.9'], ['stop: 1.0', 'stop: 0.5']], code: 'start-after-stop', severity: E, at: ['start:', '0.9'] },
  { name: 'start negative', base: 'ma', edits: [['start: 0.0', 'start: -0.1']], code: 'schema', severity: E, at: ['start:', '-0.1'] },
  { name: 'numframes2pick zero', base: 'ma', edits: [['numframes2pick: 5', 'numframes2pick: 0']], code: 'schema', severity: E, at: ['numframes2pick:', '0'], message: /≥ 1/ },
  { name: 'numframes2pick fractional', base: 'ma', edits: [['numframes2pick: 5', 'numframes2pick: 2.5']], code: 'schema', severity: E, at: ['numframes2pick:', '2.5'] },
  { name: 'TrainingFraction of 1', base: 'ma', edits: [['TrainingFraction:\n- 0.8', 'TrainingFraction:\n- 0.8\n- 1.0']], code: 'schema', severity: E, at: ['TrainingFraction:', '1.0'], message: /TrainingFraction\[1\]` must be a number strictly between 0 and 1/ },
  { name: 'TrainingFraction of 0', base: 'ma', edits: [['TrainingFraction:\n- 0.8', 'TrainingFraction:\n- 0']], code: 'schema', severity: E, at: ['TrainingFraction:', '0'] },
  { name: 'TrainingFraction not a list', base: 'ma', edits: [['TrainingFraction:\n- 0.8', 'TrainingFraction: 0.8']], code: 'schema', severity: E, at: ['TrainingFraction:', '0.8'] },
  { name: 'list of body parts in a multi-animal project', base: 'ma', edits: [['bodyparts: MULTI!', 'bodyparts: [nose, tail]']], code: 'schema', severity: E, at: ['bodyparts:', '[nose, tail]'], message: /MULTI!/ },
  { name: 'MULTI! in a single-animal project', base: 'ma', edits: [['multianimalproject: true', 'multianimalproject: false']], code: 'schema', severity: E, at: ['bodyparts:', 'MULTI!'] },
  { name: 'no individuals', base: 'ma', edits: [['individuals:\n- mouse1\n- mouse2', 'individuals: []']], code: 'schema', severity: E, at: ['individuals:', '[]'], message: /non-empty/ },
  { name: 'individual listed twice', base: 'ma', edits: [['- mouse2', '- mouse1']], code: 'schema', severity: E, at: ['- mouse1\n- ', 'mouse1'], message: /twice/ },
  { name: 'individual name with a space', base: 'ma', edits: [['- mouse2', '- mouse 2']], code: 'name-has-space', severity: E, at: ['individuals:', 'mouse 2'] },
  { name: 'multi-animal body part with a space', base: 'ma', edits: [['- nose\n- tail\n', '- nose\n- tail base\n'], ['  - tail', '  - tail base']], code: 'name-has-space', severity: E, at: ['multianimalbodyparts:', 'tail base'] },
  { name: 'unique body part with a space', base: 'ma', edits: [['- corner2', '- corner 2']], code: 'name-has-space', severity: E, at: ['uniquebodyparts:', 'corner 2'] },
  { name: 'body part both unique and multi-animal', base: 'ma', edits: [['- corner2', '- nose']], code: 'bodypart-unique-and-multi', severity: E, at: ['uniquebodyparts:', 'nose'] },
  { name: 'skeleton names an unknown body part', base: 'ma', edits: [['- - nose\n  - tail', '- - nose\n  - tial']], code: 'skeleton-unknown-part', severity: E, at: ['skeleton:', 'tial'], message: /multianimalbodyparts/ },
  { name: 'skeleton edge with three parts', base: 'ma', edits: [['- - nose\n  - tail', '- [nose, tail, corner1]']], code: 'schema', severity: E, at: ['skeleton:', '[nose, tail, corner1]'], message: /pair/ },
  { name: 'skeleton is a name, not a list', base: 'ma', edits: [['skeleton:\n- - nose\n  - tail', 'skeleton: nose']], code: 'schema', severity: E, at: ['skeleton:', 'nose'] },
  { name: 'skeleton edge repeated', base: 'ma', edits: [['- - nose\n  - tail', '- - nose\n  - tail\n- [tail, nose]']], code: 'skeleton-duplicate-edge', severity: W, at: ['skeleton:', '[tail, nose]'] },
  { name: 'identity with one individual', base: 'ma', edits: [['identity: false', 'identity: true'], ['- mouse1\n- mouse2', '- mouse1']], code: 'identity-one-individual', severity: E, at: ['identity:', 'true'] },
  { name: 'identity not a boolean', base: 'ma', edits: [['identity: false', 'identity: yes']], code: 'schema', severity: E, at: ['identity:', 'yes'] },
  { name: 'unknown engine', base: 'ma', edits: [['engine: pytorch', 'engine: torch']], code: 'schema', severity: E, at: ['engine:', 'torch'], message: /pytorch or tensorflow/ },
  { name: 'unknown track method', base: 'ma', edits: [['default_track_method: ellipse', 'default_track_method: kalman']], code: 'schema', severity: E, at: ['default_track_method:', 'kalman'] },
  { name: 'snapshotindex a word', base: 'ma', edits: [['snapshotindex: -1', 'snapshotindex: last']], code: 'schema', severity: E, at: ['snapshotindex:', 'last'], message: /whole number or all/ },
  { name: 'batch_size zero', base: 'ma', edits: [['batch_size: 8', 'batch_size: 0']], code: 'schema', severity: E, at: ['\nbatch_size:', '0'] },
  { name: 'unknown colormap', base: 'ma', edits: [['colormap: rainbow', 'colormap: rainbows']], code: 'unknown-colormap', severity: W, at: ['colormap:', 'rainbows'] },
  { name: 'crop with three numbers', base: 'ma', edits: [['crop: 0, 640, 0, 480', 'crop: 0, 640, 0']], code: 'schema', severity: E, at: ['crop:', '0, 640, 0'], message: /four whole numbers/ },
  { name: 'crop with x1 after x2', base: 'ma', edits: [['crop: 0, 640, 0, 480', 'crop: 640, 0, 0, 480']], code: 'crop-order', severity: E, at: ['crop:', '640, 0, 0, 480'] },
  { name: 'video_sets a list', base: 'ma', edits: [['video_sets:\n  /test/fixtures/multianimal_project_v0/videos/m3v1.mp4:\n    crop: 0, 640, 0, 480\n  /test/fixtures/multianimal_project_v0/videos/m3v2.mp4:\n    crop: 0, 640, 0, 480', 'video_sets: [a.mp4, b.mp4]']], code: 'schema', severity: E, at: ['video_sets:', '[a.mp4, b.mp4]'] },
  { name: 'analysis crop with x1 after x2', base: 'ma', edits: [['cropping: false', 'cropping: true'], ['x1: 0', 'x1: 700']], code: 'crop-order', severity: E, at: ['x2:', '640'] },
  { name: 'negative x1', base: 'ma', edits: [['x1: 0', 'x1: -5']], code: 'schema', severity: E, at: ['x1:', '-5'] },
  { name: 'corner2move2 with one number', base: 'ma', edits: [['corner2move2:\n- 50\n- 50', 'corner2move2: [50]']], code: 'schema', severity: E, at: ['corner2move2:', '[50]'] },
  { name: 'empty Task', base: 'ma', edits: [['Task: multi_mouse', "Task: ''"]], code: 'schema', severity: E, at: ['Task:', "''"], message: /non-empty/ },
  { name: 'scorer missing', base: 'ma', edits: [['scorer: test\n', '']], code: 'schema', severity: E, at: ['config_version', 'config_version'], message: /missing key `scorer`/ },
  { name: 'negative dotsize', base: 'ma', edits: [['dotsize: 12', 'dotsize: -1']], code: 'schema', severity: E, at: ['dotsize:', '-1'] },
  { name: 'alphavalue above 1', base: 'ma', edits: [['alphavalue: 0.7', 'alphavalue: 2']], code: 'schema', severity: E, at: ['alphavalue:', '2'] },
  { name: 'negative iteration', base: 'ma', edits: [['iteration: 1', 'iteration: -1']], code: 'schema', severity: E, at: ['iteration:', '-1'] },
  { name: 'conversion table names an unknown part', base: 'ma', edits: [['SuperAnimalConversionTables:\n', 'SuperAnimalConversionTables:\n  superanimal_topviewmouse:\n    nose: nose\n    snout: nose\n']], code: 'conversion-unknown-part', severity: E, at: ['superanimal_topviewmouse:', 'snout'] },
  { name: 'duplicate key', base: 'ma', edits: [['dotsize: 12', 'dotsize: 12\npcutoff: 0.5']], code: 'yaml-DUPLICATE_KEY', severity: E, at: ['dotsize: 12\n', 'pcutoff'], message: /^Map keys must be unique$/ },
  { name: 'unclosed flow list', base: 'ma', edits: [['corner2move2:\n- 50\n- 50', 'corner2move2: [50, 50']], code: 'yaml-BAD_INDENT', severity: E, at: ['corner2move2: [50, 50\n', 'move2corner'], message: /end with a \]$/ },
  { name: 'misspelt key', base: 'ma', edits: [['pcutoff: 0.6', 'pcutof: 0.6']], code: 'unknown-key', severity: I, at: ['pcutof', 'pcutof'] },
  { name: 'multianimalproject not a boolean', base: 'ma', edits: [['multianimalproject: true', 'multianimalproject: maybe']], code: 'schema', severity: E, at: ['multianimalproject:', 'maybe'] },
  { name: 'single-animal body part with a space', base: 'sa', edits: [['- leftear', '- left ear']], code: 'name-has-space', severity: E, at: ['bodyparts:', 'left ear'] },
  { name: 'single-animal skeleton names an unknown part', base: 'sa', edits: [['skeleton: []', 'skeleton:\n- [snout, nose]']], code: 'skeleton-unknown-part', severity: E, at: ['skeleton:', 'nose'], message: /`bodyparts`/ },
  { name: 'single-animal body parts listed twice', base: 'sa', edits: [['- tailbase', '- snout']], code: 'schema', severity: E, at: ['- rightear\n- ', 'snout'] },
  { name: 'inference pcutoff above 1', base: 'inference', edits: [['pcutoff: 0.1', 'pcutoff: 2']], code: 'schema', severity: E, at: ['pcutoff:', '2'] },
  { name: 'inference unknown method', base: 'inference', edits: [["method: 'm1'", "method: 'm9'"]], code: 'schema', severity: E, at: ['method:', "'m9'"] },
  { name: 'inference topktoretain zero', base: 'inference', edits: [['topktoretain: willbeautomaticallyupdatedbycreate_training_datasetcode', 'topktoretain: 0']], code: 'schema', severity: E, at: ['topktoretain:', '0'], message: /≥ 1/ },
  { name: 'inference withid not a boolean', base: 'inference', edits: [['withid: False', 'withid: maybe']], code: 'schema', severity: E, at: ['withid:', 'maybe'] },
  { name: 'inference negative iou_threshold', base: 'inference', edits: [['iou_threshold: .6', 'iou_threshold: -.6']], code: 'schema', severity: E, at: ['iou_threshold:', '-.6'] },
  { name: 'inference placeholder', base: 'inference', edits: [], code: 'inference-placeholder', severity: W, at: ['minimalnumberofconnections:', 'willbeautomaticallyupdatedbycreate_training_datasetcode'] },
];

export function applyEdits(text: string, edits: Array<[string, string]>): string {
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`edit does not apply: ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  return text;
}

/** Offsets of the first `target` after `context` (or of `context` itself when both are the same). */
export function spanOf(text: string, [context, target]: [string, string]): [number, number] {
  const from = text.indexOf(context);
  if (from < 0) throw new Error(`context not found: ${JSON.stringify(context)}`);
  const start = text.indexOf(target, context === target ? from : from + context.length);
  if (start < 0) throw new Error(`target not found: ${JSON.stringify(target)}`);
  return [start, start + target.length];
}

export function fileNameFor(base: BrokenCase['base']): string {
  return base === 'inference' ? 'inference_cfg.yaml' : 'config.yaml';
}
