import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'yaml';
import { HerdError } from '../../src-core/common/errors';
import {
  createTrainingDataset,
  createTrainingDatasetFromExistingSplit,
  createTrainingModelComparison,
  defaultPafGraph,
  findNetType,
  imageSize,
  loadShuffle,
  NET_TYPES,
  splitTrials,
  type ShuffleFile,
} from '../../src-core/dataset';
import { getPoint, readLabels } from '../../src-core/labels';
import { checkConfigData } from '../../src-core/project/config-check';
import { editConfig } from '../../src-core/project/edit';
import { createSynthProject } from '../../src-core/synth/project';
import { contextProblems } from '../../src-server/service/context';
import { readPytorchConfigAugmentation } from '../../src-core/train/augment';
import { PYTHON, readHdfWithPandas, skipWithoutPandas } from '../helpers/pandas';
import { listTree, SHARED_DATA, temporaryFolder } from '../helpers/workspace';

const FIXTURES = path.join(SHARED_DATA, 'dlc-config-fixtures');
const OPENFIELD = path.join(SHARED_DATA, 'openfield-Pranav-2018-10-30');
const HERD = path.resolve(__dirname, '../../dist/herd.js');

let synthTemplate: string;
let synthLabeled = 0;
// Made at the top level: a folder made inside `before` would be removed when that hook ends.
const templateWork = temporaryFolder();

before(async () => {
  const work = templateWork;
  const synth = await createSynthProject({
    synth: { frames: 60, width: 256, height: 192, animals: 2, keypoints: 4, uniqueBodyparts: 1 },
    workingDirectory: work,
    labeledFrames: 20,
  });
  synthTemplate = synth.root;
  synthLabeled = (await readLabels(synth.labelsH5Path)).table.images.length;
});

/** A fresh copy of the synthetic project; returns its config.yaml. */
function synthProject(): string {
  const copy = path.join(temporaryFolder(), path.basename(synthTemplate));
  fs.cpSync(synthTemplate, copy, { recursive: true });
  return path.join(copy, 'config.yaml');
}

/** A writable copy of DeepLabCut's openfield example, its video_sets pointing at the labeled folder as load_demo_data does. */
function openfieldProject(fixVideoSets = true): string {
  const copy = path.join(temporaryFolder(), 'openfield-Pranav-2018-10-30');
  fs.cpSync(OPENFIELD, copy, { recursive: true });
  for (const entry of fs.readdirSync(copy, { recursive: true }) as string[]) fs.chmodSync(path.join(copy, entry), 0o755);
  fs.chmodSync(copy, 0o755);
  const configPath = path.join(copy, 'config.yaml');
  if (fixVideoSets) {
    editConfig(configPath, [
      { key: ['video_sets'], value: { [path.join(copy, 'videos', 'm4s1.mp4')]: { crop: '0, 640, 0, 480' } } },
      { key: ['project_path'], value: copy },
    ]);
  }
  return configPath;
}

function readYaml(file: string): Record<string, unknown> {
  return parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function errorsOf(kind: 'pytorch' | 'inference', data: unknown) {
  return checkConfigData(kind, data).filter((problem) => problem.severity === 'error');
}

async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<HerdError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HerdError, `expected a HerdError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.describe(), message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

/** Top-level keys of DeepLabCut's PyTorch config for a bottom-up model: base + backbone fragments, `data` (the
 * augmentation fragment), plus what make_pytorch_pose_config adds (dlc-spec §3). */
function dlcTopLevelKeys(): string[] {
  const keys = new Set<string>();
  for (const fragment of ['base_base.yaml', 'backbones_resnet_50.yaml']) for (const key of Object.keys(readYaml(path.join(FIXTURES, 'pytorch', fragment)))) keys.add(key);
  for (const key of ['data', 'inference', 'metadata', 'net_type']) keys.add(key);
  return [...keys].sort();
}

test('splits follow SplitTrials: int(N * fraction) train images, sorted, disjoint, deterministic by seed', () => {
  for (const [count, fraction] of [[20, 0.95], [116, 0.95], [20, 0.8], [7, 0.5], [3, 1]] as const) {
    const { trainIndices, testIndices } = splitTrials(count, fraction, 42);
    assert.equal(trainIndices.length, Math.trunc(count * fraction));
    assert.equal(trainIndices.length + testIndices.length, count);
    assert.deepEqual([...trainIndices, ...testIndices].sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i));
    assert.deepEqual(trainIndices, [...trainIndices].sort((a, b) => a - b));
  }
  assert.deepEqual(splitTrials(50, 0.8, 7), splitTrials(50, 0.8, 7));
  assert.notDeepEqual(splitTrials(50, 0.8, 7).testIndices, splitTrials(50, 0.8, 8).testIndices);
});

test('the net type list: herd_small and resnet_50 trainable, DeepLabCut names known, aliases mapped', () => {
  assert.equal(NET_TYPES[0].name, 'herd_small');
  assert.equal(findNetType('herd_small')?.stride, 8);
  assert.equal(findNetType('resnet_50')?.trainable, true);
  assert.equal(findNetType('dlcrnet_stride32_ms5')?.trainable, false);
  assert.equal(findNetType('dlcrnet_ms5')?.name, 'dlcrnet_stride16_ms5');
  assert.equal(findNetType('resnet_9000'), undefined);
  assert.equal(new Set(NET_TYPES.map((netType) => netType.name)).size, NET_TYPES.length);
  assert.deepEqual(defaultPafGraph(4), [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]);
  const pruned = defaultPafGraph(16);
  assert.equal(pruned.length, 48, 'ceil(16 * 6 / 2) edges from 120');
});

test('synthetic multi-animal project: merged labels, split file, metadata.yaml and DeepLabCut-shaped model configs', async () => {
  const configPath = synthProject();
  const root = path.dirname(configPath);
  const result = await createTrainingDataset(configPath, { netType: 'herd_small' });
  const config = readYaml(configPath) as { Task: string; date: string; scorer: string };
  const prefix = `${config.Task}${config.date}`;
  assert.equal(result.datasetFolder, path.join(root, 'training-datasets', 'iteration-0', `UnaugmentedDataSet_${prefix}`));
  assert.equal(result.labeledImages, synthLabeled);
  assert.equal(result.shuffles.length, 1);
  const [shuffle] = result.shuffles;
  assert.equal(shuffle.name, `${prefix}-trainset95shuffle1`);
  assert.equal(shuffle.trainIndices.length, Math.trunc(synthLabeled * 0.95));
  assert.equal(shuffle.testIndices.length, synthLabeled - Math.trunc(synthLabeled * 0.95));
  assert.equal(shuffle.trainIndices.filter((i) => shuffle.testIndices.includes(i)).length, 0);
  assert.equal(shuffle.modelFolder, path.join(root, 'dlc-models-pytorch', 'iteration-0', shuffle.name));

  // Split file and metadata.yaml.
  const split = JSON.parse(fs.readFileSync(path.join(result.datasetFolder, `${config.Task}_${config.scorer}95shuffle1.json`), 'utf8')) as ShuffleFile;
  assert.deepEqual(split.trainIndices, shuffle.trainIndices);
  assert.equal(split.seed, 42);
  assert.equal(split.netType, 'herd_small');
  assert.equal(split.images.length, synthLabeled);
  assert.ok(split.images.every((image) => image.width === 256 && image.height === 192 && image.path.startsWith('labeled-data/')));
  assert.deepEqual(readYaml(path.join(result.datasetFolder, 'metadata.yaml')), {
    shuffles: { [shuffle.name]: { train_fraction: 0.95, index: 1, split: 1, engine: 'pytorch' } },
  });
  const merged = (await readLabels(result.labelsPath)).table;
  assert.deepEqual(merged.images, split.images.map((image) => image.path));
  assert.ok(fs.existsSync(result.labelsPath.replace(/\.h5$/, '.csv')));

  // pytorch_config.yaml: schema, DeepLabCut's sections, heads.
  const pytorch = readYaml(shuffle.pytorchConfigPath) as Record<string, any>;
  assert.deepEqual(errorsOf('pytorch', pytorch), []);
  assert.deepEqual(Object.keys(pytorch).sort(), dlcTopLevelKeys());
  assert.equal(pytorch.net_type, 'herd_small');
  assert.equal(pytorch.method, 'bu');
  assert.deepEqual(Object.keys(pytorch.model.heads), ['bodypart', 'unique_bodypart']);
  const bodypart = pytorch.model.heads.bodypart;
  assert.equal(bodypart.predictor.type, 'PartAffinityFieldPredictor');
  assert.equal(bodypart.predictor.num_animals, 2);
  assert.equal(bodypart.predictor.num_multibodyparts, 4);
  assert.deepEqual(bodypart.predictor.graph, defaultPafGraph(4));
  assert.deepEqual(bodypart.predictor.edges_to_keep, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(bodypart.paf_config.channels, [96, 12]);
  assert.deepEqual(bodypart.locref_config.channels, [96, 8]);
  assert.equal(pytorch.model.heads.unique_bodypart.target_generator.num_heatmaps, 1);
  // herd_small's CPU-sized crops (DeepLabCut's networks keep 448×448).
  assert.deepEqual(pytorch.data.train.crop_sampling, { width: 192, height: 192, max_shift: 0.1, method: 'hybrid' });
  assert.deepEqual(pytorch.metadata, {
    project_path: root,
    pose_config_path: shuffle.pytorchConfigPath,
    bodyparts: ['snout', 'leftear', 'rightear', 'tailbase'],
    unique_bodyparts: ['corner1'],
    individuals: ['mouse1', 'mouse2'],
    with_identity: false,
  });
  assert.equal(pytorch.train_settings.seed, 42);
  assert.deepEqual(pytorch.runner.snapshots, { max_snapshots: 5, save_epochs: 25, save_optimizer_state: false });
  assert.equal(pytorch.runner.optimizer.type, 'AdamW');

  // inference_cfg.yaml: DeepLabCut's keys, the three create_training_dataset sets.
  const inference = readYaml(shuffle.inferenceConfigPath as string);
  assert.deepEqual(errorsOf('inference', inference), []);
  assert.deepEqual(checkConfigData('inference', inference), [], 'no unknown keys, no placeholders');
  const template = readYaml(path.join(FIXTURES, 'inference_cfg.yaml'));
  assert.deepEqual(Object.keys(inference).sort(), Object.keys(template).sort());
  assert.equal(inference.minimalnumberofconnections, 2);
  assert.equal(inference.topktoretain, 2);
  assert.equal(inference.withid, false);
  assert.ok(fs.existsSync(path.join(shuffle.modelFolder, 'test', 'pose_cfg.yaml')));
  assert.deepEqual(listTree(path.dirname(shuffle.modelFolder)).filter((name) => name.includes('.herd-tmp-')), [], 'no staging leftovers');
});

/** A fixture fragment with DeepLabCut's placeholders replaced by values (make_pytorch_pose_config's substitution). */
function fillPlaceholders(value: unknown, values: Record<string, unknown>): unknown {
  if (typeof value === 'string' && value in values) return values[value];
  if (Array.isArray(value)) return value.map((item) => fillPlaceholders(item, values));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillPlaceholders(item, values)]));
  }
  return value;
}

test("resnet_50's pytorch_config.yaml equals DeepLabCut's fragments (base, backbone, augmentation, heads) with placeholders filled", async () => {
  const configPath = synthProject();
  editConfig(configPath, [{ key: ['identity'], value: true }]);
  const result = await createTrainingDataset(configPath, { netType: 'resnet_50' });
  const pytorch = readYaml(result.shuffles[0].pytorchConfigPath) as Record<string, any>;
  const fragment = (name: string) => readYaml(path.join(FIXTURES, 'pytorch', name)) as Record<string, any>;
  const base = fragment('base_base.yaml');
  const backbone = fragment('backbones_resnet_50.yaml');
  assert.equal(pytorch.device, base.device);
  assert.equal(pytorch.method, base.method);
  assert.deepEqual(pytorch.runner, { ...base.runner, ...backbone.runner });
  assert.deepEqual(pytorch.train_settings, base.train_settings);
  assert.deepEqual(pytorch.data, fragment('base_aug_default.yaml'));
  assert.deepEqual(pytorch.model.backbone, backbone.model.backbone);
  assert.equal(pytorch.model.backbone_output_channels, backbone.model.backbone_output_channels);
  const graph = defaultPafGraph(4);
  const common = { backbone_output_channels: 2048, num_individuals: 2, paf_graph: graph, paf_edges_to_keep: graph.map((_, i) => i) };
  assert.deepEqual(pytorch.model.heads.bodypart, fillPlaceholders(fragment('base_head_bodyparts_with_paf.yaml'), { ...common, num_bodyparts: 4, 'num_bodyparts x 2': 8, 'num_limbs x 2': 12 }));
  assert.deepEqual(pytorch.model.heads.identity, fillPlaceholders(fragment('base_head_identity.yaml'), common));
  const unique = fillPlaceholders(fragment('base_head_bodyparts.yaml'), { ...common, num_bodyparts: 1, 'num_bodyparts x 2': 2 }) as Record<string, any>;
  unique.target_generator.label_keypoint_key = 'keypoints_unique';
  assert.deepEqual(pytorch.model.heads.unique_bodypart, unique);

  // Herd's augmentation reads the data.train section as written.
  const augmentation = readPytorchConfigAugmentation(pytorch);
  assert.deepEqual([augmentation.unknown, augmentation.unsupported], [[], []]);
  assert.equal(augmentation.options.crop?.width, 448);
});

test("the language server's project-aware rules accept the generated pytorch_config.yaml", async () => {
  const env = { readText: (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined), probe: async () => undefined };
  for (const configPath of [synthProject(), openfieldProject()]) {
    const result = await createTrainingDataset(configPath, { netType: 'herd_small' });
    const file = result.shuffles[0].pytorchConfigPath;
    const problems = await contextProblems('pytorch', readYaml(file), file, env);
    // Includes DeepLabCut's `num_uniquebodyparts: 0` in the PAF predictor when unique parts have their own head.
    assert.deepEqual(problems, [], file);
  }
});

test('pandas reads the merged training labels with the right shape', { skip: skipWithoutPandas() }, async () => {
  const configPath = synthProject();
  const result = await createTrainingDataset(configPath);
  const frame = readHdfWithPandas(result.labelsPath);
  assert.deepEqual(frame.columnNames, ['scorer', 'individuals', 'bodyparts', 'coords']);
  assert.equal(frame.index.length, synthLabeled);
  assert.equal(frame.columns.length, 2 * 4 * 2 + 1 * 2);
  assert.equal(frame.index[0].length, 3);
  assert.deepEqual(frame.columns.at(-1), ['herd', 'single', 'corner1', 'y']);
});

test("Python reads DeepLabCut's Documentation_data pickle of a shuffle: (data, trainIndices, testIndices, trainFraction)", async () => {
  const configPath = synthProject();
  const result = await createTrainingDataset(configPath);
  const [shuffle] = result.shuffles;
  const file = path.join(result.datasetFolder, 'Documentation_data-synth_95shuffle1.pickle');
  const script = `
import json, pickle, sys
data, train, test, fraction = pickle.load(open(sys.argv[1], "rb"))
first = data[0]
print(json.dumps({"n": len(data), "train": train, "test": test, "fraction": fraction, "image": list(first["image"]),
  "size": first["size"], "individuals": sorted(first["joints"].keys()), "joint": first["joints"][0][0]}))`;
  const run = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const read = JSON.parse(run.stdout);
  assert.equal(read.n, shuffle.trainIndices.length);
  assert.deepEqual(read.train, shuffle.trainIndices);
  assert.deepEqual(read.test, shuffle.testIndices);
  assert.equal(read.fraction, 0.95);
  const loaded = await loadShuffle(configPath, 1);
  const image = loaded.images[shuffle.trainIndices[0]];
  assert.deepEqual(read.image, image.path.split('/'));
  assert.deepEqual(read.size, [3, 192, 256]);
  assert.ok(read.individuals.every((index: number) => index >= 0 && index <= 2), 'mouse1, mouse2, then the unique parts');
  const [part, x, y] = read.joint;
  const name = loaded.project.bodyparts[part];
  const point = getPoint(loaded.labels, image.path, 'mouse1', name) as [number, number];
  assert.deepEqual([x, y], point.map((v) => Math.round(v * 100) / 100));
});

test('shuffles and fractions: deterministic with the seed, shuffles differ, one per TrainingFraction entry', async () => {
  const first = synthProject();
  editConfig(first, [{ key: ['TrainingFraction'], value: [0.8, 0.95] }]);
  const a = await createTrainingDataset(first, { numShuffles: 3 });
  assert.deepEqual(a.shuffles.map((s) => [s.shuffle, s.trainFraction, s.trainingsetindex]), [
    [1, 0.8, 0], [1, 0.95, 1], [2, 0.8, 0], [2, 0.95, 1], [3, 0.8, 0], [3, 0.95, 1],
  ]);
  for (const s of a.shuffles) assert.equal(s.trainIndices.length, Math.trunc(synthLabeled * s.trainFraction));
  const at80 = a.shuffles.filter((s) => s.trainFraction === 0.8);
  assert.notDeepEqual(at80[0].testIndices, at80[1].testIndices);
  assert.notDeepEqual(at80[1].testIndices, at80[2].testIndices);

  const second = synthProject();
  editConfig(second, [{ key: ['TrainingFraction'], value: [0.8, 0.95] }]);
  const b = await createTrainingDataset(second, { shuffles: [2], trainingsetindex: 0 });
  assert.equal(b.shuffles.length, 1);
  assert.deepEqual(b.shuffles[0].testIndices, at80[1].testIndices, 'same seed, same shuffle → same split');
  const c = await createTrainingDataset(second, { shuffles: [7], trainingsetindex: 0, seed: 5 });
  assert.equal(c.shuffles[0].seed, 5);
  assert.equal((readYaml(c.shuffles[0].pytorchConfigPath) as any).train_settings.seed, 5);
  assert.equal(Object.keys((readYaml(path.join(c.datasetFolder, 'metadata.yaml')) as any).shuffles).length, 2);
});

test('an existing shuffle is refused without --overwrite and nothing changes; --overwrite replaces it', async () => {
  const configPath = synthProject();
  const first = await createTrainingDataset(configPath);
  const snapshot = path.join(first.shuffles[0].modelFolder, 'train', 'snapshot-005.pt');
  fs.writeFileSync(snapshot, 'weights');
  const before = listTree(path.dirname(configPath));
  await rejectsWith(createTrainingDataset(configPath, { seed: 1 }), 'SHUFFLE_EXISTS', /already exists; pass --overwrite/);
  assert.deepEqual(listTree(path.dirname(configPath)), before);
  assert.ok(fs.existsSync(snapshot));
  const again = await createTrainingDataset(configPath, { seed: 1, overwrite: true });
  assert.equal(again.shuffles[0].seed, 1);
  assert.ok(!fs.existsSync(snapshot), 'the old model folder is replaced');
});

test('from an existing split: the same train/test images under the next shuffle number, another net type', async () => {
  const configPath = synthProject();
  const original = await createTrainingDataset(configPath, { netType: 'herd_small', shuffles: [1, 2] });
  const copied = await createTrainingDatasetFromExistingSplit(configPath, 2, { netType: 'resnet_50', numShuffles: 2 });
  assert.deepEqual(copied.shuffles.map((s) => s.shuffle), [3, 4]);
  for (const s of copied.shuffles) {
    assert.deepEqual(s.trainIndices, original.shuffles[1].trainIndices);
    assert.deepEqual(s.testIndices, original.shuffles[1].testIndices);
    assert.equal(s.split, original.shuffles[1].split);
    assert.equal((readYaml(s.pytorchConfigPath) as any).net_type, 'resnet_50');
    assert.deepEqual((readYaml(s.pytorchConfigPath) as any).model.backbone.model_name, 'resnet50_gn');
  }
  const metadata = readYaml(path.join(copied.datasetFolder, 'metadata.yaml')) as any;
  assert.deepEqual(Object.values(metadata.shuffles).map((entry: any) => entry.split), [1, 2, 2, 2]);
  await rejectsWith(createTrainingDatasetFromExistingSplit(configPath, 9), 'SHUFFLE_NOT_FOUND');
});

test('model comparison: each split is used by every net type, shuffle numbers consecutive after the largest', async () => {
  const configPath = synthProject();
  await createTrainingDataset(configPath);
  const result = await createTrainingModelComparison(configPath, { netTypes: ['herd_small', 'resnet_50'], numShuffles: 2 });
  assert.deepEqual(result.shuffles.map((s) => [s.shuffle, s.netType]), [[2, 'herd_small'], [3, 'resnet_50'], [4, 'herd_small'], [5, 'resnet_50']]);
  assert.deepEqual(result.shuffles[0].testIndices, result.shuffles[1].testIndices);
  assert.deepEqual(result.shuffles[2].testIndices, result.shuffles[3].testIndices);
  assert.notDeepEqual(result.shuffles[0].testIndices, result.shuffles[2].testIndices);
  assert.deepEqual(result.comparisons.map((c) => c.shuffles.map((s) => s.shuffle)), [[2, 3], [4, 5]]);
  assert.equal(result.comparisons[0].split, result.shuffles[1].split);
  for (const s of result.shuffles) assert.deepEqual(errorsOf('pytorch', readYaml(s.pytorchConfigPath)), []);
});

test('explicit train/test indices; a new fraction is added to TrainingFraction as DeepLabCut does', async () => {
  const configPath = synthProject();
  const train = Array.from({ length: 10 }, (_, i) => i);
  const test_ = [10, 11, 12, 13, 14];
  const result = await createTrainingDataset(configPath, { trainIndices: [train], testIndices: [test_], shuffles: [4] });
  assert.equal(result.shuffles[0].trainFraction, 0.67);
  assert.equal(result.shuffles[0].trainingsetindex, 1);
  assert.deepEqual((readYaml(configPath) as any).TrainingFraction, [0.95, 0.67]);
  const loaded = await loadShuffle(configPath, 4, 1);
  assert.deepEqual(loaded.trainIndices, train);
  assert.deepEqual(loaded.testIndices, test_);
  await rejectsWith(createTrainingDataset(configPath, { trainIndices: [[0, 1]], testIndices: [[1, 2]], shuffles: [5] }), 'DATASET_INDICES', /both the train and the test/);
  await rejectsWith(createTrainingDataset(configPath, { trainIndices: [[0, 99]], testIndices: [[1]], shuffles: [5] }), 'DATASET_INDICES', /not a row/);
});

test('loadShuffle gives the split, the labels in split order and the configs', async () => {
  const configPath = synthProject();
  editConfig(configPath, [{ key: ['identity'], value: true }]);
  const created = await createTrainingDataset(configPath, { netType: 'resnet_50', pafGraph: 'skeleton' });
  const loaded = await loadShuffle(configPath, 1);
  assert.deepEqual(loaded.trainIndices, created.shuffles[0].trainIndices);
  assert.equal(loaded.netType, 'resnet_50');
  assert.equal(loaded.labels.images.length, loaded.images.length);
  const image = loaded.images[loaded.trainIndices[0]].path;
  const source = (await readLabels(path.join(path.dirname(configPath), ...image.split('/').slice(0, 2), 'CollectedData_herd.h5'))).table;
  assert.deepEqual(getPoint(loaded.labels, image, 'mouse1', 'snout'), getPoint(source, image, 'mouse1', 'snout'));
  const model = loaded.pytorchConfig as any;
  assert.deepEqual(Object.keys(model.model.heads), ['bodypart', 'unique_bodypart', 'identity']);
  assert.equal(model.model.heads.identity.target_generator.num_heatmaps, 2);
  assert.equal(model.metadata.with_identity, true);
  // synthSkeleton: snout–leftear, snout–rightear, snout–tailbase.
  assert.deepEqual(model.model.heads.bodypart.predictor.graph, [[0, 1], [0, 2], [0, 3]]);
  assert.equal(loaded.inferenceConfig?.withid, true);
  assert.deepEqual(errorsOf('pytorch', model), []);
  await rejectsWith(loadShuffle(configPath, 3), 'SHUFFLE_NOT_FOUND', /herd create-training-dataset/);
});

test('errors: unknown net type, no labels, labels that fail validation — and nothing is written', async () => {
  const configPath = synthProject();
  const root = path.dirname(configPath);
  const before = listTree(root);
  await rejectsWith(createTrainingDataset(configPath, { netType: 'resnet_9000' }), 'NET_TYPE_UNKNOWN', /herd_small/);
  await rejectsWith(createTrainingDataset(configPath, { netType: 'top_down_resnet_50' }), 'NET_TYPE_UNSUPPORTED');

  // A label file naming a body part the project does not have: the readLabels error with file, line and column.
  const folder = fs.readdirSync(path.join(root, 'labeled-data'))[0];
  const csv = path.join(root, 'labeled-data', folder, 'CollectedData_herd.csv');
  fs.rmSync(path.join(root, 'labeled-data', folder, 'CollectedData_herd.h5'));
  fs.writeFileSync(csv, fs.readFileSync(csv, 'utf8').replace(/\bsnout\b/, 'whisker'));
  await rejectsWith(createTrainingDataset(configPath), 'LABELS_UNKNOWN_BODYPART', /CollectedData_herd\.csv:3:\d+: unknown body part "whisker"/);

  fs.rmSync(csv);
  await rejectsWith(createTrainingDataset(configPath), 'NO_LABELS', /no labels to train on/);
  const after = listTree(root).filter((name) => !name.includes('CollectedData_herd'));
  assert.deepEqual(after, before.filter((name) => !name.includes('CollectedData_herd')), 'nothing written');
});

test('a cancelled run leaves nothing behind; images without labels are left out with a warning', async () => {
  const configPath = synthProject();
  const root = path.dirname(configPath);
  const before = listTree(root);
  const controller = new AbortController();
  controller.abort();
  await rejectsWith(createTrainingDataset(configPath, { signal: controller.signal }), 'CANCELLED');
  assert.deepEqual(listTree(root), before);

  // An extra row without labels (as a labeler leaves a skipped frame) is not a training image.
  const folder = path.join(root, 'labeled-data', fs.readdirSync(path.join(root, 'labeled-data'))[0]);
  const csv = path.join(folder, 'CollectedData_herd.csv');
  fs.rmSync(path.join(folder, 'CollectedData_herd.h5'));
  const lines = fs.readFileSync(csv, 'utf8').trimEnd().split('\n');
  const cells = lines.at(-1)!.split(',');
  fs.copyFileSync(path.join(folder, cells[2]), path.join(folder, 'img99.png'));
  lines.push([cells[0], cells[1], 'img99.png', ...cells.slice(3).map(() => '')].join(','));
  fs.writeFileSync(csv, `${lines.join('\n')}\n`);
  const result = await createTrainingDataset(configPath);
  assert.equal(result.labeledImages, synthLabeled);
  assert.ok(result.warnings.some((warning) => /1 image without any label left out/.test(warning)), result.warnings.join('\n'));
});

test("DeepLabCut's openfield example (single animal, 116 frames): heatmap head, 110/6 split, 640×480 images", async () => {
  const unfixed = openfieldProject(false);
  await rejectsWith(createTrainingDataset(unfixed), 'NO_LABELS', /labeled-data\/m4s1, whose videos are not in video_sets/);

  const configPath = openfieldProject();
  const result = await createTrainingDataset(configPath);
  assert.equal(result.labeledImages, 116);
  const [shuffle] = result.shuffles;
  assert.equal(shuffle.name, 'openfieldOct30-trainset95shuffle1');
  assert.equal(shuffle.netType, 'resnet_50', 'config default_net_type');
  assert.equal(shuffle.trainIndices.length, 110);
  assert.equal(shuffle.testIndices.length, 6);
  assert.equal(shuffle.inferenceConfigPath, null, 'DeepLabCut writes inference_cfg.yaml for multi-animal projects only');
  const pytorch = readYaml(shuffle.pytorchConfigPath) as any;
  assert.deepEqual(errorsOf('pytorch', pytorch), []);
  assert.deepEqual(Object.keys(pytorch).sort(), dlcTopLevelKeys());
  assert.equal(pytorch.model.heads.bodypart.type, 'HeatmapHead');
  assert.equal(pytorch.model.heads.bodypart.target_generator.num_heatmaps, 4);
  assert.deepEqual(pytorch.metadata.individuals, ['animal']);
  const loaded = await loadShuffle(configPath, 1);
  assert.ok(loaded.images.every((image) => image.width === 640 && image.height === 480));
  assert.deepEqual(imageSize(path.join(path.dirname(configPath), loaded.images[0].path)), { width: 640, height: 480 });
  const original = (await readLabels(path.join(path.dirname(configPath), 'labeled-data/m4s1/CollectedData_Pranav.h5'))).table;
  const image = original.images[5];
  assert.deepEqual(getPoint(loaded.labels, image, undefined, 'snout'), getPoint(original, image, undefined, 'snout'));
  if (!skipWithoutPandas()) {
    const frame = readHdfWithPandas(loaded.labelsPath);
    assert.equal(frame.index.length, 116);
    assert.equal(frame.columns.length, 8);
    assert.deepEqual(frame.columnNames, ['scorer', 'bodyparts', 'coords']);
  }
});

test('the DeepLabCut fixture pytorch_config.yaml is the legacy alpha layout, which the schema still accepts', () => {
  const legacy = readYaml(path.join(FIXTURES, 'pytorch_config.yaml'));
  assert.ok(!('net_type' in legacy) && 'solver' in legacy, 'legacy keys (solver, criterion, …) instead of net_type / runner');
  assert.deepEqual(errorsOf('pytorch', legacy), []);
});

test('herd create-training-dataset and create-training-model-comparison with --json', { skip: fs.existsSync(HERD) ? false : 'dist/herd.js not built (npm run build)' }, () => {
  const configPath = synthProject();
  const run = (args: string[]) => spawnSync(process.execPath, [HERD, ...args], { encoding: 'utf8' });
  const created = run(['create-training-dataset', configPath, '--net-type', 'herd_small', '--num-shuffles', '2', '--json']);
  assert.equal(created.status, 0, created.stderr);
  const lines = created.stdout.trim().split('\n').map((line) => JSON.parse(line));
  const result = lines.at(-1);
  assert.equal(result.type, 'result');
  assert.deepEqual(result.shuffles.map((s: { shuffle: number }) => s.shuffle), [1, 2]);
  assert.ok(fs.existsSync(result.shuffles[1].pytorchConfigPath));

  const refused = run(['create-training-dataset', configPath, '--json']);
  assert.equal(refused.status, 1);
  assert.equal(JSON.parse(refused.stdout.trim().split('\n').at(-1) as string).code, 'SHUFFLE_EXISTS');

  const fromSplit = run(['create-training-dataset', configPath, '--from-existing-split', '1', '--net-type', 'resnet_50', '--json']);
  assert.equal(fromSplit.status, 0, fromSplit.stderr);
  assert.deepEqual(JSON.parse(fromSplit.stdout.trim().split('\n').at(-1) as string).shuffles[0].testIndices, result.shuffles[0].testIndices);

  const compared = run(['create-training-model-comparison', configPath, '--net-types', 'herd_small,resnet_50']);
  assert.equal(compared.status, 0, compared.stderr);
  assert.match(compared.stdout, /split \d+: shuffle 4 = herd_small, shuffle 5 = resnet_50/);

  const unknown = run(['create-training-dataset', configPath, '--net-type', 'nope', '--shuffles', '9']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /herd: error: unknown net type "nope"/);
});
