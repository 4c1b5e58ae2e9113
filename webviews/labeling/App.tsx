// The labeling panel: filmstrip, Konva stage (image + keypoints + skeleton), selection, hotkeys, save.
// State logic lives in state.ts / view.ts / keymap.ts; this file only wires it to React, Konva and the host.
import type Konva from 'konva';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Circle, Group, Image as KonvaImage, Layer, Line, Stage } from 'react-konva';
import { LruCache } from '../../src-core/common/lru';
import type { HostApi as GenericHostApi } from '../shared/host';
import type { HostToPanel, InitMessage, LabelingPanelState, PanelToHost } from '../shared/messages';
import { KeyHelp } from '../shared/KeyHelp';
import { actionFor, helpRows } from './keymap';
import * as S from './state';
import { fit, imageToScreen, pan, screenToImage, wheelFactor, zoomAt, type View } from './view';

export type HostApi = GenericHostApi<PanelToHost, LabelingPanelState>;

const PAN_THRESHOLD = 3;

/** Decoded pictures by src, most recently used last (a few frames around the current one). */
const KEEP_DECODED = 12;
const decoded = new LruCache<string, HTMLImageElement>(KEEP_DECODED);
const loading = new Map<string, Promise<HTMLImageElement>>();

/** Loads and decodes a picture once; later calls get the same promise (or the decoded picture at once). */
function loadImage(src: string): Promise<HTMLImageElement> {
  const done = decoded.peek(src);
  if (done) return Promise.resolve(done);
  let pending = loading.get(src);
  if (!pending) {
    pending = new Promise<HTMLImageElement>((resolve, reject) => {
      const image = new window.Image();
      image.onload = () => image.decode().then(() => resolve(image), () => resolve(image));
      image.onerror = () => reject(new Error(`cannot load ${src}`));
      image.src = src;
    }).then(
      (image) => {
        loading.delete(src);
        decoded.set(src, image);
        return image;
      },
      (error: unknown) => {
        loading.delete(src);
        throw error;
      },
    );
    loading.set(src, pending);
  }
  return pending;
}

/** The decoded picture of `src` (undefined until it has loaded; the previous frame's is not shown for another src). */
function useImage(src: string | undefined): HTMLImageElement | undefined {
  const [, rerender] = useState(0);
  const image = src ? decoded.get(src) : undefined; // a use: it stays among the kept pictures
  useEffect(() => {
    if (!src || decoded.has(src)) return undefined;
    let live = true;
    loadImage(src).then(
      () => live && rerender((n) => n + 1),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [src]);
  return image;
}

export function App({ host }: { host: HostApi }) {
  const [state, setState] = useState<S.LabelingState>();
  const [folder, setFolder] = useState('');
  const [error, setError] = useState<string>();
  const [savedNote, setSavedNote] = useState<string>();
  const [help, setHelp] = useState(false);
  const [view, setView] = useState<View>({ scale: 1, x: 0, y: 0 });
  const [size, setSize] = useState({ width: 800, height: 600 });
  const stageBox = useRef<HTMLDivElement>(null);
  const stateRef = useRef(state);
  stateRef.current = state;
  const fitted = useRef('');

  // Host messages.
  useEffect(() => {
    const onMessage = (event: MessageEvent<HostToPanel>) => {
      const message = event.data;
      if (message.type === 'init') {
        const init = message as InitMessage;
        const saved = host.getState();
        const same = saved && saved.folder === init.folder;
        // Unsaved labels kept in the webview state win over the file, when they have the same columns.
        const unsaved = same && saved.unsaved && JSON.stringify(saved.unsaved.columns) === JSON.stringify(init.labels.columns) ? saved.unsaved : undefined;
        let next = S.createState(init.frames, unsaved ?? init.labels, init.config);
        if (unsaved) next = { ...next, dirty: true };
        if (same) {
          const byImage = saved.image === undefined ? -1 : init.frames.findIndex((f) => f.image === saved.image);
          next = S.gotoFrame(next, byImage >= 0 ? byImage : (saved.frame ?? 0));
          next = S.selectPart(S.selectAnimal(next, saved.individual ?? 0), saved.bodypart ?? 0);
        }
        const asked = init.image === undefined ? -1 : init.frames.findIndex((f) => f.image === init.image);
        if (asked >= 0) next = S.gotoFrame(next, asked);
        setFolder(init.folder);
        setState(next);
        setError(undefined);
      } else if (message.type === 'reveal') {
        const image = message.image;
        setState((s) => {
          const index = s ? s.frames.findIndex((f) => f.image === image) : -1;
          return s && index >= 0 ? S.gotoFrame(s, index) : s;
        });
      } else if (message.type === 'saved') {
        setState((s) => (s ? { ...s, dirty: false } : s));
        setSavedNote(`saved ${message.files.length} file(s)`);
      } else if (message.type === 'error') {
        setError(message.message);
      }
    };
    window.addEventListener('message', onMessage);
    host.postMessage({ type: 'ready' });
    return () => window.removeEventListener('message', onMessage);
  }, [host]);

  // Keep the selection in the webview state (the panel survives hide / reload) and tell the host about changes.
  const dirty = state?.dirty ?? false;
  useEffect(() => {
    if (state && folder) {
      const image = state.frames[state.frame]?.image;
      host.setState({ folder, frame: state.frame, ...(image ? { image } : {}), individual: state.individual, bodypart: state.bodypart, unsaved: dirty ? S.labelsToWire(state.labels) : undefined });
    }
  }, [host, folder, state?.frames, state?.frame, state?.individual, state?.bodypart, state?.labels, dirty]);
  useEffect(() => {
    if (folder) host.postMessage({ type: 'dirty', dirty });
  }, [host, folder, dirty]);

  // Stage size follows its box.
  useEffect(() => {
    const box = stageBox.current;
    if (!box) return undefined;
    const observer = new ResizeObserver(() => setSize({ width: box.clientWidth, height: box.clientHeight }));
    observer.observe(box);
    setSize({ width: box.clientWidth, height: box.clientHeight });
    return () => observer.disconnect();
  }, [state !== undefined]);

  const frame = state?.frames[state.frame];
  const ready = useImage(frame?.src);
  // Decode the neighbours ahead of ←/→ (two ahead: a quick succession of → outruns one).
  useEffect(() => {
    if (!state || !ready) return;
    for (const f of [state.frame + 1, state.frame - 1, state.frame + 2]) {
      const src = state.frames[f]?.src;
      if (src) loadImage(src).catch(() => undefined);
    }
  }, [state?.frame, state?.frames, ready]);
  const imageWidth = ready?.naturalWidth ?? 0;
  const imageHeight = ready?.naturalHeight ?? 0;

  // Fit the first image (and whenever the image size or stage size changes before the user moved the view).
  useEffect(() => {
    if (!imageWidth || !size.width) return;
    const k = `${imageWidth}x${imageHeight}`;
    if (fitted.current === k) return;
    fitted.current = k;
    setView(fit(imageWidth, imageHeight, size.width, size.height));
  }, [imageWidth, imageHeight, size.width, size.height]);

  const update = useCallback((f: (s: S.LabelingState) => S.LabelingState) => setState((s) => (s ? f(s) : s)), []);
  const save = useCallback(() => {
    const s = stateRef.current;
    if (!s) return;
    setSavedNote('saving…');
    host.postMessage({ type: 'save', table: S.labelsToWire(s.labels) });
  }, [host]);

  // Autosave: a while after the last change.
  const autosaveMs = state?.config.autosaveMs ?? 0;
  useEffect(() => {
    if (!dirty || autosaveMs <= 0) return undefined;
    const timer = setTimeout(save, autosaveMs);
    return () => clearTimeout(timer);
  }, [dirty, autosaveMs, state?.labels, save]);

  // Hotkeys: one keymap drives them and the help overlay.
  const size2 = useRef({ imageWidth, imageHeight, stage: size });
  size2.current = { imageWidth, imageHeight, stage: size };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement) return;
      const hit = actionFor(event);
      if (!hit) return;
      event.preventDefault();
      switch (hit.action) {
        case 'prevFrame': return update((s) => S.gotoFrame(s, s.frame - 1));
        case 'nextFrame': return update((s) => S.gotoFrame(s, s.frame + 1));
        case 'nextUnlabeled': return update((s) => S.gotoFrame(s, S.nextUnlabeled(s)));
        case 'prevPart': return update((s) => S.selectPart(s, s.bodypart - 1));
        case 'nextPart': return update((s) => S.selectPart(s, s.bodypart + 1));
        case 'animal': return update((s) => S.selectAnimal(s, hit.animal ?? 0));
        case 'remove': return update((s) => S.removePoint(s));
        case 'undo': return update(S.undo);
        case 'redo': return update(S.redo);
        case 'copyAnimal': return update((s) => S.copyPrevious(s, false));
        case 'copyAll': return update((s) => S.copyPrevious(s, true));
        case 'save': return save();
        case 'help': return setHelp((h) => !h);
        case 'fit': {
          const { imageWidth: w, imageHeight: h, stage } = size2.current;
          return setView(fit(w, h, stage.width, stage.height));
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [update, save]);

  // Mouse on the stage: press on empty space then move = pan; press and release without moving = place.
  const press = useRef<{ x: number; y: number; view: View; panning: boolean } | undefined>(undefined);
  const onMouseDown = (event: Konva.KonvaEventObject<MouseEvent>) => {
    if (event.evt.button !== 0 || event.target.name() === 'point') return;
    const p = event.target.getStage()?.getPointerPosition();
    if (p) press.current = { x: p.x, y: p.y, view, panning: false };
  };
  const onMouseMove = (event: Konva.KonvaEventObject<MouseEvent>) => {
    const start = press.current;
    const p = event.target.getStage()?.getPointerPosition();
    if (!start || !p) return;
    if ((event.evt.buttons & 1) === 0) {
      press.current = undefined; // released outside the stage
      return;
    }
    const dx = p.x - start.x;
    const dy = p.y - start.y;
    if (!start.panning && Math.hypot(dx, dy) < PAN_THRESHOLD) return;
    start.panning = true;
    setView(pan(start.view, dx, dy));
  };
  const onMouseUp = (event: Konva.KonvaEventObject<MouseEvent>) => {
    const start = press.current;
    press.current = undefined;
    const p = event.target.getStage()?.getPointerPosition();
    if (!start || start.panning || !p || !imageWidth) return;
    const [ix, iy] = screenToImage(view, p.x, p.y);
    update((s) => S.placePoint(s, ix, iy, imageWidth, imageHeight));
  };
  const onWheel = (event: Konva.KonvaEventObject<WheelEvent>) => {
    event.evt.preventDefault();
    const p = event.target.getStage()?.getPointerPosition();
    if (p) setView((v) => zoomAt(v, p.x, p.y, wheelFactor(event.evt.deltaY)));
  };

  const points = useMemo(() => (state ? S.framePoints(state) : []), [state?.labels, state?.frame, state?.config]);
  const progress = useMemo(() => (state ? S.progress(state) : 0), [state?.labels, state?.frames]);
  const frameCounts = useMemo(() => (state ? state.frames.map((_, f) => S.frameCounts(state, f)) : []), [state?.labels, state?.frames]);

  // Markers and the current animal's skeleton at the zoom's scale, drawn in a group placed at the pan offset: a pan
  // moves the group and re-creates nothing (20 animals × 20 points). Handlers read the view at event time.
  const viewRef = useRef(view);
  viewRef.current = view;
  const scale = view.scale;
  const markers = useMemo(() => {
    if (!state) return null;
    const current = S.selectedAnimal(state);
    const radius = Math.max(2, state.config.dotsize);
    const skeleton = current === S.UNIQUE ? [] : state.config.skeleton.flatMap(([a, b]) => {
      const pa = S.getPoint(state.labels, state.frame, current, a);
      const pb = S.getPoint(state.labels, state.frame, current, b);
      return pa && pb ? [[pa[0] * scale, pa[1] * scale, pb[0] * scale, pb[1] * scale]] : [];
    });
    // Konva gives drag bounds in stage coordinates.
    const clampToImage = (pos: { x: number; y: number }) => {
      const [x0, y0] = imageToScreen(viewRef.current, 0, 0);
      const [x1, y1] = imageToScreen(viewRef.current, imageWidth, imageHeight);
      return { x: Math.min(x1, Math.max(x0, pos.x)), y: Math.min(y1, Math.max(y0, pos.y)) };
    };
    return (
      <>
        {skeleton.map((pts, i) => (
          <Line key={i} points={pts} stroke={state.config.skeletonColor} strokeWidth={1.5} listening={false} />
        ))}
        {points.map((p) => {
          const selected = p.animal === state.individual;
          return (
            <Circle
              key={`${p.individual ?? ''}/${p.bodypart}`}
              name="point"
              x={p.x * scale}
              y={p.y * scale}
              radius={radius}
              fill={p.color}
              opacity={selected ? 1 : 0.55}
              // A translucent shape with fill and stroke is otherwise drawn through a stage-sized buffer
              // canvas, each one (20 animals × 20 points: ~1 fps while panning instead of 60).
              perfectDrawEnabled={false}
              shadowForStrokeEnabled={false}
              stroke={selected && p.part === state.bodypart ? '#ffffff' : '#000000'}
              strokeWidth={selected ? 1.5 : 0.5}
              draggable
              dragBoundFunc={clampToImage}
              onMouseDown={() => update((s) => S.selectPart(S.selectAnimal(s, p.animal), p.part))}
              onDragEnd={(e) => {
                const [ix, iy] = [e.target.x() / scale, e.target.y() / scale];
                update((s) => S.movePoint(s, p.individual, p.bodypart, ix, iy, imageWidth, imageHeight));
              }}
            />
          );
        })}
      </>
    );
  }, [points, scale, state?.individual, state?.bodypart, state?.config, state?.labels, state?.frame, imageWidth, imageHeight, update]);

  // The filmstrip does not change while panning or zooming (hundreds of frames in a real folder).
  const filmstrip = useMemo(() => {
    if (!state) return null;
    return (
      <ul className="filmstrip" data-testid="filmstrip">
        {state.frames.map((f, index) => {
          const c = frameCounts[index];
          const status = c.labeled === 0 ? 'unlabeled' : c.labeled === c.total ? 'labeled' : 'partial';
          return (
            <li
              key={f.image}
              ref={index === state.frame ? (el) => el?.scrollIntoView({ block: 'nearest' }) : undefined}
              className={`${status}${index === state.frame ? ' current' : ''}`} onClick={() => update((s) => S.gotoFrame(s, index))} title={f.image}>
              <span className="mark">{status === 'labeled' ? '●' : status === 'partial' ? '◐' : '○'}</span> {f.image.split('/').pop()} <span className="count">{c.labeled}/{c.total}</span>
            </li>
          );
        })}
      </ul>
    );
  }, [state?.frames, state?.frame, frameCounts, update]);

  if (error && !state) return <div className="error" role="alert">{error}</div>;
  if (!state) return <div className="loading">Loading…</div>;

  const animalList = S.animals(state.config);
  const current = S.selectedAnimal(state);
  const parts = S.partsOf(state.config, current);
  const colorsOf = (individual: string | undefined) => (individual === S.UNIQUE ? state.config.uniqueColors : state.config.bodypartColors);
  return (
    <div className="app">
      <div className="toolbar">
        <span className="progress" data-testid="progress">{progress.toFixed(1)}% labeled</span>
        <span className={dirty ? 'dirty' : 'clean'} data-testid="dirty">{dirty ? '● unsaved changes' : 'saved'}</span>
        <button onClick={save} title="Ctrl+S">Save</button>
        <label>
          Frame{' '}
          <input
            data-testid="goto"
            type="number"
            min={1}
            max={state.frames.length}
            value={state.frame + 1}
            onChange={(e) => e.target.value !== '' && update((s) => S.gotoFrame(s, Number(e.target.value) - 1))}
          />{' '}
          / {state.frames.length}
        </label>
        <span className="selection" data-testid="selection">{current ?? 'animal'} · {S.selectedPart(state)}</span>
        {savedNote && <span className="note">{savedNote}</span>}
        {error && <span className="error" role="alert">{error}</span>}
        <button onClick={() => setHelp((h) => !h)} title="?">?</button>
      </div>
      <div className="main">
        {filmstrip}
        <div className="stage" ref={stageBox} data-testid="stage" data-view={JSON.stringify(view)} data-image={`${imageWidth}x${imageHeight}`} data-frame={state.frame} data-loaded={ready ? frame?.image : ''}>
          <Stage width={size.width} height={size.height} onMouseDown={onMouseDown} onMouseMove={onMouseMove} onMouseUp={onMouseUp} onWheel={onWheel}>
            <Layer>
              {ready && <KonvaImage image={ready} x={view.x} y={view.y} width={imageWidth * view.scale} height={imageHeight * view.scale} />}
            </Layer>
            {/* Panning only moves this group: the markers themselves are re-created when the points or the zoom change. */}
            <Layer>
              <Group x={view.x} y={view.y}>
                {markers}
              </Group>
            </Layer>
          </Stage>
        </div>
        <div className="side">
          <h3>Individual</h3>
          <ul className="animals">
            {animalList.map((a, index) => (
              <li key={a ?? 'animal'} className={index === state.individual ? 'current' : ''} onClick={() => update((s) => S.selectAnimal(s, index))}>
                <kbd>{index + 1}</kbd> {a ?? 'animal'}
              </li>
            ))}
          </ul>
          <h3>Body part</h3>
          <ul className="parts">
            {parts.map((part, index) => {
              const labeled = S.getPoint(state.labels, state.frame, current, part) !== undefined;
              return (
                <li key={part} className={index === state.bodypart ? 'current' : ''} onClick={() => update((s) => S.selectPart(s, index))}>
                  <span className="swatch" style={{ background: colorsOf(current)[index] }} /> {part} {labeled ? '✓' : ''}
                </li>
              );
            })}
          </ul>
        </div>
      </div>
      {help && (
        <KeyHelp
          keys={helpRows()}
          mouse={[
            { label: 'wheel', description: 'zoom at the cursor' },
            { label: 'drag', description: 'on a point: move it; on empty space: pan' },
            { label: 'click', description: 'place the selected body part' },
          ]}
          onClose={() => setHelp(false)}
        />
      )}
    </div>
  );
}
