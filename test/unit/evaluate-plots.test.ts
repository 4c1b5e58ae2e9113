/**
 * `herd evaluate --plotting`: the marker shapes on their own, then on a tiny trained synthetic project one PNG per
 * train and test image, with labels ("+") and the very predictions that were scored ("." at or above the p-cutoff,
 * "x" below) in the colours config.yaml asks for, and the rest of the frame untouched.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { main } from '../../src-core/cli/main';
import { HerdError } from '../../src-core/common/errors';
import { evaluateNetwork, type ScoredImage } from '../../src-core/evaluate/evaluate';
import { drawMarkers, evaluationMarkers, plotFileName } from '../../src-core/evaluate/plots';
import { decodePng, type RgbImage } from '../../src-core/io/png-read';
import { colormapColors, type Rgb } from '../../src-core/labels/colormap';
import { trainedSynthProject } from '../helpers/trained-project';
import { temporaryFolder } from '../helpers/workspace';

const PX = 100 / 72; // pixels per point at 100 dpi
const REACH = ((12 * PX) / 2) * Math.SQRT2 + 1.5; // farthest a 12 pt marker paints from its centre

function gray(width: number, height: number, value = 100): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(value) };
}

function pixel(image: RgbImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 3;
  return [image.data[at]!, image.data[at + 1]!, image.data[at + 2]!];
}

function blended(source: number[], color: Rgb, alpha: number): number[] {
  return source.map((v, c) => Math.round((1 - alpha) * v + alpha * 255 * color[c]!));
}

describe('plot markers', () => {
  it('draws "+" for labels, "." at or above the p-cutoff and "x" below it, and nothing else', () => {
    const image = gray(80, 30);
    const colors: Rgb[] = [[1, 0, 0], [0, 0, 1]];
    // One individual, two body parts; part 0 labeled at (15, 15), predicted at (40, 15) with score 0.5 = its cutoff,
    // part 1 predicted at (65, 15) with 0.59 < its cutoff 0.6.
    const markers = evaluationMarkers(
      { gt: Float32Array.of(15, 15, NaN, NaN), pred: Float32Array.of(40, 15, 0.5, 65, 15, 0.59) },
      { mode: 'bodypart', bodyparts: 2, uniqueBodyparts: 0, individuals: 1, animals: 1, pcutoffs: [0.5, 0.6], uniquePcutoffs: [] },
    );
    assert.deepEqual(markers.map((m) => `${m.shape}${m.color}@${m.x}`), ['+0@15', '.0@40', 'x1@65']);
    drawMarkers(image, markers, { colors, dotsize: 12, alpha: 1 });
    const red = [255, 0, 0];
    const blue = [0, 0, 255];
    const untouched = [100, 100, 100];
    // "+": arms 12 pt long (±8.3 px), 1 pt wide; not the diagonals.
    for (const [x, y] of [[15, 15], [22, 15], [8, 15], [15, 22], [15, 8]] as const) assert.deepEqual(pixel(image, x, y), red, `+ ${x},${y}`);
    for (const [x, y] of [[24, 15], [19, 19], [15, 16 + 8]] as const) assert.deepEqual(pixel(image, x, y), untouched, `+ ${x},${y}`);
    // ".": a filled dot of half the marker size (radius 3 pt + the 1 pt edge's half ≈ 4.9 px).
    for (const [x, y] of [[40, 15], [44, 15], [43, 18], [37, 13]] as const) assert.deepEqual(pixel(image, x, y), red, `. ${x},${y}`);
    for (const [x, y] of [[46, 15], [44, 19], [40, 21]] as const) assert.deepEqual(pixel(image, x, y), untouched, `. ${x},${y}`);
    // "x": the diagonals, not the axes.
    for (const [x, y] of [[65, 15], [69, 19], [61, 11], [72, 8]] as const) assert.deepEqual(pixel(image, x, y), blue, `x ${x},${y}`);
    for (const [x, y] of [[69, 15], [65, 19], [75, 5]] as const) assert.deepEqual(pixel(image, x, y), untouched, `x ${x},${y}`);
    // Far from the markers nothing changed.
    assert.deepEqual(pixel(image, 0, 0), untouched);
    assert.deepEqual(pixel(image, 79, 29), untouched);
    assert.equal(plotFileName('labeled-data/mice1/img0042.png', 'test'), 'Test-mice1-img0042.png');
  });

  it('colours by individual: labels by individual, predictions by assembly slot, unique parts as one more group', () => {
    const layout = { mode: 'individual' as const, bodyparts: 2, uniqueBodyparts: 1, individuals: 2, animals: 2, pcutoffs: [0.6, 0.6], uniquePcutoffs: [0.6] };
    const markers = evaluationMarkers(
      { gt: Float32Array.of(1, 1, 2, 2, 3, 3, 4, 4), pred: Float32Array.of(5, 5, 0.9, NaN, NaN, NaN, 6, 6, 0.1, 7, 7, 0.7), uniqueGt: Float32Array.of(8, 8), uniquePred: Float32Array.of(9, 9, 0.2) },
      layout,
    );
    assert.deepEqual(markers.map((m) => `${m.shape}${m.color}@${m.x}`), ['+0@1', '+0@2', '.0@5', '+1@3', '+1@4', '.1@7', 'x1@6', '+2@8', 'x2@9']);
    const byPart = evaluationMarkers({ gt: Float32Array.of(1, 1, 2, 2, 3, 3, 4, 4), pred: new Float32Array(12).fill(NaN), uniqueGt: Float32Array.of(8, 8) }, { ...layout, mode: 'bodypart' });
    assert.deepEqual(byPart.map((m) => `${m.shape}${m.color}@${m.x}`), ['+0@1', '+0@3', '+1@2', '+1@4', '+2@8']);
  });
});

let template: string;
const templateWork = temporaryFolder();

before(async () => {
  const synth = await trainedSynthProject(templateWork);
  template = synth.root;
});

function project(): string {
  const copy = path.join(temporaryFolder(), path.basename(template));
  fs.cpSync(template, copy, { recursive: true });
  return path.join(copy, 'config.yaml');
}

interface Checked {
  labels: number;
  reliable: number;
  unreliable: number;
  untouched: number;
}

/**
 * Checks one drawn image against its source frame and the predictions that were scored: the arms of every isolated
 * label's "+" are the source blended with its colour, an isolated prediction's dot pixel (3 px right of it) is
 * blended iff it scores at least the cutoff, and every pixel farther than any marker reaches is unchanged.
 */
function checkImage(drawn: RgbImage, source: RgbImage, scored: ScoredImage, colorOf: (kind: 'gt' | 'pred', individual: number, part: number) => Rgb, alpha: number, cutoff: number): Checked {
  const K = 4;
  const points: Array<{ kind: 'gt' | 'pred'; x: number; y: number; score: number; color: Rgb }> = [];
  const add = (kind: 'gt' | 'pred', values: Float32Array, stride: number, individual: (i: number) => number, part: (i: number) => number) => {
    for (let i = 0; i * stride < values.length; i++) {
      const x = values[i * stride]!;
      const y = values[i * stride + 1]!;
      if (Number.isFinite(x) && Number.isFinite(y)) points.push({ kind, x, y, score: stride === 3 ? values[i * stride + 2]! : NaN, color: colorOf(kind, individual(i), part(i)) });
    }
  };
  add('gt', scored.gt, 2, (i) => Math.floor(i / K), (i) => i % K);
  add('pred', scored.pred, 3, (i) => Math.floor(i / K), (i) => i % K);
  add('gt', scored.uniqueGt!, 2, () => -1, (i) => K + i);
  add('pred', scored.uniquePred!, 3, () => -1, (i) => K + i);
  const isolated = (x: number, y: number, self: (typeof points)[number]) => points.every((p) => p === self || Math.hypot(p.x - x, p.y - y) > REACH);
  const checked: Checked = { labels: 0, reliable: 0, unreliable: 0, untouched: 0 };
  for (const p of points) {
    const cx = Math.round(p.x);
    const cy = Math.round(p.y);
    if (p.kind === 'gt') {
      const arms = [[cx - 6, cy], [cx + 6, cy], [cx, cy - 6], [cx, cy + 6]].filter(([x, y]) => x! >= 0 && y! >= 0 && x! < drawn.width && y! < drawn.height);
      if (arms.length < 4 || !arms.every(([x, y]) => isolated(x!, y!, p))) continue;
      for (const [x, y] of arms) assert.deepEqual(pixel(drawn, x!, y!), blended(pixel(source, x!, y!), p.color, alpha), `${scored.imagePath}: + arm at ${x},${y}`);
      checked.labels++;
    } else if (cx + 3 < drawn.width && isolated(cx + 3, cy, p)) {
      const reliable = p.score >= cutoff;
      const expected = reliable ? blended(pixel(source, cx + 3, cy), p.color, alpha) : pixel(source, cx + 3, cy);
      assert.deepEqual(pixel(drawn, cx + 3, cy), expected, `${scored.imagePath}: prediction (score ${p.score}) at ${p.x},${p.y}`);
      checked[reliable ? 'reliable' : 'unreliable']++;
    }
  }
  for (let y = 0; y < drawn.height; y++) {
    for (let x = 0; x < drawn.width; x++) {
      if (points.some((p) => Math.hypot(p.x - x, p.y - y) <= REACH)) continue;
      assert.deepEqual(pixel(drawn, x, y), pixel(source, x, y), `${scored.imagePath}: ${x},${y} is no marker's`);
      checked.untouched++;
    }
  }
  return checked;
}

/** Runs `run` with `stream`'s output collected instead of written. */
async function capture(stream: 'stdout' | 'stderr', run: () => Promise<number>): Promise<{ code: number; text: string }> {
  const chunks: string[] = [];
  const target = process[stream];
  const write = target.write;
  target.write = ((chunk: unknown) => (chunks.push(String(chunk)), true)) as typeof target.write;
  try {
    return { code: await run(), text: chunks.join('') };
  } finally {
    target.write = write;
  }
}

function readPng(file: string): RgbImage {
  const image = decodePng(fs.readFileSync(file), file);
  assert.ok(image, file);
  return image;
}

describe('evaluate --plotting', () => {
  it('draws every train and test image with its labels and scored predictions, per body part then per individual', async () => {
    const config = project();
    const root = path.dirname(config);
    // A p-cutoff in the middle of the predicted scores, so that both "." and "x" are drawn.
    const scores: number[] = [];
    const unplotted = await evaluateNetwork(config, { onPredictions: (image) => image.pred.forEach((v, i) => i % 3 === 2 && Number.isFinite(v) && scores.push(v)) });
    assert.deepEqual(unplotted.plotFolders, []);
    assert.equal(unplotted.evaluations[0]!.plots, undefined);
    assert.deepEqual(fs.readdirSync(path.dirname(unplotted.files[0]!)).filter((n) => n.startsWith('LabeledImages')), [], 'no plots unless asked');
    const cutoff = scores.sort((a, b) => a - b)[Math.floor(scores.length / 2)]!;
    const scored: ScoredImage[] = [];
    const result = await evaluateNetwork(config, { plotting: 'bodypart', pcutoff: cutoff, onPredictions: (image) => scored.push(image) });
    const [evaluation] = result.evaluations;
    const folder = evaluation!.plots!.folder;
    assert.deepEqual(result.plotFolders, [folder]);
    assert.equal(folder, path.join(path.dirname(result.files[0]!), `LabeledImages_${evaluation!.scorer}`));
    assert.match(folder, /evaluation-results-pytorch\/iteration-0\/synth\w+-trainset95shuffle1\/LabeledImages_DLC_HerdSmall_\w+_snapshot_[\w-]+$/);
    const expectedNames = scored.map((s) => `${s.split === 'train' ? 'Training' : 'Test'}-${s.imagePath.split('/')[1]}-${path.parse(s.imagePath).name}.png`);
    assert.equal(scored.length, 16);
    assert.equal(evaluation!.plots!.images, 16);
    assert.deepEqual(fs.readdirSync(folder).sort(), [...expectedNames].sort());
    assert.ok(expectedNames.some((n) => n.startsWith('Test-')) && expectedNames.some((n) => n.startsWith('Training-')));

    // Bodypart colours: rainbow over the 4 body parts then the unique one; config.yaml's alphavalue 0.7.
    const partColors = colormapColors('rainbow', 5);
    const totals: Checked = { labels: 0, reliable: 0, unreliable: 0, untouched: 0 };
    const sources = new Map<string, RgbImage>();
    const byPart = new Map<string, RgbImage>();
    for (const [i, image] of scored.entries()) {
      const source = readPng(path.join(root, image.imagePath));
      sources.set(image.imagePath, source);
      const drawn = readPng(path.join(folder, expectedNames[i]!));
      byPart.set(image.imagePath, drawn);
      assert.equal(drawn.width, 256);
      assert.equal(drawn.height, 192);
      const checked = checkImage(drawn, source, image, (_kind, _individual, part) => partColors[part]!, 0.7, cutoff);
      for (const key of Object.keys(totals) as Array<keyof Checked>) totals[key] += checked[key];
    }
    assert.ok(totals.labels >= 16, `labels checked: ${JSON.stringify(totals)}`);
    assert.ok(totals.untouched > 0.5 * 16 * 256 * 192, `untouched pixels: ${JSON.stringify(totals)}`);
    assert.ok(totals.reliable > 0 && totals.unreliable > 0, `predictions checked: ${JSON.stringify(totals)}`);

    // Per individual, with config.yaml's colormap and alphavalue changed: labels by individual, predictions by
    // slot, the unique part as a third group; the same predictions, so only the colours differ.
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace(/^alphavalue: .*$/m, 'alphavalue: 1').replace(/^colormap: .*$/m, 'colormap: jet'));
    const again: ScoredImage[] = [];
    const byIndividual = await evaluateNetwork(config, { plotting: 'individual', pcutoff: cutoff, onPredictions: (image) => again.push(image) });
    assert.equal(byIndividual.plotFolders[0], folder);
    const individualColors = colormapColors('jet', 3);
    let differing = 0;
    for (const [i, image] of again.entries()) {
      assert.deepEqual(image.pred, scored[i]!.pred, 'evaluation is deterministic');
      const drawn = readPng(path.join(folder, expectedNames[i]!));
      const checked = checkImage(drawn, sources.get(image.imagePath)!, image, (_kind, individual, _part) => individualColors[individual < 0 ? 2 : individual]!, 1, cutoff);
      assert.ok(checked.untouched > 0);
      const other = byPart.get(image.imagePath)!;
      for (let p = 0; p < drawn.data.length; p++) if (drawn.data[p] !== other.data[p]) differing++;
    }
    assert.ok(differing > 0, 'the individual colours differ from the body part colours');
    await assert.rejects(evaluateNetwork(config, { plotting: 'skeleton' as never }), (e: unknown) => e instanceof HerdError && e.code === 'USAGE');

    // The CLI prints the folder.
    const cli = await capture('stdout', () => main(['evaluate', config, '--plotting', 'individual']));
    assert.equal(cli.code, 0);
    assert.ok(cli.text.includes(`labeled images (16): ${folder}\n`), cli.text);
  });

  it('rejects a bad --plotting value as a usage error (exit 2)', async () => {
    const cli = await capture('stderr', () => main(['evaluate', 'config.yaml', '--plotting', 'skeleton']));
    assert.equal(cli.code, 2);
    assert.match(cli.text, /--plotting expects bodypart or individual, got "skeleton"/);
  });
});
