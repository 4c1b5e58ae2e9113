/**
 * Issue 10's measurements, in headless Chromium with the Performance API, on a 10,000-frame, 4-animal, 8-part
 * table with a 640×480 video (frames from a host stub, so the host's ffmpeg decode is not in these numbers): the
 * time to open the panel (the init message → the timeline drawn, and from navigation) and the frame rate while
 * scrubbing the timeline (goal ≥ 30 fps). A benchmark, run by `npm run bench`'s caller or
 * `node --import tsx test/webviews/refine.bench.ts` (needs `npm run build`): it prints Markdown rows and asserts
 * only that the interactions happened.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { openWebview, stubPage, webviewBundle, type OpenWebview } from '../helpers/webview-server';
import { createPoseArray, poseOffset, type PoseArray } from '../../src-core/common/pose';
import { writePoseTable } from '../../src-core/infer/outputs';
import { refineCore, RefineSession } from '../../src-extension/refine-host';
import { makeTestVideo, testFfmpeg } from '../helpers/workspace';
import * as S from '../../webviews/refine/state';
import type { RefineInitMessage } from '../../webviews/shared/messages';

const { bundle: BUNDLE, missing } = webviewBundle('refine', false);
const FRAMES = Number(process.env.PERF_FRAMES ?? 10_000);
const ANIMALS = 4;
const PARTS = 8;
const W = 640;
const H = 480;

function benchPoses(): PoseArray {
  const individuals = Array.from({ length: ANIMALS }, (_, i) => `animal${i + 1}`);
  const bodyparts = Array.from({ length: PARTS }, (_, k) => `part${k + 1}`);
  const poses = createPoseArray(FRAMES, individuals, bodyparts);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let f = 0; f < FRAMES; f++) {
    for (let i = 0; i < ANIMALS; i++) {
      if ((f + i * 997) % 1500 < 20) continue; // occasional gaps
      const cx = 320 + 200 * Math.sin(f / 300 + i * 1.7);
      const cy = 240 + 150 * Math.cos(f / 250 + i * 2.3);
      for (let k = 0; k < PARTS; k++) {
        const o = poseOffset(poses, f, i, k);
        poses.data[o] = cx + 20 * Math.cos((k / PARTS) * 2 * Math.PI) + rand();
        poses.data[o + 1] = cy + 20 * Math.sin((k / PARTS) * 2 * Math.PI) + rand();
        poses.data[o + 2] = 0.5 + 0.5 * rand();
      }
    }
  }
  return poses;
}

function init(poses: PoseArray = benchPoses()): RefineInitMessage {
  const bodyparts = poses.bodyparts;
  return {
    type: 'refine-init', file: '/p/v/clipDLC_x_el.h5', target: '/p/v/clipDLC_x_el_refined.h5', targetExists: false,
    video: { path: '/p/v/clip.mp4', width: W, height: H, fps: 30 }, scorer: 'DLC_x', poses: S.posesToWire(poses),
    config: { skeleton: bodyparts.slice(1).map((b, k) => [bodyparts[k], b] as [string, string]), individualColors: ['#e6194b', '#3cb44b', '#4363d8', '#f58231'], dotsize: 5, trailLength: 10, jumpThreshold: 40 },
  };
}

describe('refinement webview performance (Chromium)', { skip: missing }, () => {
  let web: OpenWebview | undefined;
  let tab: Page;
  let initBytes = 0;

  before(async () => {
    const initJson = JSON.stringify(init());
    initBytes = initJson.length;
    const page = stubPage({
      bundle: BUNDLE,
      host: 'bare',
      script: `const INIT = ${initJson};
// A few 640×480 pictures, made once, handed out by frame index (the host's decode is not measured here).
const PICTURES = [0, 1, 2, 3].map((seed) => { const b = new Uint8Array(${W * H * 3}); for (let i = 0; i < b.length; i++) b[i] = (i * (seed + 3) + (i >> 11)) & 255; let t = ''; for (let i = 0; i < b.length; i += 8192) t += String.fromCharCode.apply(null, b.subarray(i, i + 8192)); return btoa(t); });`,
      answer: `
    if (m.type === 'refine-ready') setTimeout(() => { window.__initPosted = performance.now(); window.postMessage(INIT, '*'); });
    if (m.type === 'refine-get-frame') setTimeout(() => window.postMessage({ type: 'refine-frame', index: m.index, width: ${W}, height: ${H}, rgb: PICTURES[m.index % 4] }, '*'));`,
    });
    web = await openWebview({ bundle: BUNDLE, headers: { 'cache-control': 'no-store' }, page: () => page }, { width: 1280, height: 800 });
    tab = web.tab;
  });

  after(() => web?.close());

  it('host side: reading the table and encoding the init message', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-refine-host-perf-'));
    try {
      const table = path.join(folder, 'clipDLC_x_el.h5');
      await writePoseTable(table, benchPoses(), 'DLC_x', { multiAnimal: true, csv: true });
      const times: number[] = [];
      for (let run = 0; run < 3; run++) {
        const t0 = performance.now();
        const reply = await new RefineSession(table, refineCore()).handle({ type: 'refine-ready' });
        times.push(performance.now() - t0);
        assert.equal(reply?.type, 'refine-init');
      }
      const sorted = [...times].sort((a, b) => a - b);
      console.log(`| refinement host open (${FRAMES} frames × ${ANIMALS} animals × ${PARTS} parts .h5, Node) | ${sorted[1].toFixed(0)} ms (median of 3: readPoseTable + init message) | |`);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('host side: a frame request on a 640×480 h264 video (ffmpeg decode; a run of 8 frames per spawn)', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-refine-video-perf-'));
    try {
      const count = 600;
      const video = makeTestVideo(path.join(folder, 'clip.mp4'), { width: W, height: H, frames: count, fps: 30 });
      const table = path.join(folder, 'clipDLC_x_el.h5');
      const poses = createPoseArray(count, ['a'], ['p']);
      await writePoseTable(table, poses, 'DLC_x', { multiAnimal: true });
      const session = new RefineSession(table, refineCore({ ffmpeg: testFfmpeg() }), { video });
      await session.handle({ type: 'refine-ready' });
      const time = async (index: number) => {
        const t0 = performance.now();
        const reply = await session.handle({ type: 'refine-get-frame', index });
        assert.equal(reply?.type, 'refine-frame');
        return performance.now() - t0;
      };
      const seeks: number[] = [];
      for (const index of [450, 90, 300, 510, 150]) seeks.push(await time(index));
      const steps: number[] = [];
      for (let index = 200; index < 232; index++) steps.push(await time(index));
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
      console.log(`| refinement host frame request (640×480 h264, Node + ffmpeg) | random seek median ${median(seeks).toFixed(0)} ms; → stepping mean ${mean.toFixed(1)} ms/frame | |`);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('time to open a 10,000-frame, 4-animal table', async () => {
    const opens: Array<{ fromInit: number; fromNavigation: number; picture: number }> = [];
    for (let run = 0; run < 3; run++) {
      await tab.goto(web!.base);
      await tab.locator('[data-testid=stage][data-shown="0"]').waitFor({ timeout: 30_000 });
      const t = (await tab.evaluate(`(async () => {
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const drawn = performance.getEntriesByName('refine-timeline-drawn')[0].startTime;
        return { fromInit: drawn - window.__initPosted, fromNavigation: drawn, picture: performance.now() };
      })()`)) as { fromInit: number; fromNavigation: number; picture: number };
      opens.push(t);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const fromInit = median(opens.map((o) => o.fromInit));
    const fromNavigation = median(opens.map((o) => o.fromNavigation));
    console.log(`| refinement panel open (${FRAMES} frames × ${ANIMALS} animals × ${PARTS} parts, init ${(initBytes / 1e6).toFixed(1)} MB) | init → timeline drawn ${fromInit.toFixed(0)} ms; navigation → timeline drawn ${fromNavigation.toFixed(0)} ms (median of 3) | |`);
  });

  it('frame rate while scrubbing the timeline (goal ≥ 30 fps)', async () => {
    const result = (await tab.evaluate(`(async () => {
      const canvas = document.querySelector('[data-testid=timeline-canvas]');
      const box = canvas.getBoundingClientRect();
      const stage = document.querySelector('[data-testid=stage]');
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      const y = box.top + box.height / 2;
      await frame();
      canvas.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, clientX: box.left + 2, clientY: y, button: 0, buttons: 1 }));
      const stamps = [];
      const seen = new Set();
      const shown = new Set();
      const t0 = performance.now();
      let i = 0;
      while (performance.now() - t0 < 3000) {
        // Sweep the whole timeline back and forth, ~7 px (≈ 60 frames) per step.
        const step = i++ % 300;
        const x = box.left + 2 + (step < 150 ? step : 300 - step) * (box.width - 4) / 150;
        window.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: x, clientY: y, button: 0, buttons: 1 }));
        stamps.push(await frame());
        seen.add(stage.getAttribute('data-frame'));
        shown.add(stage.getAttribute('data-shown'));
      }
      window.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, clientX: box.left, clientY: y, button: 0 }));
      const gaps = stamps.slice(1).map((s, k) => s - stamps[k]).sort((a, b) => a - b);
      return { fps: (stamps.length - 1) / ((stamps[stamps.length - 1] - stamps[0]) / 1000), p95: gaps[Math.floor(gaps.length * 0.95)], frames: seen.size, pictures: shown.size };
    })()`)) as { fps: number; p95: number; frames: number; pictures: number };
    assert.ok(result.frames > 50, `the scrub visited ${result.frames} frames`);
    console.log(`| refinement panel timeline scrubbing (${FRAMES} frames × ${ANIMALS} animals, 640×480 frames) | ${result.fps.toFixed(1)} fps, p95 frame ${result.p95.toFixed(1)} ms; ${result.frames} frames visited, ${result.pictures} pictures shown | goal ≥ 30 fps |`);
  });
});
