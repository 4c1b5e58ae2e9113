import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { encodePng } from '../../src-core/common/png';
import { checkLabelsCommand } from '../../src-core/cli/commands/labels';
import { decodePng } from '../../src-core/io/png-read';
import { colormapColors, createLabelTable, labelColorIndex, saveLabels, setPoint } from '../../src-core/labels';
import { formatConfig, newProjectConfig } from '../../src-core/project/config';
import { PYTHON, runPython } from '../helpers/pandas';
import { SHARED_DATA, temporaryFolder } from '../helpers/workspace';

const matplotlibSkip =
  spawnSync(PYTHON, ['-c', 'import matplotlib'], { encoding: 'utf8' }).status === 0 ? false : `skipped: ${PYTHON} cannot import matplotlib (apt install python3-matplotlib)`;

describe('colormaps', () => {
  it('match matplotlib get_cmap(name, n) for rainbow, jet and viridis', { skip: matplotlibSkip }, () => {
    const expected = runPython<Record<string, number[][][]>>(`
import json, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
out = {}
for name in ["rainbow", "jet", "viridis"]:
    out[name] = [[list(plt.get_cmap(name, n)(i)[:3]) for i in range(n)] for n in range(1, 9)]
print(json.dumps(out))`);
    for (const [name, byCount] of Object.entries(expected)) {
      byCount.forEach((colors, k) => {
        const ours = colormapColors(name, k + 1);
        colors.forEach((rgb, i) => rgb.forEach((value, c) => assert.ok(Math.abs(ours[i][c] - value) <= 0.0021, `${name} n=${k + 1} #${i}: ${ours[i]} vs ${rgb}`)));
      });
    }
  });
});

describe('decodePng', () => {
  it('decodes what encodePng writes and DeepLabCut frames', () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const image = decodePng(encodePng(rgb, 5, 3), 'x.png');
    assert.deepEqual(image && Array.from(image.data), Array.from(rgb));
    const frame = decodePng(fs.readFileSync(path.join(SHARED_DATA, 'openfield-Pranav-2018-10-30/labeled-data/m4s1/img0000.png')), 'img0000.png');
    assert.deepEqual([frame?.width, frame?.height], [640, 480]);
  });
});

describe('check-labels', () => {
  it('draws labels coloured per individual (or body part) with the skeleton into <video>_labeled/', async () => {
    const root = temporaryFolder('herd-check-');
    const config = newProjectConfig({
      task: 'maze', scorer: 'Jane', date: new Date(Date.UTC(2026, 10, 25)), projectPath: root, videoSets: {},
      multiAnimal: true, individuals: ['mouse1', 'mouse2'], bodyparts: ['snout', 'tailbase'], uniqueBodyparts: ['corner'],
      skeleton: [['snout', 'tailbase']],
    });
    config.colormap = 'jet';
    config.alphavalue = 1;
    config.dotsize = 6;
    fs.writeFileSync(path.join(root, 'config.yaml'), formatConfig(config));
    const folder = path.join(root, 'labeled-data', 'm3v1');
    fs.mkdirSync(folder, { recursive: true });
    const gray = new Uint8Array(64 * 48 * 3).fill(128);
    for (const name of ['img000.png', 'img001.png']) fs.writeFileSync(path.join(folder, name), encodePng(gray, 64, 48));
    const table = createLabelTable({ scorer: 'Jane', individuals: ['mouse1', 'mouse2'], bodyparts: ['snout', 'tailbase'], uniqueBodyparts: ['corner'] });
    setPoint(table, 'labeled-data/m3v1/img000.png', 'mouse1', 'snout', 10, 10);
    setPoint(table, 'labeled-data/m3v1/img000.png', 'mouse1', 'tailbase', 40, 10);
    setPoint(table, 'labeled-data/m3v1/img000.png', 'single', 'corner', 50, 40);
    setPoint(table, 'labeled-data/m3v1/img001.png', 'mouse2', 'snout', 20, 30);
    await saveLabels(folder, table);

    const notes: string[] = [];
    const context = { progress: { update() {}, finish() {} }, signal: new AbortController().signal, note: (line: string) => notes.push(line) };
    const result = await checkLabelsCommand.run({ positionals: { config: path.join(root, 'config.yaml') }, options: { visualizeindividuals: true } }, context);
    assert.match(result.text, /2 labeled images drawn/);
    const out = path.join(root, 'labeled-data', 'm3v1_labeled');
    assert.deepEqual(fs.readdirSync(out).sort(), ['img000_individual.png', 'img001_individual.png']);
    const image = decodePng(fs.readFileSync(path.join(out, 'img000_individual.png')), 'img000')!;
    const pixel = (x: number, y: number) => Array.from(image.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
    const colors = colormapColors('jet', 3).map((rgb) => rgb.map((c) => Math.round(c * 255)));
    assert.deepEqual(pixel(10, 13), colors[0], 'mouse1 marker arm in the first colour');
    assert.deepEqual(pixel(13, 10), [0, 0, 0], 'the skeleton is drawn over the markers, as in DeepLabCut');
    assert.deepEqual(pixel(50, 37), colors[2], 'the unique body part under `single` in the last colour');
    assert.deepEqual(pixel(25, 10), [0, 0, 0], 'skeleton snout–tailbase in skeleton_color');
    assert.deepEqual(pixel(30, 30), [128, 128, 128], 'untouched background');

    const byBodypart = await checkLabelsCommand.run({ positionals: { config: root }, options: { visualizeindividuals: false, 'draw-skeleton': false } }, context);
    assert.match(byBodypart.text, /2 labeled images drawn/);
    const second = decodePng(fs.readFileSync(path.join(out, 'img000_bodypart.png')), 'img000')!;
    const at = (x: number, y: number) => Array.from(second.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
    const { indices, count } = labelColorIndex(table, 'bodypart');
    assert.equal(count, 3);
    assert.deepEqual(indices, [0, 1, 0, 1, 2]);
    assert.deepEqual(at(25, 10), [128, 128, 128], 'no skeleton with --no-draw-skeleton');
    assert.deepEqual(at(40, 13), colormapColors('jet', 3)[1].map((c) => Math.round(c * 255)), 'tailbase in the second body-part colour');
  });
});
