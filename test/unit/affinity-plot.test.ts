/**
 * herd plot-edge-affinity-distributions: the bitmap font, the density histograms, the CSV and the figure on
 * hand-made affinities; then the whole command on a tiny trained project.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Edge, EdgeCosts } from '../../src-core/assemble';
import { CELL_HEIGHT, CELL_WIDTH, drawText, GLYPH_HEIGHT, glyphPixel, textWidth } from '../../src-core/common/bitmap-font';
import {
  affinityDistributions,
  affinityDistributionsCsv,
  affinityDistributionsFromSamples,
  affinityHistogram,
  BETWEEN_COLOR,
  blend,
  gridShape,
  LAYOUT,
  niceLimit,
  plotArea,
  plotEdgeAffinityDistributions,
  renderAffinityDistributions,
  WHITE,
  WITHIN_COLOR,
  writeAffinityDistributions,
  type AffinityDistribution,
} from '../../src-core/evaluate/affinity-plot';
import type { EdgeSeparability, SeparabilitySample } from '../../src-core/evaluate/prune-graph';
import { decodePng, type RgbImage } from '../../src-core/io/png-read';
import type { Peak } from '../../src-core/model/decode';
import { trainedSynthProject } from '../helpers/trained-project';
import { temporaryFolder } from '../helpers/workspace';

const blank = (width: number, height: number): RgbImage => ({ width, height, data: new Uint8Array(width * height * 3) });
const pixel = (image: RgbImage, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));
const lit = (image: RgbImage) => {
  const points: Array<[number, number]> = [];
  for (let y = 0; y < image.height; y++) for (let x = 0; x < image.width; x++) if (image.data[(y * image.width + x) * 3] !== 0) points.push([x, y]);
  return points;
};

describe('bitmap font', () => {
  it("draws 'I' as a vertical bar with serifs, in its colour, only inside its cell", () => {
    for (let row = 0; row < GLYPH_HEIGHT; row++) assert.ok(glyphPixel('I', 2, row), `row ${row} of the bar`);
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      assert.equal(glyphPixel('I', 0, row), false);
      assert.equal(glyphPixel('I', 4, row), false);
    }
    assert.ok(glyphPixel('I', 1, 0) && glyphPixel('I', 3, 0) && glyphPixel('I', 1, 6) && glyphPixel('I', 3, 6));
    assert.equal(glyphPixel('I', 1, 3), false);

    const image = blank(20, 20);
    assert.equal(drawText(image, 3, 4, 'I', [200, 10, 20]), CELL_WIDTH);
    assert.deepEqual(pixel(image, 3 + 2, 4), [200, 10, 20]);
    for (let row = 0; row < 7; row++) assert.equal(image.data[((4 + row) * 20 + 5) * 3], 200);
    assert.equal(lit(image).length, 7 + 4);
    assert.ok(lit(image).every(([x, y]) => x >= 3 && x < 3 + 5 && y >= 4 && y < 4 + 7));
  });

  it('scales every font pixel to a block; width is characters × advance', () => {
    const image = blank(40, 40);
    assert.equal(drawText(image, 0, 0, 'I', [255, 255, 255], 3), 3 * CELL_WIDTH);
    assert.equal(lit(image).length, (7 + 4) * 9);
    for (let y = 0; y < 21; y++) for (let x = 6; x < 9; x++) assert.deepEqual(pixel(image, x, y), [255, 255, 255]);
    assert.equal(textWidth('snout-tailbase AUC 0.93'), 23 * CELL_WIDTH);
    assert.equal(textWidth('abc', 2), 3 * CELL_WIDTH * 2);
    assert.equal(drawText(blank(10, 10), 0, 0, 'abc', [1, 1, 1], 2), 36);
    assert.equal(CELL_HEIGHT, 8);
  });

  it('covers printable ASCII, draws others as ?, and clips at the image border', () => {
    for (let code = 33; code <= 126; code++) {
      const c = String.fromCharCode(code);
      let on = 0;
      for (let col = 0; col < 5; col++) for (let row = 0; row < 7; row++) on += glyphPixel(c, col, row) ? 1 : 0;
      assert.ok(on > 0, `glyph for ${JSON.stringify(c)}`);
    }
    for (let col = 0; col < 5; col++) for (let row = 0; row < 7; row++) assert.equal(glyphPixel(' ', col, row), false);
    const a = blank(8, 8), b = blank(8, 8);
    drawText(a, 0, 0, 'é', [9, 9, 9]);
    drawText(b, 0, 0, '?', [9, 9, 9]);
    assert.deepEqual(a.data, b.data);
    const edge = blank(6, 6);
    drawText(edge, -3, -3, 'W#', [255, 0, 0], 2);
    assert.ok(lit(edge).length > 0);
  });
});

describe('affinity histograms', () => {
  it('bins values over [0, 1] as densities that integrate to 1', () => {
    const h = affinityHistogram([0, 0.05, 0.5, 1, 1, -0.2, 1.5, Number.NaN]);
    assert.equal(h.count, 5);
    assert.equal(h.binStarts.length, 20);
    assert.ok(Math.abs(h.binStarts[1]! - 0.05) < 1e-12);
    const counts = h.density.map((d) => Math.round(d * 0.05 * 5));
    assert.deepEqual(
      counts.flatMap((c, i) => (c ? [[i, c]] : [])),
      [[0, 1], [1, 1], [10, 1], [19, 2]],
    );
    // Values on bin edges go right, as numpy's.
    for (const [v, bin] of [[0.15, 3], [0.35, 7], [0.55, 11], [0.7, 14], [0.95, 19], [0.049999, 0]] as const) {
      assert.equal(affinityHistogram([v]).density.findIndex((d) => d > 0), bin, `value ${v}`);
    }
    let seed = 7;
    const values = Array.from({ length: 500 }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) ** 2);
    for (const bins of [20, 7]) {
      const r = affinityHistogram(values, bins);
      assert.ok(Math.abs(r.density.reduce((s, d) => s + d / bins, 0) - 1) < 1e-12);
    }
    const empty = affinityHistogram([]);
    assert.equal(empty.count, 0);
    assert.ok(empty.density.every((d) => d === 0));
    assert.throws(() => affinityHistogram([0.5], 0));
  });

  it('takes within / between from edgeSeparability on hand-made samples', () => {
    const peak = (x: number, y: number): Peak => ({ x, y, score: 0.9, row: 0, col: 0 });
    // Two animals, one edge (affinities are float32: values exact in float32 keep the bins certain); part 1's peaks listed in reverse animal order, so pairs (0,1) and (1,0) are "within".
    const sample = (same: number, other: number): SeparabilitySample => {
      const affinity = Float32Array.from([other, same, same, other]);
      const costs: EdgeCosts[] = [{ affinity, distance: new Float32Array(4) }];
      return { gt: Float32Array.from([10, 10, 20, 10, 100, 100, 110, 100]), peaks: [[peak(11, 9), peak(101, 100)], [peak(111, 101), peak(19, 10)]], costs };
    };
    const [d] = affinityDistributionsFromSamples([sample(0.875, 0.25), sample(0.8125, 0.3125)], [[0, 1]], ['snout', 'tailbase']);
    assert.ok(d);
    assert.deepEqual(d.bodyparts, ['snout', 'tailbase']);
    assert.equal(d.auc, 1);
    assert.equal(d.within.count, 4);
    assert.equal(d.between.count, 4);
    assert.deepEqual(d.within.density.flatMap((v, i) => (v ? [[i, v]] : [])), [[16, 10], [17, 10]]);
    assert.deepEqual(d.between.density.flatMap((v, i) => (v ? [[i, v]] : [])), [[5, 10], [6, 10]]);
  });

  it('rounds the density axis up to 1, 2, 2.5 or 5 × 10^k', () => {
    assert.deepEqual([0.3, 1, 1.2, 2.2, 4, 7, 20, 0, Number.NaN].map(niceLimit), [0.5, 1, 2, 2.5, 5, 10, 20, 1, 1]);
  });
});

/** Three edges: separable (within at 0.92, between at 0.1 and 0.16), overlapping (both at 0.5), and one with no pairs. */
function threeEdges(): AffinityDistribution[] {
  const graph: Edge[] = [[0, 1], [1, 2], [0, 2]];
  const separability: EdgeSeparability[] = [
    { edge: 0, within: [0.92, 0.93, 0.91], between: [0.1, 0.16], auc: 1 },
    { edge: 1, within: [0.5, 0.52], between: [0.51, 0.53], auc: 0.5 },
    { edge: 2, within: [], between: [], auc: Number.NaN },
  ];
  return affinityDistributions(separability, graph, ['snout', 'neck', 'tail,base']);
}

describe('affinity distribution outputs', () => {
  it('writes one CSV row per edge and bin', () => {
    const lines = affinityDistributionsCsv(threeEdges()).trimEnd().split('\n');
    assert.equal(lines[0], 'edge,bodyparts,auc,bin_start,within_density,between_density');
    assert.equal(lines.length, 1 + 3 * 20);
    assert.equal(lines[1], '0,snout-neck,1,0,0,0');
    assert.equal(lines[1 + 2], '0,snout-neck,1,0.1,0,10');
    assert.equal(lines[1 + 18], '0,snout-neck,1,0.9,20,0');
    assert.equal(lines[21 + 10], '1,"neck-tail,base",0.5,0.5,20,20');
    assert.equal(lines[41], '2,"snout-tail,base",,0,0,0');
    for (const edge of [0, 1]) {
      const rows = lines.slice(1 + 20 * edge, 21 + 20 * edge).map((l) => l.split(',').slice(-2).map(Number));
      for (const column of [0, 1]) assert.ok(Math.abs(rows.reduce((s, r) => s + r[column]! * 0.05, 0) - 1) < 1e-9);
    }
  });

  it('draws a grid of panels: white background, within bars in the within colour, overlaps mixed', () => {
    const folder = temporaryFolder();
    const written = writeAffinityDistributions(folder, 'DLC_test_snapshot_3', threeEdges());
    assert.equal(written.png, path.join(folder, 'DLC_test_snapshot_3_affinity_distributions.png'));
    assert.ok(fs.readFileSync(written.csv, 'utf8').startsWith('edge,bodyparts'));
    assert.deepEqual(fs.readdirSync(folder).sort(), ['DLC_test_snapshot_3_affinity_distributions.csv', 'DLC_test_snapshot_3_affinity_distributions.png']);
    const image = decodePng(fs.readFileSync(written.png), written.png)!;
    assert.deepEqual(gridShape(3), { columns: 2, rows: 2 });
    assert.equal(image.width, 2 * LAYOUT.panelWidth);
    assert.equal(image.height, LAYOUT.header + 2 * LAYOUT.panelHeight);
    assert.deepEqual(Array.from(image.data), Array.from(renderAffinityDistributions(threeEdges()).data));

    const within = blend(WHITE, WITHIN_COLOR, 0.5), between = blend(WHITE, BETWEEN_COLOR, 0.5);
    const a0 = plotArea(0, 3);
    const bottom = a0.y + a0.height - 2;
    const bar = (area: typeof a0, bin: number, y: number) => pixel(image, area.x + bin * LAYOUT.binWidth + LAYOUT.binWidth / 2, y);
    // Edge 0: density 20 in bin 18 fills the whole height (the axis goes to 20); between (10) half of it in bin 2.
    assert.deepEqual(bar(a0, 18, bottom), Array.from(within));
    assert.deepEqual(bar(a0, 18, a0.y + 1), Array.from(within));
    assert.deepEqual(bar(a0, 2, bottom), Array.from(between));
    assert.deepEqual(bar(a0, 2, a0.y + 5), Array.from(WHITE));
    for (const bin of [0, 5, 10, 15, 19]) assert.deepEqual(bar(a0, bin, a0.y + a0.height / 2), Array.from(WHITE), `bin ${bin}`);
    // Edge 1: within and between in bin 10 overlap.
    const a1 = plotArea(1, 3);
    assert.equal(a1.y, a0.y);
    assert.deepEqual(bar(a1, 10, a1.y + a1.height - 2), Array.from(blend(between, WITHIN_COLOR, 0.5)));
    assert.deepEqual(bar(a1, 3, a1.y + a1.height - 2), Array.from(WHITE));
    // Edge 2 (no pairs): an empty white plot; the fourth cell of the grid is blank.
    const a2 = plotArea(2, 3);
    assert.equal(a2.x, a0.x);
    for (let bin = 0; bin < 20; bin++) assert.deepEqual(bar(a2, bin, a2.y + a2.height - 2), Array.from(WHITE));
    for (let y = LAYOUT.header + LAYOUT.panelHeight; y < image.height; y++) {
      for (let x = LAYOUT.panelWidth; x < image.width; x++) assert.deepEqual(pixel(image, x, y), [255, 255, 255]);
    }
    // Titles (dark text) above each plot, and a legend with both colours in the header.
    const dark = (x0: number, y0: number, w: number, h: number) => {
      let n = 0;
      for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) if (pixel(image, x, y)[0]! < 60) n++;
      return n;
    };
    assert.ok(dark(0, a0.y - 14, LAYOUT.panelWidth, 10) > 50);
    assert.ok(dark(LAYOUT.panelWidth, a1.y - 14, LAYOUT.panelWidth, 10) > 50);
    const header = Array.from({ length: image.width * LAYOUT.header }, (_, p) => pixel(image, p % image.width, Math.floor(p / image.width)).join());
    assert.ok(header.includes(Array.from(within).join()) && header.includes(Array.from(between).join()));
  });
});

describe('herd plot-edge-affinity-distributions on a trained project', () => {
  it('writes the figure and the CSV into the evaluation folder', async () => {
    const work = temporaryFolder();
    const synth = await trainedSynthProject(work, { epochs: 2 });
    const result = await plotEdgeAffinityDistributions(synth.configPath, { snapshot: -1 });
    const folder = path.dirname(result.png);
    assert.match(path.relative(path.dirname(synth.configPath), folder), /^evaluation-results-pytorch[\\/]iteration-0[\\/]/);
    assert.equal(path.basename(result.png), `${result.scorer}_affinity_distributions.png`);
    assert.ok(result.images > 0);
    assert.ok(result.distributions.length > 0);
    const image = decodePng(fs.readFileSync(result.png), result.png)!;
    const { columns, rows } = gridShape(result.distributions.length);
    assert.deepEqual([image.width, image.height], [columns * LAYOUT.panelWidth, LAYOUT.header + rows * LAYOUT.panelHeight]);
    const lines = fs.readFileSync(result.csv, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 1 + 20 * result.distributions.length);
    await assert.rejects(plotEdgeAffinityDistributions(synth.configPath, { snapshot: 99 }), /outside the/);
  });
});
