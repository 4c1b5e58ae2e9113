import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient } from './lsp-client';

/** A realistic ~200-line multi-animal config.yaml (12 body parts, 4 animals, 40 videos, a 17-edge skeleton). */
export function benchConfigText(root: string): string {
  const parts = ['nose', 'left_ear', 'right_ear', 'neck', 'left_shoulder', 'right_shoulder', 'spine1', 'spine2', 'left_hip', 'right_hip', 'tail_base', 'tail_tip'];
  const lines = [
    '# Config schema version. Do not edit manually.', 'config_version: 0',
    '# Project definitions (do not edit)', 'Task: bench', 'scorer: herd', 'date: Nov25', 'multianimalproject: true', 'identity: false', '',
    '# Project path (change when moving around)', `project_path: ${root}`, '',
    '# Default DeepLabCut engine to use for shuffle creation (either pytorch or tensorflow)', 'engine: pytorch', '',
    '# Annotation data set configuration (and individual video cropping parameters)', 'video_sets:',
  ];
  for (let index = 0; index < 40; index++) lines.push(`  ${root}/videos/session${index}.mp4:`, '    crop: 0, 640, 0, 480');
  lines.push('bodyparts: MULTI!', 'individuals:', ...['mouse1', 'mouse2', 'mouse3', 'mouse4'].map((name) => `- ${name}`));
  lines.push('uniquebodyparts:', '- corner1', '- corner2', 'multianimalbodyparts:', ...parts.map((name) => `- ${name}`), '');
  lines.push('# Fraction of video to start/stop when extracting frames for labeling/refinement', 'start: 0', 'stop: 1', 'numframes2pick: 20', '');
  lines.push('# Plotting configuration', 'skeleton:');
  for (let index = 0; index + 1 < parts.length; index++) lines.push(`- - ${parts[index]}`, `  - ${parts[index + 1]}`);
  lines.push('- - left_ear', '  - right_ear', '- - left_shoulder', '  - right_shoulder', '- - left_hip', '  - right_hip', '- - nose', '  - neck', '- - neck', '  - spine2', '- - spine2', '  - tail_base');
  lines.push('skeleton_color: black', 'pcutoff: 0.6', 'dotsize: 12', 'alphavalue: 0.7', 'colormap: rainbow', '');
  lines.push('# Training,Evaluation and Analysis configuration', 'TrainingFraction:', '- 0.95', 'iteration: 0', 'default_net_type: resnet_50',
    'default_augmenter: albumentations', 'default_track_method: ellipse', 'snapshotindex: -1', 'detector_snapshotindex: -1', 'batch_size: 8', 'detector_batch_size: 1', '');
  lines.push('# Cropping Parameters (for analysis and outlier frame detection)', 'cropping: false', '# if cropping is true for analysis, then set the values here:',
    'x1: 0', 'x2: 640', 'y1: 277', 'y2: 624', '');
  lines.push('# Refinement configuration (parameters from annotation dataset configuration also relevant in this stage)', 'corner2move2:', '- 50', '- 50', 'move2corner: true', '');
  lines.push('# Conversion tables to fine-tune SuperAnimal weights', 'SuperAnimalConversionTables:', '',
    '# These are very old parameters that are no longer used They are simply ignored.', 'resnet:', 'croppedtraining:');
  return `${lines.join('\n')}\n`;
}

export interface LatencyResult {
  medianMs: number;
  p95Ms: number;
  runs: number;
  lines: number;
}

/**
 * Median time from a didChange (one edited value) to the published diagnostics, for a ~200-line
 * config.yaml, against the built server (`dist/server.js --stdio`) as an editor talks to it.
 */
export async function measureDiagnosticsLatency(options: { runs?: number; serverScript?: string } = {}): Promise<LatencyResult> {
  const runs = options.runs ?? 100;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-lsp-bench-'));
  const client = await LspClient.start(options.serverScript);
  try {
    const text = benchConfigText(root);
    const uri = pathToFileURL(path.join(root, 'config.yaml')).toString();
    await client.open(uri, text);
    const line = text.split('\n').findIndex((candidate) => candidate.startsWith('pcutoff:'));
    const times: number[] = [];
    for (let run = 0; run < runs + 5; run++) {
      const value = (0.1 + (run % 8) / 10).toFixed(1);
      const started = process.hrtime.bigint();
      await client.change(uri, { range: { start: { line, character: 9 }, end: { line, character: 12 } }, text: value });
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      if (run >= 5) times.push(elapsed); // the first few warm the JIT
    }
    times.sort((a, b) => a - b);
    const at = (fraction: number) => times[Math.min(times.length - 1, Math.floor(fraction * times.length))];
    return { medianMs: at(0.5), p95Ms: at(0.95), runs, lines: text.split('\n').length };
  } finally {
    await client.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void measureDiagnosticsLatency().then((result) => {
    console.log(`| LSP diagnostics after didChange (${result.lines}-line config.yaml) | median ${result.medianMs.toFixed(2)} ms | p95 ${result.p95Ms.toFixed(2)} ms | ${result.runs} runs |`);
  });
}
