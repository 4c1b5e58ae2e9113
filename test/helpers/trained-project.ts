/**
 * A tiny synthetic project with a trained herd_small shuffle (256×192 video of 40 frames, 2 animals × 4 body parts
 * + 1 unique part, 16 labeled frames, 3 epochs): what evaluation, analysis and the plots are tested on. Seconds to
 * make; the model is poor, which is fine for testing the plumbing.
 */
import { createTrainingDataset } from '../../src-core/dataset';
import { createSynthProject, type SynthProject } from '../../src-core/synth/project';
import { trainNetwork } from '../../src-core/train/trainer';

export const TRAINED_PROJECT_FRAMES = 40;

export async function trainedSynthProject(workingDirectory: string, options: { epochs?: number } = {}): Promise<SynthProject> {
  const synth = await createSynthProject({
    synth: { frames: TRAINED_PROJECT_FRAMES, width: 256, height: 192, animals: 2, keypoints: 4, uniqueBodyparts: 1, seed: 5 },
    workingDirectory,
    labeledFrames: 16,
  });
  await createTrainingDataset(synth.configPath, { netType: 'herd_small', cropSize: [128, 128], trainingsetindex: 0 });
  await trainNetwork(synth.configPath, { epochs: options.epochs ?? 3, batchSize: 4, evalInterval: 100 });
  return synth;
}
