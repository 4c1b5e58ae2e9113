// The refinement panel's timeline: a names column and one lane per individual (and one for the unique parts) drawn on
// two canvases, so scrubbing 10,000 frames stays fast: the lanes (`drawLanes`) are redrawn only when the summary, the
// colours or the width change; the cursor and the range go on a second canvas above them. Press = go to a frame
// (Shift: start a range), drag = follow, release = done; what that does to the state is the owner's (callbacks).
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { TimelineSummary } from './state';

/** Height of one lane and of the ruler above them (CSS pixels = canvas pixels). */
export const LANE = 18;
export const RULER = 14;

/** '#rrggbb' (or any CSS colour) → [r, g, b] through a canvas, which normalises it. */
export function rgbOf(color: string): [number, number, number] {
  const ctx = document.createElement('canvas').getContext('2d')!;
  ctx.fillStyle = '#888888';
  ctx.fillStyle = color;
  const hex = /^#([0-9a-f]{6})$/i.exec(ctx.fillStyle);
  if (!hex) return [136, 136, 136];
  const n = parseInt(hex[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The lanes of the timeline into an ImageData: presence as bar height, mean likelihood as opacity, jumps in red. */
export function drawLanes(ctx: CanvasRenderingContext2D, summary: TimelineSummary, colors: ReadonlyArray<[number, number, number]>, width: number): void {
  const height = RULER + summary.individuals * LANE;
  const image = ctx.createImageData(width, height);
  const px = image.data;
  const F = summary.frames;
  const put = (x: number, y: number, r: number, g: number, b: number) => {
    const o = (y * width + x) * 4;
    px[o] = r;
    px[o + 1] = g;
    px[o + 2] = b;
    px[o + 3] = 255;
  };
  for (let x = 0; x < width; x++) {
    const f0 = Math.floor((x * F) / width);
    const f1 = Math.max(f0 + 1, Math.floor(((x + 1) * F) / width));
    for (let y = 0; y < RULER; y++) put(x, y, 40, 40, 40);
    for (let i = 0; i < summary.individuals; i++) {
      let presence = 0;
      let sumL = 0;
      let n = 0;
      let jumped = 0;
      const base = i * F;
      for (let f = f0; f < f1 && f < F; f++) {
        const p = summary.presence[base + f];
        if (p > presence) presence = p;
        const l = summary.likelihood[base + f];
        if (l === l) {
          sumL += l;
          n += 1;
        }
        jumped |= summary.jump[base + f];
      }
      const [r, g, b] = colors[i] ?? [136, 136, 136];
      const alpha = n > 0 ? 0.25 + 0.75 * Math.max(0, Math.min(1, sumL / n)) : 0;
      const top = RULER + i * LANE;
      const bar = Math.round(presence * (LANE - 4));
      for (let y = 0; y < LANE; y++) {
        const yy = top + y;
        if (y === LANE - 1) put(x, yy, 20, 20, 20);
        else if (jumped && y < 3) put(x, yy, 255, 60, 60);
        else if (y >= LANE - 1 - bar) put(x, yy, Math.round(30 + alpha * (r - 30)), Math.round(30 + alpha * (g - 30)), Math.round(30 + alpha * (b - 30)));
        else put(x, yy, 30, 30, 30);
      }
    }
  }
  ctx.putImageData(image, 0, 0);
}

export interface TimelineProps {
  /** Per individual (then the unique parts) and frame: what the lanes show. */
  summary: TimelineSummary;
  /** The individuals' names, one lane each, in order. */
  names: readonly string[];
  /** CSS colours of the lanes: the individuals', then the unique parts' when there are any. */
  colors: readonly string[];
  /** The unique parts' lane name (and its tooltip, the parts), absent when the table has none. */
  unique?: { name: string; parts: readonly string[] };
  /** The frame under the cursor. */
  frame: number;
  /** The selected range (frames, inclusive). */
  range?: { start: number; end: number };
  /** Frames in the table: the width of the timeline in frames. */
  frames: number;
  /** Left press on the timeline at `frame`; `shift`: start a range there. */
  onScrubStart: (frame: number, shift: boolean) => void;
  /** Drag with the button held: the frame under the mouse. */
  onScrub: (frame: number) => void;
  /** The button released (or found up): scrubbing is done. */
  onScrubEnd: () => void;
}

export const Timeline = memo(function Timeline({ summary, names, colors, unique, frame, range, frames: totalFrames, onScrubStart, onScrub, onScrubEnd }: TimelineProps) {
  const [timelineWidth, setTimelineWidth] = useState(800);
  const lanesBox = useRef<HTMLDivElement>(null);
  const baseCanvas = useRef<HTMLCanvasElement>(null);
  const overlayCanvas = useRef<HTMLCanvasElement>(null);

  // The width follows the box.
  useEffect(() => {
    const tl = lanesBox.current;
    if (!tl) return undefined;
    const measure = () => setTimelineWidth(Math.max(100, Math.floor(tl.clientWidth)));
    const observer = new ResizeObserver(measure);
    observer.observe(tl);
    measure();
    return () => observer.disconnect();
  }, []);

  // The lanes are redrawn only when the summary, the colours or the size change; the cursor and range on the overlay.
  const colorKey = colors.join('\n');
  const rgb = useMemo(() => colors.map(rgbOf), [colorKey]);
  const lanesHeight = RULER + summary.individuals * LANE;
  const [drawn, setDrawn] = useState(0);
  useLayoutEffect(() => {
    const canvas = baseCanvas.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    drawLanes(ctx, summary, rgb, timelineWidth);
    setDrawn((n) => n + 1);
    if (!performance.getEntriesByName('refine-timeline-drawn').length) performance.mark('refine-timeline-drawn');
  }, [summary, rgb, timelineWidth, lanesHeight]);
  useLayoutEffect(() => {
    const canvas = overlayCanvas.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const xOf = (f: number) => (f * timelineWidth) / totalFrames;
    if (range) {
      ctx.fillStyle = 'rgba(255, 255, 255, 0.25)';
      ctx.fillRect(xOf(range.start), 0, Math.max(1, xOf(range.end + 1) - xOf(range.start)), canvas.height);
    }
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(Math.floor(xOf(frame + 0.5)), 0, 1, canvas.height);
    ctx.fillStyle = '#dddddd';
    ctx.font = '10px sans-serif';
    ctx.fillText(String(frame), Math.min(timelineWidth - 40, xOf(frame) + 3), 10);
  }, [frame, range?.start, range?.end, timelineWidth, totalFrames, lanesHeight]);

  // Scrubbing: press = go there (Shift: start a range), drag = follow, release = done. The window listeners read the
  // latest props through a ref, so they are added once.
  const latest = useRef({ totalFrames, onScrub, onScrubEnd });
  latest.current = { totalFrames, onScrub, onScrubEnd };
  const scrubbing = useRef(false);
  const frameAt = (clientX: number) => {
    const rect = overlayCanvas.current!.getBoundingClientRect();
    return Math.floor(((clientX - rect.left) / rect.width) * latest.current.totalFrames);
  };
  const onMouseDown = (event: React.MouseEvent<HTMLCanvasElement>) => {
    if (event.button !== 0) return;
    event.preventDefault();
    scrubbing.current = true;
    onScrubStart(frameAt(event.clientX), event.shiftKey);
  };
  useEffect(() => {
    const move = (event: MouseEvent) => {
      if (!scrubbing.current || !overlayCanvas.current) return;
      if ((event.buttons & 1) === 0) {
        scrubbing.current = false;
        latest.current.onScrubEnd();
        return;
      }
      latest.current.onScrub(frameAt(event.clientX));
    };
    const up = () => {
      if (!scrubbing.current) return;
      scrubbing.current = false;
      latest.current.onScrubEnd();
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
    return () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
    };
  }, []);

  return (
    <div className="timeline" data-testid="timeline" data-drawn={drawn}>
      <div className="lanes-names">
        <div style={{ height: RULER }} />
        {names.map((n, i) => (
          <div key={n} className="lane-name" style={{ height: LANE, color: colors[i] }}>{n}</div>
        ))}
        {unique && <div key={unique.name} className="lane-name" style={{ height: LANE, color: colors[names.length] }} title={unique.parts.join(', ')}>{unique.name}</div>}
      </div>
      <div className="lanes" ref={lanesBox}>
        <canvas ref={baseCanvas} width={timelineWidth} height={lanesHeight} />
        <canvas ref={overlayCanvas} data-testid="timeline-canvas" className="overlay" width={timelineWidth} height={lanesHeight} onMouseDown={onMouseDown} />
      </div>
    </div>
  );
});
