/**
 * `herd plot-trajectories`: figures of a pose table of known poses, as PNG (decoded again and checked where the
 * trajectory lies) and SVG (parsed as XML by Python's ElementTree).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { plotTrajectoriesCommand } from '../../src-core/cli/commands/labeled-video';
import { HerdError } from '../../src-core/common/errors';
import { createPoseArray, poseOffset } from '../../src-core/common/pose';
import { silentProgress } from '../../src-core/common/progress';
import { writePoseTable } from '../../src-core/infer/outputs';
import { readPoseTable } from '../../src-core/io/pose-table';
import { decodePng, type RgbImage } from '../../src-core/io/png-read';
import { loadProject } from '../../src-core/project/load';
import { niceTicks, plotTrajectories, renderFigure, type Series } from '../../src-core/render';
import { createProject } from '../../src-core/project/create';
import { createSynthProject } from '../../src-core/synth/project';
import { temporaryFolder } from '../helpers/workspace';

const FRAMES = 40;
const SCORER = 'DLC_HerdSmall_synthNov25shuffle1_snapshot_3';

let config: string;
let video: string;
let individuals: string[];
let bodyparts: string[];
let uniqueBodyparts: string[];
const work = temporaryFolder();

before(async () => {
  const synth = await createSynthProject({
    synth: { frames: 10, width: 192, height: 192, animals: 2, keypoints: 3, uniqueBodyparts: 1, seed: 7, noiseSigma: 2 },
    workingDirectory: work,
    labeledFrames: 2,
  });
  config = synth.configPath;
  video = synth.videoPath;
  const project = loadProject(config);
  individuals = project.individuals;
  bodyparts = project.bodyparts;
  uniqueBodyparts = project.uniqueBodyparts;
});

/** Animal i, part k walks right and down a diagonal; one wild point (frame 20, animal 0, part 1) has likelihood 0.1. */
const at = (f: number, i: number, k: number) => ({ x: 100 + 5 * f + 20 * k, y: 50 + 3 * f + 100 * i });
const WILD = { f: 20, i: 0, k: 1, x: 5000, y: -3000 };

async function caseWithTable(suffix = '_el'): Promise<string> {
  const file = path.join(fs.mkdtempSync(path.join(work, 'case-')), 'mice.mp4');
  fs.copyFileSync(video, file);
  const poses = createPoseArray(FRAMES, individuals, bodyparts);
  const unique = createPoseArray(FRAMES, ['single'], uniqueBodyparts);
  for (let f = 0; f < FRAMES; f++) {
    for (let i = 0; i < individuals.length; i++) {
      for (let k = 0; k < bodyparts.length; k++) {
        const wild = f === WILD.f && i === WILD.i && k === WILD.k;
        const p = wild ? WILD : at(f, i, k);
        poses.data.set([p.x, p.y, wild ? 0.1 : 0.5 + 0.01 * f], poseOffset(poses, f, i, k));
      }
    }
    unique.data.set([20, 20, 0.99], poseOffset(unique, f, 0, 0));
  }
  await writePoseTable(path.join(path.dirname(file), `mice${SCORER}${suffix}.h5`), poses, SCORER, { multiAnimal: true, uniqueBodyparts: unique });
  return file;
}

function readPng(file: string): RgbImage {
  return decodePng(fs.readFileSync(file), file)!;
}

const pixel = (image: RgbImage, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));
const isWhite = (rgb: number[]) => rgb.every((c) => c === 255);

/** Whether some pixel within `r` of (x, y) is not white. */
function inkNear(image: RgbImage, x: number, y: number, r = 1): boolean {
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (!isWhite(pixel(image, Math.round(x) + dx, Math.round(y) + dy))) return true;
  return false;
}

/** The series plotTrajectories makes of animal i (for recomputing the axes in the test). */
function seriesOf(i: number, pcutoffColors: Array<[number, number, number]>): Series[] {
  return bodyparts.map((name, k) => {
    const x = new Float64Array(FRAMES), y = new Float64Array(FRAMES), likelihood = new Float64Array(FRAMES);
    for (let f = 0; f < FRAMES; f++) {
      const wild = f === WILD.f && i === WILD.i && k === WILD.k;
      const p = wild ? WILD : at(f, i, k);
      x[f] = p.x;
      y[f] = p.y;
      likelihood[f] = wild ? 0.1 : 0.5 + 0.01 * f;
    }
    return { name, color: pcutoffColors[k]!, x, y, likelihood };
  });
}

describe('plot-trajectories', () => {
  it('writes the four figures per individual (and "single") into plot-poses/<video>/, with ink where the trajectories lie', async () => {
    const file = await caseWithTable();
    const result = await plotTrajectories(config, [file]);
    const folder = path.join(path.dirname(file), 'plot-poses', 'mice');
    const [v] = result.videos;
    assert.equal(v!.folder, folder);
    const expected = [...individuals, 'single'].flatMap((ind) => ['trajectory', 'plot', 'plot-likelihood', 'hist'].map((kind) => `${kind}${ind}.png`));
    assert.deepEqual(fs.readdirSync(folder).sort(), expected.sort());
    assert.deepEqual(v!.files.map((f) => path.basename(f)).sort(), expected.sort());

    const trajectory = readPng(path.join(folder, `trajectory${individuals[0]}.png`));
    assert.deepEqual([trajectory.width, trajectory.height], [800, 600]);
    // The same axes plotTrajectories used: recompute them from the same series.
    const { axes } = renderFigure('trajectory', seriesOf(0, [[255, 0, 0], [0, 255, 0], [0, 0, 255]]), { resolution: 100, linewidth: 1, alpha: 0.7, pcutoff: 0.6, format: 'png' });
    // Points below the p-cutoff (frames 0–9 have likelihood < 0.6, and the wild point) are left out of the axes.
    assert.ok(axes.xRange[0] > at(4, 0, 0).x && axes.xRange[1] < 1000, `x range ${axes.xRange}`);
    for (const f of [10, 25, 39]) {
      for (let k = 0; k < bodyparts.length; k++) {
        const p = at(f, 0, k);
        assert.ok(inkNear(trajectory, axes.px(p.x), axes.py(p.y)), `frame ${f} part ${k} at (${p.x}, ${p.y}) is drawn`);
      }
    }
    // Image coordinates: y grows downwards, so later frames (larger y) are lower in the figure.
    assert.ok(axes.py(at(39, 0, 0).y) > axes.py(at(10, 0, 0).y));
    // Below the cutoff: frame 2's place (outside the axes) shows nothing; an empty corner of the plot is white.
    assert.ok(!inkNear(trajectory, axes.px(at(39, 0, 0).x), axes.py(at(10, 0, 0).y), 2), 'the empty upper right of the plot is white');
    // Tick labels are drawn below the plot area (black pixels of the bitmap font).
    let black = 0;
    for (let y = axes.top + axes.height + 4; y < axes.top + axes.height + 20; y++) {
      for (let x = axes.left; x < axes.left + axes.width; x++) if (pixel(trajectory, x, y).every((c) => c === 0)) black++;
    }
    assert.ok(black > 20, `tick labels: ${black} black pixels`);

    for (const kind of ['plot', 'plot-likelihood', 'hist']) {
      const image = readPng(path.join(folder, `${kind}${individuals[1]}.png`));
      const { axes: a } = renderFigure(kind as 'plot', seriesOf(1, [[255, 0, 0], [0, 255, 0], [0, 0, 255]]), { resolution: 100, linewidth: 1, alpha: 0.7, pcutoff: 0.6, format: 'png' });
      let ink = 0;
      for (let y = a.top + 2; y < a.top + a.height - 2; y++) for (let x = a.left + 2; x < a.left + a.width - 2; x++) if (!isWhite(pixel(image, x, y))) ink++;
      assert.ok(ink > 50, `${kind}: ${ink} drawn pixels in the plot area`);
      if (kind === 'plot-likelihood') {
        // The likelihood of animal 1 part 0 at frame 30 (0.8) is on the plot.
        assert.ok(inkNear(image, a.px(30), a.py(0.8)), 'likelihood line');
      }
      if (kind === 'plot') {
        assert.deepEqual([image.width, image.height], [1000, 300]);
        assert.ok(inkNear(image, a.px(30), a.py(at(30, 1, 2).x)), 'x of part 2 over time');
        assert.ok(inkNear(image, a.px(30), a.py(at(30, 1, 2).y)), 'y of part 2 over time');
      }
    }
  });

  it('plots only the chosen body parts and individuals, scales with the resolution, and names filtered figures', async () => {
    const file = await caseWithTable('_el_filtered');
    const result = await plotTrajectories(config, [file], {
      filtered: true,
      displayedbodyparts: [bodyparts[0]!],
      displayedindividuals: [individuals[1]!],
      resolution: 50,
    });
    const files = result.videos[0]!.files.map((f) => path.basename(f)).sort();
    assert.deepEqual(files, ['hist', 'plot', 'plot-likelihood', 'trajectory'].map((k) => `${k}_filtered${individuals[1]}.png`).sort());
    const image = readPng(result.videos[0]!.files.find((f) => path.basename(f).startsWith('trajectory'))!);
    assert.deepEqual([image.width, image.height], [400, 300]);
    await assert.rejects(plotTrajectories(config, [file], { filtered: true, displayedindividuals: ['mouse9'] }), (e: unknown) => e instanceof HerdError && e.code === 'USAGE' && /mouse9/.test(e.message));
    await assert.rejects(plotTrajectories(config, [file]), (e: unknown) => e instanceof HerdError && e.code === 'POSE_TABLE_NOT_FOUND');
  });

  it('--refined plots the table saved by the refinement panel into <figure>_refined<individual>.png', async () => {
    const file = await caseWithTable();
    const table = path.join(path.dirname(file), `mice${SCORER}_el.h5`);
    // The refinement panel's save beside the tracked table: animals 0 and 1 exchanged over frames 10–29.
    const { poses, unique } = await readPoseTable(table);
    const stride = bodyparts.length * 3;
    for (let f = 10; f < 30; f++) {
      const a = poses.data.slice(poseOffset(poses, f, 0, 0), poseOffset(poses, f, 0, 0) + stride);
      poses.data.copyWithin(poseOffset(poses, f, 0, 0), poseOffset(poses, f, 1, 0), poseOffset(poses, f, 1, 0) + stride);
      poses.data.set(a, poseOffset(poses, f, 1, 0));
    }
    const refinedTable = table.replace(/\.h5$/, '_refined.h5');
    await writePoseTable(refinedTable, poses, SCORER, { multiAnimal: true, uniqueBodyparts: unique });
    // The same poses as another video's tracked table: what the refined figures must look like.
    const twin = await caseWithTable();
    await writePoseTable(path.join(path.dirname(twin), `mice${SCORER}_el.h5`), poses, SCORER, { multiAnimal: true, uniqueBodyparts: unique, overwrite: true });

    const options = { displayedindividuals: [individuals[0]!], resolution: 50 };
    await assert.rejects(plotTrajectories(config, [twin], { ...options, refined: true }), (e: unknown) => e instanceof HerdError && e.code === 'POSE_TABLE_NOT_FOUND' && /Herd: Refine Tracklets/.test(e.message));
    const refined = await plotTrajectories(config, [file], { ...options, refined: true });
    const plain = await plotTrajectories(config, [file], options);
    const expected = await plotTrajectories(config, [twin], options);
    assert.equal(refined.videos[0]!.table, refinedTable);
    assert.equal(plain.videos[0]!.table, table);
    const names = (r: typeof refined) => r.videos[0]!.files.map((f) => path.basename(f)).sort();
    assert.deepEqual(names(refined), ['hist', 'plot', 'plot-likelihood', 'trajectory'].map((k) => `${k}_refined${individuals[0]}.png`).sort());
    assert.deepEqual(names(plain), ['hist', 'plot', 'plot-likelihood', 'trajectory'].map((k) => `${k}${individuals[0]}.png`).sort());
    const png = (r: typeof refined, figure: string) => fs.readFileSync(r.videos[0]!.files.find((f) => path.basename(f).startsWith(`${figure}_`) || path.basename(f) === `${figure}${individuals[0]}.png`)!);
    for (const figure of ['trajectory', 'plot']) {
      assert.ok(png(refined, figure).equals(png(expected, figure)), `${figure}: drawn from the refined poses`);
      assert.ok(!png(refined, figure).equals(png(plain, figure)), `${figure}: not from the tracked poses`);
    }
  });

  it('writes well-formed SVG with paths and dots through the CLI command', async () => {
    const file = await caseWithTable();
    const notes: string[] = [];
    const context = { progress: silentProgress, signal: new AbortController().signal, note: (l: string) => notes.push(l) };
    const result = await plotTrajectoriesCommand.run({ positionals: { config, videos: [file] }, options: { format: 'svg', showfigures: true, shuffle: 1 } }, context);
    assert.match(result.text, /12 figures/);
    assert.ok(notes.some((n) => /showfigures/.test(n)));
    const folder = path.join(path.dirname(file), 'plot-poses', 'mice');
    const svgs = fs.readdirSync(folder).filter((n) => n.endsWith('.svg'));
    assert.equal(svgs.length, 12);
    const script = [
      'import sys, xml.etree.ElementTree as ET',
      'for f in sys.argv[1:]:',
      '    root = ET.parse(f).getroot()',
      '    ns = "{http://www.w3.org/2000/svg}"',
      '    print(f.split("/")[-1], len(root.findall(".//" + ns + "path")), len(root.findall(".//" + ns + "circle")), len(root.findall(".//" + ns + "text")))',
    ].join('\n');
    const out = execFileSync('/usr/bin/python3', ['-c', script, ...svgs.map((n) => path.join(folder, n))], { encoding: 'utf8' });
    const counts = new Map(out.trim().split('\n').map((line) => {
      const [name, paths, circles, texts] = line.split(' ');
      return [name!, { paths: Number(paths), circles: Number(circles), texts: Number(texts) }];
    }));
    for (const [name, c] of counts) {
      assert.ok(c.paths > 0, `${name} has paths`);
      assert.ok(c.texts > 3, `${name} has tick labels and titles`);
    }
    // The trajectory of an animal: dots at its 30 reliable frames per body part.
    assert.equal(counts.get(`trajectory${individuals[0]}.svg`)!.circles, 30 * 3 - 1);
  });

  it('names a single-animal project\'s figures without an individual', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'single-'));
    const created = await createProject({ task: 'single', experimenter: 'me', videos: [video], workingDirectory: dir, copyVideos: true, multiAnimal: false, bodyparts });
    const file = path.join(created.root, 'videos', path.basename(video));
    const poses = createPoseArray(FRAMES, ['individual1'], bodyparts);
    for (let f = 0; f < FRAMES; f++) for (let k = 0; k < bodyparts.length; k++) poses.data.set([at(f, 0, k).x, at(f, 0, k).y, 0.9], poseOffset(poses, f, 0, k));
    const scorer = 'DLC_Resnet50_singleNov25shuffle1_snapshot_10';
    await writePoseTable(path.join(path.dirname(file), `${path.parse(file).name}${scorer}.h5`), poses, scorer, { multiAnimal: false, csv: true });
    const result = await plotTrajectories(created.configPath, [file], { destfolder: undefined });
    assert.deepEqual(result.videos[0]!.files.map((f) => path.basename(f)).sort(), ['hist.png', 'plot-likelihood.png', 'plot.png', 'trajectory.png']);
    assert.equal(path.basename(result.videos[0]!.table), `${path.parse(file).name}${scorer}.h5`, 'the .h5 is preferred over the .csv');
  });

  it('chooses round ticks', () => {
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(3, 97, 4), [25, 50, 75]);
    assert.deepEqual(niceTicks(-12, 12, 4), [-10, 0, 10]);
    assert.deepEqual(niceTicks(-12, 12, 6), [-10, -5, 0, 5, 10]);
    assert.deepEqual(niceTicks(5, 5), [5]);
  });
});
