import * as path from 'node:path';
import { formatAccuracyBench, runAccuracyBench } from '../../bench/accuracy';
import { runAnalysisBench } from '../../bench/analysis';
import { formatBench, runBench } from '../../bench/bench';
import { formatIdentityStudy, runTrackingBench } from '../../bench/tracking';
import { formatTrainingBench, runTrainingBench } from '../../bench/training';
import { formatDemo, runDemo } from '../../demo/demo';
import type { SynthOptions } from '../../synth/options';
import { createSynthProject } from '../../synth/project';
import { synthesize } from '../../synth/write';
import type { Command } from '../command';
import { numberOption, stringOption } from '../command';
import type { ParsedArgs } from '../args';

function synthOptionsFrom(args: ParsedArgs): Partial<SynthOptions> {
  const pick = (name: string) => numberOption(args, name);
  return {
    animals: pick('animals'),
    keypoints: pick('keypoints'),
    frames: pick('frames'),
    width: pick('width'),
    height: pick('height'),
    fps: pick('fps'),
    seed: pick('seed'),
    uniqueBodyparts: pick('unique-bodyparts'),
    noiseSigma: pick('noise'),
  };
}

export const synthCommand: Command = {
  spec: {
    name: 'synth',
    summary: 'Render a synthetic multi-animal video with ground truth in DeepLabCut CSV layout (the test bed).',
    positionals: [],
    options: {
      animals: { type: 'number', value: 'N', description: 'number of animals', default: 3 },
      keypoints: { type: 'number', value: 'K', description: 'keypoints per animal (10: snout, ears, spine, tail)', default: 10 },
      'unique-bodyparts': { type: 'number', value: 'U', description: 'fixed landmarks (unique body parts)', default: 0 },
      frames: { type: 'number', value: 'F', description: 'video length in frames', default: 300 },
      width: { type: 'number', value: 'PX', description: 'frame width', default: 640 },
      height: { type: 'number', value: 'PX', description: 'frame height', default: 480 },
      fps: { type: 'number', description: 'frame rate', default: 30 },
      seed: { type: 'number', description: 'random seed; the same seed gives the same video', default: 0 },
      noise: { type: 'number', value: 'SIGMA', description: 'sensor noise, grey levels', default: 6 },
      output: { type: 'string', value: 'DIR', description: 'folder for the files (or the project, with --project)', default: '.' },
      project: { type: 'boolean', description: 'also create a Herd/DeepLabCut project with labeled frames' },
      'labeled-frames': { type: 'number', value: 'M', description: 'labeled frames in the project (with --project)', default: 20 },
      scorer: { type: 'string', description: 'scorer of the labels (with --project)', default: 'herd' },
    },
    details: 'Writes synth.mp4, synth_groundtruth.csv (index = frame) and synth_groundtruth.json (visibility, options).',
  },
  async run(args, context) {
    const output = path.resolve(stringOption(args, 'output') ?? '.');
    if (args.options.project) {
      const project = await createSynthProject({
        synth: synthOptionsFrom(args),
        workingDirectory: output,
        scorer: stringOption(args, 'scorer'),
        labeledFrames: numberOption(args, 'labeled-frames'),
        progress: context.progress,
        signal: context.signal,
      });
      return {
        text: [
          `Created synthetic project ${project.root}`,
          `  config:       ${project.configPath}`,
          `  video:        ${project.videoPath}`,
          `  ground truth: ${project.groundTruthCsvPath}`,
          `  labels:       ${project.labelsH5Path} and .csv (${project.labeledFrameIndices.length} frames)`,
        ].join('\n'),
        data: { ...project, scene: undefined },
      };
    }
    const result = await synthesize(synthOptionsFrom(args), output, { progress: context.progress, signal: context.signal });
    return {
      text: [`Wrote ${result.videoPath}`, `  ground truth: ${result.groundTruthCsvPath}`, `  visibility:   ${result.sidecarPath}`].join('\n'),
      data: { videoPath: result.videoPath, groundTruthCsvPath: result.groundTruthCsvPath, sidecarPath: result.sidecarPath },
    };
  },
};

export const demoCommand: Command = {
  spec: {
    name: 'demo',
    summary: 'Build a synthetic project in ./herd-demo/ and run every stage on it, printing where each output is.',
    positionals: [],
    options: {
      dir: { type: 'string', value: 'DIR', description: 'folder for the demo (replaced on each run)', default: 'herd-demo' },
      frames: { type: 'number', value: 'F', description: 'length of the synthetic video', default: 300 },
      epochs: { type: 'number', value: 'N', description: 'epochs of the demo training run', default: 10 },
    },
  },
  async run(args, context) {
    const result = await runDemo({
      directory: stringOption(args, 'dir') ?? 'herd-demo',
      frames: numberOption(args, 'frames'),
      trainEpochs: numberOption(args, 'epochs'),
      progress: context.progress,
      log: context.note,
      signal: context.signal,
    });
    return { text: formatDemo(result), data: { ...result } };
  },
};

export const benchCommand: Command = {
  spec: {
    name: 'bench',
    summary: 'Measure throughputs side by side in one run and print them as a Markdown table.',
    positionals: [],
    options: {
      frames: { type: 'number', value: 'F', description: 'frames of the 640×480 synthetic video', default: 600 },
      analysis: { type: 'boolean', description: 'instead: video analysis fps (ffmpeg decode-only, the model alone in ONNX Runtime, herd analyze end to end)' },
      tracking: { type: 'boolean', description: 'instead: frames/s of assembly, tracking, stitching and labeled videos on synthetic detections (3 animals × 12 parts, 2,000 frames), and ID switches before/after stitching on 5 seeds' },
      training: { type: 'boolean', description: 'instead: training img/s of herd_small per available backend and thread count' },
      cpu: { type: 'boolean', description: 'with --training: also time one step of the pure-JavaScript cpu backend (minutes)' },
      accuracy: { type: 'string', value: 'DATA', description: 'instead: train herd_small for --minutes on DATA (synth, or a DeepLabCut project folder) and print the test error by epoch' },
      minutes: { type: 'number', value: 'M', description: 'training budget of --accuracy', default: 20 },
      'labeled-frames': { type: 'number', value: 'N', description: 'labeled frames of --accuracy synth', default: 150 },
      'label-noise': { type: 'number', value: 'PX', description: 'Gaussian noise (σ, px) added to the labels of --accuracy synth', default: 1 },
    },
  },
  async run(args, context) {
    if (args.options.analysis === true) {
      const rows = await runAnalysisBench({ frames: numberOption(args, 'frames'), progress: context.progress, log: context.note, signal: context.signal });
      return { text: formatBench({ rows, environment: {} }), data: { rows } };
    }
    if (args.options.tracking === true) {
      const result = await runTrackingBench({ log: context.note, signal: context.signal });
      return { text: `${formatBench({ rows: result.rows, environment: {} })}\n${formatIdentityStudy(result)}`, data: { ...result } };
    }
    if (args.options.training === true) {
      const rows = await runTrainingBench({ includeCpu: args.options.cpu === true, log: context.note });
      return { text: formatTrainingBench(rows), data: { rows } };
    }
    const accuracy = stringOption(args, 'accuracy');
    if (accuracy) {
      const result = await runAccuracyBench({
        dataset: accuracy,
        minutes: numberOption(args, 'minutes') ?? 20,
        labeledFrames: numberOption(args, 'labeled-frames'),
        labelNoise: numberOption(args, 'label-noise') ?? 1,
        progress: context.progress,
        log: context.note,
        signal: context.signal,
      });
      return { text: formatAccuracyBench(result), data: { ...result } };
    }
    const result = await runBench({ frames: numberOption(args, 'frames'), progress: context.progress, signal: context.signal });
    return { text: formatBench(result), data: { ...result } };
  },
};
