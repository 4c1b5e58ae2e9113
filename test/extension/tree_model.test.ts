import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  buildProjectTree,
  countLabeledRows,
  describeOutput,
  parseTrainsetShuffle,
  summarizeConfig,
  type FolderEntry,
  type ProjectFs,
  type TreeNode,
} from '../../src-extension/tree_model';

/** A ProjectFs over a dictionary of files (folders are implied by the paths). */
function memoryFs(files: Record<string, string>): ProjectFs {
  return {
    async list(folder) {
      const prefix = folder.endsWith('/') ? folder : `${folder}/`;
      const entries = new Map<string, FolderEntry>();
      for (const file of Object.keys(files)) {
        if (!file.startsWith(prefix)) continue;
        const [name, ...rest] = file.slice(prefix.length).split('/');
        entries.set(name!, { name: name!, isDirectory: rest.length > 0 });
      }
      return [...entries.values()];
    },
    async readText(file) {
      return files[file];
    },
  };
}

const diskFs: ProjectFs = {
  async list(folder) {
    try {
      return fs.readdirSync(folder, { withFileTypes: true }).map((entry) => ({ name: entry.name, isDirectory: entry.isDirectory() }));
    } catch {
      return [];
    }
  },
  async readText(file) {
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  },
};

const section = (tree: TreeNode[], id: string) => tree.find((node) => node.section === id)!;

const CONFIG = `Task: mice\nscorer: ana\ndate: Nov25\nmultianimalproject: true\niteration: 1\nvideo_sets:\n  /data/v/mouse1.mp4:\n    crop: 0, 320, 0, 240\n  /elsewhere/gone.avi:\n    crop: 0, 10, 0, 10\n`;

test('summarizeConfig reads Task, scorer, iteration and video_sets, and refuses other YAML', () => {
  const summary = summarizeConfig('/p/config.yaml', CONFIG)!;
  assert.deepEqual(summary, { configPath: '/p/config.yaml', root: '/p', task: 'mice', scorer: 'ana', iteration: 1, videoSets: ['/data/v/mouse1.mp4', '/elsewhere/gone.avi'] });
  assert.equal(summarizeConfig('/p/config.yaml', 'net_type: resnet_50\n'), undefined);
  assert.equal(summarizeConfig('/p/config.yaml', 'a: [unclosed'), undefined);
});

test('countLabeledRows counts image rows with a coordinate (3 path columns or 1), skipping the header rows', () => {
  const csv = [
    'scorer,,,ana,ana,ana,ana',
    'individuals,,,m1,m1,m2,m2',
    'bodyparts,,,snout,snout,snout,snout',
    'coords,,,x,y,x,y',
    'labeled-data,v,img00.png,1.5,2,,',
    'labeled-data,v,img01.png,,,,',
    'labeled-data,v,img02.png,,,3,4',
    '',
  ].join('\n');
  assert.deepEqual(countLabeledRows(csv), { rows: 3, labeled: 2 });
  const oneColumn = 'scorer,ana,ana\nbodyparts,snout,snout\ncoords,x,y\nlabeled-data/v/img00.png,1,2\nlabeled-data/v/img01.png,,\n';
  assert.deepEqual(countLabeledRows(oneColumn), { rows: 2, labeled: 1 });
});

test('parseTrainsetShuffle and describeOutput follow DeepLabCut names', () => {
  assert.deepEqual(parseTrainsetShuffle('miceNov25-trainset95shuffle2'), { fraction: 95, shuffle: 2 });
  assert.deepEqual(parseTrainsetShuffle('mice_ana80shuffle1.pickle'), { fraction: 80, shuffle: 1 });
  assert.deepEqual(parseTrainsetShuffle('CollectedData_ana.h5'), {});
  assert.equal(describeOutput('m1DLC_Resnet50_miceNov25shuffle1_snapshot_200_el.h5'), 'tracks (el)');
  assert.equal(describeOutput('m1DLC_HerdSmall_miceNov25shuffle1_snapshot_best-50_detections.safetensors'), 'detections');
  assert.equal(describeOutput('m1DLC_Resnet50_miceNov25shuffle1_snapshot_200_el_filtered.csv'), 'filtered tracks (el)');
  assert.equal(describeOutput('m1DLC_Resnet50_miceNov25shuffle1_snapshot_200_full.pickle'), 'detections');
  assert.equal(describeOutput('m1DLC_HerdSmall_miceNov25shuffle1_snapshot_best-50_el.tracklets.safetensors'), 'tracklets');
  assert.equal(describeOutput('m1DLC_HerdSmall_miceNov25shuffle1_snapshot_best-50_el_tracklets.mp4'), 'tracklets video');
  assert.equal(describeOutput('m1DLC_HerdSmall_miceNov25shuffle1_snapshot_best-50_full.mp4'), 'all-detections video');
  assert.equal(describeOutput('m1DLC_HerdSmall_miceNov25shuffle1_snapshot_best-50_el_filtered.nwb'), 'NWB export');
  assert.equal(describeOutput('m1DLC_HerdSmall_miceNov25shuffle1_snapshot_best-50_el_filtered.analysis.h5'), 'SLEAP analysis export');
  assert.equal(describeOutput('m1DLC_HerdSmall_miceNov25shuffle1_snapshot_best-50_id.h5'), 'tracks (id)');
  assert.equal(describeOutput('m1DLC_HerdSmall_miceNov25shuffle1_snapshot_best-50_el_refined.h5'), 'refined tracks (el)');
  assert.equal(describeOutput('m1DLC_HerdSmall_miceNov25shuffle1_snapshot_best-50_el_filtered_refined.csv'), 'refined tracks (el)');
  assert.equal(describeOutput('m1DLC_HerdSmall_miceNov25shuffle1_snapshot_best-50_el_refined_filtered.h5'), 'filtered refined tracks (el)');
  assert.equal(describeOutput('m1DLC_Resnet50_miceNov25shuffle1_snapshot_200_el_labeled.mp4'), 'labeled video');
  assert.equal(describeOutput('m1DLC_Resnet50_miceNov25shuffle1_snapshot_200.h5'), 'predictions');
});

test('every stage of a DeepLabCut 3 project appears in its section', async () => {
  const root = '/p';
  const files: Record<string, string> = {
    '/p/config.yaml': CONFIG,
    '/data/v/mouse1.mp4': '',
    '/p/videos/extra.mp4': '',
    '/p/labeled-data/mouse1/img00.png': '',
    '/p/labeled-data/mouse1/img07.png': '',
    '/p/labeled-data/mouse1/img12.png': '',
    '/p/labeled-data/mouse1/CollectedData_ana.csv': 'scorer,,,ana,ana\nindividuals,,,m1,m1\nbodyparts,,,snout,snout\ncoords,,,x,y\nlabeled-data,mouse1,img00.png,1,2\nlabeled-data,mouse1,img07.png,3,4\n',
    '/p/labeled-data/mouse1_labeled/img00_labeled.png': '',
    '/p/training-datasets/iteration-1/UnaugmentedDataSet_miceNov25/mice_ana95shuffle1.pickle': '',
    '/p/training-datasets/iteration-1/UnaugmentedDataSet_miceNov25/mice_ana95shuffle2.pickle': '',
    '/p/training-datasets/iteration-1/UnaugmentedDataSet_miceNov25/Documentation_data-mice_95shuffle1.pickle': '',
    '/p/training-datasets/iteration-1/UnaugmentedDataSet_miceNov25/CollectedData_ana.h5': '',
    '/p/dlc-models-pytorch/iteration-1/miceNov25-trainset95shuffle1/train/snapshot-010.pt': '',
    '/p/dlc-models-pytorch/iteration-1/miceNov25-trainset95shuffle1/train/snapshot-best-020.pt': '',
    '/p/dlc-models-pytorch/iteration-1/miceNov25-trainset95shuffle1/train/pytorch_config.yaml': '',
    '/p/evaluation-results-pytorch/iteration-1/miceNov25-trainset95shuffle1/DLC_Resnet50_miceNov25shuffle1_snapshot_020-results.csv': '',
    '/data/v/mouse1DLC_Resnet50_miceNov25shuffle1_snapshot_020_el.h5': '',
    '/data/v/mouse1DLC_Resnet50_miceNov25shuffle1_snapshot_020_el_refined.h5': '',
    '/data/v/mouse1DLC_Resnet50_miceNov25shuffle1_snapshot_020_full.pickle': '',
    '/data/v/plot-poses/mouse1/trajectory.png': '',
  };
  const probed: string[] = [];
  const tree = await buildProjectTree(summarizeConfig(`${root}/config.yaml`, CONFIG)!, memoryFs(files), {
    probe: async (file) => {
      probed.push(file);
      return { width: 320, height: 240, frameCount: 30 };
    },
  });
  assert.deepEqual(tree.map((node) => node.label), ['Videos', 'Labeled data', 'Training datasets', 'Models', 'Evaluation results', 'Analyzed videos']);

  const videos = section(tree, 'videos').children!;
  assert.deepEqual(videos.map((node) => [node.kind, node.label, node.description]), [
    ['video', 'mouse1.mp4', '320×240, 30 frames'],
    ['missingVideo', 'gone.avi', 'missing'],
    ['video', 'extra.mp4', '320×240, 30 frames · not in video_sets'],
  ]);
  assert.deepEqual(probed.sort(), ['/data/v/mouse1.mp4', '/p/videos/extra.mp4']);

  const labeled = section(tree, 'labeled').children!;
  assert.deepEqual(labeled.map((node) => [node.kind, node.label, node.description]), [
    ['labeledFolder', 'mouse1', '2/3 frames labeled'],
    ['checkedLabels', 'mouse1_labeled', '1 checked images'],
  ]);

  const [datasetIteration] = section(tree, 'datasets').children!;
  assert.equal(datasetIteration!.label, 'iteration-1');
  const [dataset] = datasetIteration!.children!;
  assert.equal(dataset!.label, 'UnaugmentedDataSet_miceNov25');
  assert.deepEqual(dataset!.children!.map((node) => [node.label, node.description, node.shuffle]), [
    ['shuffle 1', '95% train', 1],
    ['shuffle 2', '95% train', 2],
  ]);

  const [model] = section(tree, 'models').children![0]!.children!;
  assert.equal(model!.label, 'shuffle 1');
  assert.equal(model!.description, '95% train · 2 snapshots');
  assert.deepEqual(model!.children!.map((node) => node.label), ['snapshot-010.pt', 'snapshot-best-020.pt']);

  const [evaluation] = section(tree, 'evaluation').children![0]!.children!;
  assert.equal(evaluation!.kind, 'evaluation');
  assert.equal(evaluation!.shuffle, 1);
  assert.equal(evaluation!.children!.length, 1);

  const analyzed = section(tree, 'analyzed').children!;
  assert.deepEqual(analyzed.map((node) => [node.label, node.path]), [['mouse1', '/data/v/mouse1.mp4']]);
  assert.deepEqual(analyzed[0]!.children!.map((node) => [node.kind, node.description]), [['refinedTable', 'refined tracks (el)'], ['output', 'tracks (el)'], ['output', 'detections'], ['output', 'plots']]);

  const ids = new Set<string>();
  const walk = (nodes: TreeNode[]) => nodes.forEach((node) => (assert.ok(!ids.has(node.id), `duplicate id ${node.id}`), ids.add(node.id), walk(node.children ?? [])));
  walk(tree);
});

test('stages that do not exist yet show a hint, not an error', async () => {
  const tree = await buildProjectTree(summarizeConfig('/q/config.yaml', 'Task: t\nscorer: s\nvideo_sets: {}\n')!, memoryFs({}));
  for (const node of tree) {
    assert.equal(node.children!.length, 1);
    assert.equal(node.children![0]!.kind, 'message');
    assert.match(node.children![0]!.label, /Herd: /);
  }
});

test('a project made by herd synth --project: its video (probed by the caller) and labeled-data folder', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-tree-'));
  try {
    const herd = path.resolve('dist/herd.js');
    const script = fs.existsSync(herd) ? [herd] : ['--import', 'tsx', path.resolve('src-core/cli/main.ts')];
    const out = execFileSync(process.execPath, [...script, 'synth', '--project', '--frames', '30', '--width', '320', '--height', '240', '--output', work, '--json'], { encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').at(-1)!);
    const configPath: string = result.configPath;
    const summary = summarizeConfig(configPath, fs.readFileSync(configPath, 'utf8'))!;
    const tree = await buildProjectTree(summary, diskFs, { probe: async () => ({ width: 320, height: 240, frameCount: 30 }) });
    const [video] = section(tree, 'videos').children!;
    assert.equal(video!.label, 'synth.mp4');
    assert.equal(video!.description, '320×240, 30 frames');
    const [labeled] = section(tree, 'labeled').children!;
    assert.equal(labeled!.label, 'synth');
    assert.equal(labeled!.description, `${result.labeledFrameIndices.length}/${result.labeledFrameIndices.length} frames labeled`);
    assert.equal(section(tree, 'models').children![0]!.kind, 'message');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
