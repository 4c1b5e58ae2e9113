/**
 * `herd extract-save-all-maps`: the blending of a map over an image (hand-made maps), and on a tiny trained synthetic
 * project the files written (names, count, image sizes) and that a heatmap PNG is brightest at the model's peak.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { parseArgs } from '../../src-core/cli/args';
import { extractSaveAllMapsCommand } from '../../src-core/cli/commands/maps';
import { HerdError } from '../../src-core/common/errors';
import { silentProgress } from '../../src-core/common/progress';
import { loadShuffle } from '../../src-core/dataset';
import { listSnapshots } from '../../src-core/evaluate/snapshot-runner';
import { blendMap, colormapLut, extractSaveAllMaps, imageStems, selectMaps, upsampleMap } from '../../src-core/evaluate/maps';
import { modelInfoFromMetadata, runTfHeads } from '../../src-core/infer/pose-model';
import { decodePng } from '../../src-core/io/png-read';
import { findPeaks } from '../../src-core/model/decode';
import { readSnapshot } from '../../src-core/model/snapshot';
import { disposeTfModel, tfModelFromValues } from '../../src-core/model/tfjs-model';
import { loadSamples, makeBatch, type TargetSetup } from '../../src-core/train/data';
import { trainedSynthProject } from '../helpers/trained-project';
import { temporaryFolder } from '../helpers/workspace';

const isCode = (code: string) => (e: unknown) => e instanceof HerdError && e.code === code;

function solidImage(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(rgb, 3 * p);
  return { width, height, data };
}

const pixel = (rgb: Uint8Array, width: number, x: number, y: number) => Array.from(rgb.subarray(3 * (y * width + x), 3 * (y * width + x) + 3));

let config: string;
const work = temporaryFolder();

// A tiny trained synthetic project, as in analyze.test.ts.
before(async () => {
  const synth = await trainedSynthProject(work);
  config = synth.configPath;
});

describe('blendMap', () => {
  const stride = 8;
  const [Ho, Wo] = [3, 4];
  const image = solidImage(32, 24, [100, 150, 200]);
  const values = new Float32Array(Ho * Wo);
  values[1 * Wo + 2] = 1; // row 1, column 2: pixels x 16…23, y 8…15
  const lut = colormapLut('jet');
  const top = Array.from(lut.subarray(255 * 3));
  const alpha = 0.3;
  const bottom = [100, 150, 200].map((c, ch) => Math.round((1 - alpha) * c + alpha * lut[ch]!));

  it('gives the colormap top colour (opaque) where the map is 1 and the image tinted with the bottom colour at alpha where it is 0', () => {
    assert.deepEqual(top, [128, 0, 0]); // jet(1) = (0.5, 0, 0)
    assert.deepEqual(Array.from(lut.subarray(0, 3)), [0, 0, 128]); // jet(0) = (0, 0, 0.5)
    const rgb = blendMap(image, { values, Ho, Wo }, { stride, alpha, interpolation: 'nearest' });
    for (let y = 0; y < 24; y++) {
      for (let x = 0; x < 32; x++) {
        const inside = x >= 16 && x < 24 && y >= 8 && y < 16;
        assert.deepEqual(pixel(rgb, 32, x, y), inside ? top : bottom, `${x}, ${y}`);
      }
    }
    // alpha 0: where the map is 0 the image is unchanged.
    const clear = blendMap(image, { values, Ho, Wo }, { stride, alpha: 0, interpolation: 'nearest' });
    assert.deepEqual(pixel(clear, 32, 0, 0), [100, 150, 200]);
    assert.deepEqual(pixel(clear, 32, 20, 12), top);
    // A scale makes that value the top of the colour scale.
    const scaled = blendMap(image, { values: values.map((v) => v * 5), Ho, Wo }, { stride, alpha, interpolation: 'nearest', scale: 5 });
    assert.deepEqual(scaled, rgb);
  });

  it('bilinear: the value peaks at the cell centre (19.5, 11.5) and from the next cell centre on it is the bottom colour', () => {
    const up = upsampleMap({ values, Ho, Wo }, 32, 24, stride, 'bilinear');
    assert.ok(Math.abs(up[11 * 32 + 19]! - (1 - 0.5 / 8) ** 2) < 1e-6);
    let best = 0;
    for (let p = 0; p < up.length; p++) if (up[p]! > up[best]!) best = p;
    assert.ok([19, 20].includes(best % 32) && [11, 12].includes(Math.floor(best / 32)), String(best));
    const rgb = blendMap(image, { values, Ho, Wo }, { stride, alpha });
    assert.deepEqual(pixel(rgb, 32, 3, 3), bottom);
    assert.deepEqual(pixel(rgb, 32, 28, 11), bottom); // column centre 27.5 and beyond: cell 3 only
    assert.deepEqual(pixel(rgb, 32, 19, 11), pixel(blendMap(image, { values: new Float32Array(Ho * Wo).fill(up[11 * 32 + 19]!), Ho, Wo }, { stride, alpha }), 32, 0, 0));
  });

  it('selects body parts and the PAF edges between them; image stems stay unique', () => {
    const graph: Array<[number, number]> = [[0, 1], [1, 2], [0, 2]];
    const all = selectMaps(['a', 'b', 'c'], ['u'], graph);
    assert.deepEqual(all.parts.map((p) => `${p.head}:${p.name}:${p.index}`), ['multi:a:0', 'multi:b:1', 'multi:c:2', 'unique:u:0']);
    assert.deepEqual(all.edges.map((e) => e.name), ['a-b', 'b-c', 'a-c']);
    const some = selectMaps(['a', 'b', 'c'], ['u'], graph, ['a', 'c', 'u']);
    assert.deepEqual(some.edges, [{ index: 2, name: 'a-c' }]);
    assert.throws(() => selectMaps(['a'], [], [], ['nose']), isCode('MAPS_UNKNOWN_BODYPART'));
    assert.deepEqual(imageStems(['labeled-data/v1/img01.png', 'labeled-data/v2/img01.png', 'labeled-data/v2/img02.png']), ['v1_img01', 'v2_img01', 'img02']);
  });
});

describe('extract-save-all-maps', () => {

  it('writes a heatmap and a locref map per body part and a PAF map per edge for every image, at the image size', async () => {
    const shuffle = await loadShuffle(config, 1, 0);
    const result = await extractSaveAllMaps(config, {});
    assert.deepEqual(result.indices, shuffle.testIndices);
    assert.equal(result.interpolation, 'bilinear');
    assert.match(result.folder, /evaluation-results-pytorch\/iteration-0\/synth\w+-trainset95shuffle1\/maps$/);
    const info = modelInfoFromMetadata(readSnapshot(result.snapshot).metadata, result.snapshot);
    const parts = [...info.bodyparts, ...info.uniqueBodyparts];
    assert.equal(parts.length, 5);
    assert.equal(info.pafGraph.length, 6);

    const all = await extractSaveAllMaps(config, { all: true });
    assert.equal(all.indices.length, 16);
    const perImage = parts.length * 2 + info.pafGraph.length;
    assert.equal(all.files.length, 16 * perImage);
    const written = fs.readdirSync(all.folder).filter((n) => n.endsWith('.png'));
    assert.equal(written.length, 16 * perImage); // the test images' maps were overwritten, not duplicated
    assert.ok(!fs.readdirSync(all.folder).some((n) => n.startsWith('.herd-tmp')));
    const stems = imageStems(shuffle.images.map((i) => i.path));
    for (const index of all.indices) {
      const expected = [
        ...parts.map((p) => `${stems[index]}_scmap_${p}.png`),
        ...parts.map((p) => `${stems[index]}_locref_${p}.png`),
        ...info.pafGraph.map(([s, t]) => `${stems[index]}_paf_${info.bodyparts[s]}-${info.bodyparts[t]}.png`),
      ];
      for (const name of expected) assert.ok(written.includes(name), name);
    }
    for (const file of all.files.filter((_, i) => i % 7 === 0)) {
      const image = decodePng(fs.readFileSync(file), file)!;
      assert.equal(image.width, 256);
      assert.equal(image.height, 192);
    }

    const one = await extractSaveAllMaps(config, { indices: [2], parts: [info.bodyparts[0]!, info.bodyparts[1]!], snapshot: 0 });
    assert.equal(path.basename(one.snapshot), path.basename(listSnapshots(path.join(shuffle.modelFolder, 'train'))[0]!));
    assert.deepEqual(one.files.map((f) => path.basename(f)), [
      `${stems[2]}_scmap_${info.bodyparts[0]}.png`,
      `${stems[2]}_scmap_${info.bodyparts[1]}.png`,
      `${stems[2]}_locref_${info.bodyparts[0]}.png`,
      `${stems[2]}_locref_${info.bodyparts[1]}.png`,
      `${stems[2]}_paf_${info.bodyparts[0]}-${info.bodyparts[1]}.png`,
    ]);
    await assert.rejects(extractSaveAllMaps(config, { parts: ['nose'] }), isCode('MAPS_UNKNOWN_BODYPART'));
    await assert.rejects(extractSaveAllMaps(config, { snapshot: 9 }), isCode('SNAPSHOT_NOT_FOUND'));
    await assert.rejects(extractSaveAllMaps(config, { indices: [99] }), isCode('USAGE'));

    // The command: options as DeepLabCut names them.
    const args = parseArgs(extractSaveAllMapsCommand.spec, [config, '--indices', '2,3', '--parts', `${info.uniqueBodyparts[0]}`, '--interpolation', 'nearest']);
    const cli = await extractSaveAllMapsCommand.run(args, { progress: silentProgress, signal: new AbortController().signal, note: () => {} });
    assert.deepEqual((cli.data.files as string[]).map((f) => path.basename(f)), [2, 3].flatMap((i) => [`${stems[i]}_scmap_${info.uniqueBodyparts[0]}.png`, `${stems[i]}_locref_${info.uniqueBodyparts[0]}.png`]));
    assert.match(cli.text, /^4 maps of 2 images \(.*snapshot-best-\d+\.safetensors, nearest upsampling\): /);
    await assert.rejects(extractSaveAllMapsCommand.run(parseArgs(extractSaveAllMapsCommand.spec, [config, '--interpolation', 'cubic']), { progress: silentProgress, signal: new AbortController().signal, note: () => {} }), isCode('USAGE'));
  });

  it('draws each body part brightest at its heatmap peak (gray, opaque: brightness = probability)', async () => {
    const shuffle = await loadShuffle(config, 1, 0);
    const index = shuffle.testIndices[0]!;
    const nearest = await extractSaveAllMaps(config, { indices: [index], colormap: 'gray', alpha: 1, interpolation: 'nearest' });
    const snapshot = readSnapshot(nearest.snapshot);
    const info = modelInfoFromMetadata(snapshot.metadata, nearest.snapshot);
    const setup: TargetSetup = {
      bodyparts: info.bodyparts, uniqueBodyparts: info.uniqueBodyparts, individuals: info.individuals, edges: info.pafGraph,
      withIdentity: info.withIdentity, stride: info.stride, locrefStd: info.locrefStd, posDistThresh: info.posDistThresh, pafWidth: 20,
    };
    const samples = await loadSamples(shuffle, [index], setup);
    const batch = makeBatch(samples, [0], setup, { inputMultiple: info.inputMultiple, normalizeImages: info.normalizeImages });
    const model = tfModelFromValues(snapshot.graph, snapshot.values);
    const heads = runTfHeads(model, batch.images, 1, batch.height, batch.width);
    disposeTfModel(model);
    const [, Ho, Wo, K] = heads.heatmap!.shape;
    const peaks = findPeaks(heads.heatmap!.data, Ho, Wo, K, { stride: info.stride, logits: true, threshold: 0 });
    const stem = imageStems(shuffle.images.map((i) => i.path))[index];
    const scmap = (files: string[], part: string) => {
      const file = files.find((f) => path.basename(f) === `${stem}_scmap_${part}.png`)!;
      return decodePng(fs.readFileSync(file), file)!;
    };
    // Read before the bilinear run writes the same files.
    const sharp = info.bodyparts.map((part) => scmap(nearest.files, part));
    const bilinear = await extractSaveAllMaps(config, { indices: [index], colormap: 'gray', alpha: 1 });
    info.bodyparts.forEach((part, k) => {
      const top = peaks[k]![0]!;
      // Nearest: the brightest pixels are exactly the top peak's cell, at its probability.
      const png = sharp[k]!;
      let max = 0;
      for (let p = 0; p < png.width * png.height; p++) max = Math.max(max, png.data[3 * p]!);
      assert.equal(max, Math.round(top.score * 255), part);
      const px = pixel(png.data, png.width, Math.floor(top.x), Math.floor(top.y));
      assert.deepEqual(px, [max, max, max], `${part}: peak at ${top.x}, ${top.y}`);
      // Bilinear: the brightest pixel lies within 1.5 cells of one of the part's peaks, and is no brighter.
      const smooth = scmap(bilinear.files, part);
      let best = 0;
      for (let p = 0; p < smooth.width * smooth.height; p++) if (smooth.data[3 * p]! > smooth.data[3 * best]!) best = p;
      const [bx, by] = [best % smooth.width, Math.floor(best / smooth.width)];
      const nearestPeak = Math.min(...peaks[k]!.map((p) => Math.hypot(p.x - bx, p.y - by)));
      assert.ok(nearestPeak <= 1.5 * info.stride, `${part}: brightest pixel ${bx}, ${by} is ${nearestPeak.toFixed(1)} px from the nearest peak`);
      assert.ok(smooth.data[3 * best]! <= max + 1, `${part}: ${smooth.data[3 * best]} vs ${max}`);
    });
  });
});
