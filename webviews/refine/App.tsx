// The tracklet-refinement panel: the state owner and the host wiring. The frame with every individual's points,
// skeleton and trails and the unique body parts is FrameView.tsx (Konva; a point is dragged to move it, clicked to
// select it for Delete), the timeline (one lane per individual and one for the unique parts, drawn on canvases so
// scrubbing 10,000 frames stays fast) is Timeline.tsx; this file holds range selection, track edits with undo/redo
// (each posted to the host as it happens), Save and Export, the toolbar, hotkeys and the frame requests. State logic
// lives in state.ts / keymap.ts.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RefineExportedMessage, RefineHistory, RefineHostToPanel, RefineInitMessage, RefinePanelState, RefinePanelToHost } from '../shared/messages';
import type { HostApi } from '../shared/host';
import { decodeBytes, parseRefineHistory } from '../shared/messages';
import { rgbToImageData } from '../shared/pictures';
import { useFrameRequests } from '../shared/frame-requests';
import { KeyHelp } from '../shared/KeyHelp';
import { REFINE_KEYMAP, refineActionFor } from './keymap';
import * as S from './state';
import { FrameView } from './FrameView';
import { Timeline } from './Timeline';

export type RefineHostApi = HostApi<RefinePanelToHost, RefinePanelState>;

/** RGB24 bytes → a canvas Konva can draw. */
function frameCanvas(width: number, height: number, rgb: Uint8Array): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(rgbToImageData(width, height, rgb), 0, 0);
  return canvas;
}

const EXPORTING = 'exporting edited frames…';

/** "N frames → labeled-data/<stem>: the files" for a `refine-exported` reply. */
function exportedNote(message: RefineExportedMessage): string {
  const n = message.frames.length;
  if (n === 0) return message.skipped.length > 0 ? `nothing exported: the edited frames ${message.skipped.join(', ')} lie beyond the video's end` : 'no frame differs from the table as opened: nothing exported';
  const parts = message.folder.split(/[\\/]/).filter(Boolean);
  const folder = parts.slice(-2).join('/');
  const files = message.files.map((f) => f.split(/[\\/]/).pop()).join(', ');
  const extra = [
    message.skipped.length > 0 ? `frames ${message.skipped.join(', ')} beyond the video's end left out` : '',
    message.addedToConfig ? 'video added to video_sets' : '',
  ].filter(Boolean);
  return `${n} frame${n === 1 ? '' : 's'} → ${folder}: ${files || 'nothing new to write'}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`;
}

/** "Delete points in range" of `who`: −1 everyone (the unique parts included), an individual, or (N) the unique parts. */
function deleteInRange(s: S.RefineState, who: number): S.RefineState {
  if (who < 0) return S.deleteRange(s);
  if (who >= s.poses.individuals.length) return S.deleteRange(s, [], true);
  return S.deleteRange(s, [who], false);
}

export function App({ host }: { host: RefineHostApi }) {
  const [state, setState] = useState<S.RefineState>();
  const [init, setInit] = useState<Omit<RefineInitMessage, 'poses'>>();
  const [error, setError] = useState<string>();
  const [savedNote, setSavedNote] = useState<string>();
  const [askOverwrite, setAskOverwrite] = useState(false);
  /** What "Export edited frames to labeled-data" came to (or that it is running). */
  const [exportNote, setExportNote] = useState<string>();
  const [help, setHelp] = useState(false);
  const [maxGap, setMaxGap] = useState(5);
  const [minSwap, setMinSwap] = useState(5);
  const [minTracklet, setMinTracklet] = useState(5);
  /** Whose points "Delete points in range" removes: −1 = everyone's. */
  const [deleteWho, setDeleteWho] = useState(-1);
  const [shown, setShown] = useState<{ index: number; canvas: HTMLCanvasElement }>();
  const stateRef = useRef(state);
  stateRef.current = state;
  /** The edits a save in flight stands for (`S.savePoint`). */
  const pendingSave = useRef<number[] | undefined>(undefined);
  /** The history last told to the host (undefined: tell it all). */
  const toldHistory = useRef<RefineHistory | undefined>(undefined);

  // Frames: one request in flight at a time; while scrubbing only the latest wanted frame is asked for next; a frame
  // no longer wanted is shown meanwhile when none is yet.
  const frames = useFrameRequests<HTMLCanvasElement>({
    request: (index) => host.postMessage({ type: 'refine-get-frame', index }),
    show: (index, canvas) => setShown({ index, canvas }),
    stale: (index, canvas) => setShown((s) => s ?? { index, canvas }),
  });

  // Host messages.
  useEffect(() => {
    const onMessage = (event: MessageEvent<RefineHostToPanel>) => {
      const message = event.data;
      switch (message.type) {
        case 'refine-init': {
          const saved = host.getState();
          const poses = S.posesFromWire(message.poses);
          const unique = message.unique ? S.posesFromWire(message.unique) : undefined;
          const { poses: _ignored, unique: _unique, restore, ...rest } = message;
          frames.clear();
          pendingSave.current = undefined;
          toldHistory.current = undefined;
          setShown(undefined);
          setInit(rest);
          const same = saved !== undefined && saved.file === message.file;
          // The panel's own edits (a reload) first, else those the host kept for a reopened panel.
          const history = (same ? parseRefineHistory(saved.history) : undefined) ?? restore;
          setState(S.restoreHistory(S.createState(poses, message.config, same ? (saved.frame ?? 0) : 0, unique), history));
          setError(undefined);
          performance.mark('refine-init-received');
          break;
        }
        case 'refine-frame': {
          frames.received(message.index, frameCanvas(message.width, message.height, decodeBytes(message.rgb)), stateRef.current?.frame);
          break;
        }
        case 'refine-saved': {
          const ids = pendingSave.current;
          pendingSave.current = undefined;
          if (ids) setState((s) => (s ? S.markSaved(s, ids) : s));
          setAskOverwrite(false);
          setInit((i) => (i ? { ...i, targetExists: true } : i));
          setSavedNote(`saved ${message.files.map((f) => f.split(/[\\/]/).pop()).join(', ')}`);
          setError(undefined);
          break;
        }
        case 'refine-exported':
          setExportNote(exportedNote(message));
          setError(undefined);
          break;
        case 'refine-error':
          frames.release();
          setExportNote((n) => (n === EXPORTING ? undefined : n));
          if (message.frame !== undefined) {
            frames.failed(message.frame, stateRef.current?.frame);
            break;
          }
          if (message.exists) {
            pendingSave.current = undefined;
            setAskOverwrite(true);
            setSavedNote(undefined);
          }
          setError(message.message);
          break;
      }
    };
    window.addEventListener('message', onMessage);
    host.postMessage({ type: 'refine-ready' });
    return () => window.removeEventListener('message', onMessage);
  }, [host, frames]);

  const frame = state?.frame ?? 0;
  const hasVideo = init?.video !== undefined;
  useEffect(() => {
    if (state && hasVideo) frames.want(frame);
  }, [frame, hasVideo, state !== undefined, frames]);

  const dirty = state ? S.isDirty(state) : false;
  // The webview state: the frame and the edit history (small: the edits, not the arrays).
  const history = state?.history;
  useEffect(() => {
    if (init) host.setState({ file: init.file, frame, ...(history ? { history } : {}) });
  }, [host, init?.file, frame, history]);
  // The host hears of every edit, undo and redo as it happens, so a panel closed unsaved loses nothing.
  useEffect(() => {
    if (!init || !history) return;
    for (const message of S.historyMessages(toldHistory.current, history)) host.postMessage(message);
    toldHistory.current = history;
  }, [host, init?.file, history]);
  useEffect(() => {
    if (init) host.postMessage({ type: 'refine-dirty', dirty });
  }, [host, init?.file, dirty]);

  // The picture's size: the video's, else the poses' extent.
  const imageSize = useMemo(() => {
    if (init?.video) return { width: init.video.width, height: init.video.height };
    if (!state) return { width: 0, height: 0 };
    let w = 1;
    let h = 1;
    const d = state.poses.data;
    for (let o = 0; o < d.length; o += 3) {
      if (d[o] > w) w = d[o];
      if (d[o + 1] > h) h = d[o + 1];
    }
    return { width: Math.ceil(w * 1.05), height: Math.ceil(h * 1.05) };
  }, [init?.video, state?.opened]);

  // Timeline (Timeline.tsx): the summary is recomputed only when the poses change, the lane colours only with the config.
  const summary = useMemo(() => (state ? S.summarize(state.poses, state.config.jumpThreshold, state.unique) : undefined), [state?.poses, state?.unique, state?.config]);
  const uniqueColor = state?.config.uniqueColor ?? S.DEFAULT_UNIQUE_COLOR;
  const laneColors = useMemo(
    () => (state ? [...state.poses.individuals.map((_, i) => state.config.individualColors[i] ?? '#888888'), ...(state.unique ? [uniqueColor] : [])] : []),
    [state?.config, state?.unique !== undefined],
  );
  const uniqueLane = useMemo(() => (state?.unique ? { name: S.UNIQUE, parts: state.unique.bodyparts } : undefined), [state?.unique?.bodyparts]);

  const update = useCallback((f: (s: S.RefineState) => S.RefineState) => setState((s) => (s ? f(s) : s)), []);

  // Scrubbing: press on the timeline = go there (Shift: start a range), drag = follow, release = done.
  const onScrubStart = useCallback((f: number, shift: boolean) => update((s) => (shift ? S.beginRange(s, f) : S.gotoFrame(S.endRange(s), f))), [update]);
  const onScrub = useCallback((f: number) => update((s) => S.gotoFrame(s, f)), [update]);
  const onScrubEnd = useCallback(() => update(S.endRange), [update]);

  const save = useCallback(
    (overwrite: boolean) => {
      const s = stateRef.current;
      if (!s) return;
      pendingSave.current = S.savePoint(s);
      setSavedNote('saving…');
      setError(undefined);
      host.postMessage({ type: 'refine-save', poses: S.posesToWire(s.poses), ...(s.unique ? { unique: S.posesToWire(s.unique) } : {}), overwrite });
    },
    [host],
  );

  // Hotkeys.
  const summaryRef = useRef(summary);
  summaryRef.current = summary;
  const deleteWhoRef = useRef(deleteWho);
  deleteWhoRef.current = deleteWho;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
      const action = refineActionFor(event);
      if (!action) return;
      event.preventDefault();
      switch (action) {
        case 'prevFrame': return update((s) => S.gotoFrame(s, s.frame - 1));
        case 'nextFrame': return update((s) => S.gotoFrame(s, s.frame + 1));
        case 'prevFrame10': return update((s) => S.gotoFrame(s, s.frame - 10));
        case 'nextFrame10': return update((s) => S.gotoFrame(s, s.frame + 10));
        case 'first': return update((s) => S.gotoFrame(s, 0));
        case 'last': return update((s) => S.gotoFrame(s, s.poses.frames - 1));
        case 'prevFlagged': return update((s) => (summaryRef.current ? S.gotoFrame(s, S.nextFlagged(summaryRef.current, s.frame, -1)) : s));
        case 'nextFlagged': return update((s) => (summaryRef.current ? S.gotoFrame(s, S.nextFlagged(summaryRef.current, s.frame, 1)) : s));
        case 'markStart': return update(S.markStart);
        case 'markEnd': return update(S.markEnd);
        case 'clearRange': return update((s) => S.selectPoint(S.setRange(s, undefined), undefined));
        case 'swap': return update((s) => S.swap(s));
        case 'delete': return update((s) => (s.selected ? S.deletePoint(s) : deleteInRange(s, deleteWhoRef.current)));
        case 'undo': return update(S.undo);
        case 'redo': return update(S.redo);
        case 'save': return save(false);
        case 'help': return setHelp((h) => !h);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [update, save]);

  // Frame (FrameView.tsx): a point pressed selects it, the picture pressed drops the selection, a drag moves a point.
  const onSelect = useCallback((ref: S.PointRef | undefined) => update((s) => S.selectPoint(s, ref)), [update]);
  const onMove = useCallback(
    (ref: S.PointRef, x: number, y: number) => update((s) => S.movePoint(s, ref, x, y, imageSize.width, imageSize.height)),
    [update, imageSize.width, imageSize.height],
  );

  const points = useMemo(() => (state ? S.framePoints(state.poses, frame) : []), [state?.poses, frame]);
  const uniquePoints = useMemo(() => (state?.unique ? S.framePoints(state.unique, frame)[0] ?? [] : []), [state?.unique, frame]);

  if (error && !state) return <div className="error" role="alert">{error}</div>;
  if (!state || !init) return <div className="loading">Loading…</div>;

  const names = state.poses.individuals;
  const bodyparts = state.poses.bodyparts;
  const colorOf = (i: number) => state.config.individualColors[i] ?? '#888888';
  const flaggedCount = summary?.flagged.length ?? 0;
  const uniqueParts = state.unique?.bodyparts ?? [];
  const selected = state.selected;

  return (
    <div className="app">
      <div className="toolbar">
        <span className="file" title={init.file}>{init.file.split(/[\\/]/).pop()}</span>
        <label>
          Frame{' '}
          <input data-testid="goto" type="number" min={0} max={state.poses.frames - 1} value={frame} onChange={(e) => e.target.value !== '' && update((s) => S.gotoFrame(s, Number(e.target.value)))} /> / {state.poses.frames - 1}
        </label>
        <span data-testid="range">{state.range ? `range ${state.range.start}–${state.range.end}` : 'no range (Shift+drag, [ ])'}</span>
        <span className={dirty ? 'dirty' : 'clean'} data-testid="dirty">{dirty ? '● unsaved changes' : 'saved'}</span>
        <button data-testid="undo" onClick={() => update(S.undo)} disabled={state.past.length === 0} title="Ctrl+Z">Undo</button>
        <button data-testid="redo" onClick={() => update(S.redo)} disabled={state.future.length === 0} title="Ctrl+Shift+Z">Redo</button>
        <button data-testid="save" onClick={() => save(false)} title={`Ctrl+S: ${init.target}`}>Save</button>
        {askOverwrite && <button data-testid="overwrite" onClick={() => save(true)}>Overwrite {init.target.split(/[\\/]/).pop()}</button>}
        <button
          data-testid="export"
          disabled={state.history.applied.length === 0 || exportNote === EXPORTING}
          onClick={() => {
            setExportNote(EXPORTING);
            setError(undefined);
            host.postMessage({ type: 'refine-export' });
          }}
          title="Save the frames your edits changed as images in labeled-data/<video>/, with the refined poses in machinelabels and CollectedData (DeepLabCut's export to training data)"
        >
          Export edited frames to labeled-data
        </button>
        <button onClick={() => setHelp((h) => !h)} title="?">?</button>
      </div>
      <div className="actions">
        <span>Swap</span>
        <select data-testid="swap-a" value={state.a} onChange={(e) => update((s) => S.selectPair(s, Number(e.target.value), s.b))}>
          {names.map((n, i) => <option key={n} value={i}>{n}</option>)}
        </select>
        <span>↔</span>
        <select data-testid="swap-b" value={state.b} onChange={(e) => update((s) => S.selectPair(s, s.a, Number(e.target.value)))}>
          {names.map((n, i) => <option key={n} value={i}>{n}</option>)}
        </select>
        <button data-testid="swap" onClick={() => update((s) => S.swap(s))} title="S">in range</button>
        <button data-testid="swap-end" onClick={() => update((s) => S.swap(s, true))}>from here to the end</button>
        <button data-testid="delete" onClick={() => update((s) => deleteInRange(s, deleteWho))} title="Delete (no point selected)">Delete points in range</button>
        <span>of</span>
        <select data-testid="delete-who" value={deleteWho} onChange={(e) => setDeleteWho(Number(e.target.value))}>
          <option value={-1}>everyone</option>
          {names.map((n, i) => <option key={n} value={i}>{n}</option>)}
          {state.unique && <option value={names.length}>{S.UNIQUE} (unique parts)</option>}
        </select>
        <span className="sep" />
        <button data-testid="fill" onClick={() => update((s) => S.fill(s, maxGap))}>Fill gaps ≤</button>
        <input data-testid="max-gap" type="number" min={1} value={maxGap} onChange={(e) => setMaxGap(Number(e.target.value))} />
        <button data-testid="short-swaps" onClick={() => update((s) => S.dropShortSwaps(s, minSwap))}>Undo swaps &lt;</button>
        <input data-testid="min-swap" type="number" min={1} value={minSwap} onChange={(e) => setMinSwap(Number(e.target.value))} />
        <button data-testid="short-tracklets" onClick={() => update((s) => S.dropShortTracklets(s, minTracklet))}>Remove tracklets &lt;</button>
        <input data-testid="min-tracklet" type="number" min={1} value={minTracklet} onChange={(e) => setMinTracklet(Number(e.target.value))} />
        <span className="sep" />
        <button data-testid="prev-flag" onClick={() => update((s) => (summary ? S.gotoFrame(s, S.nextFlagged(summary, s.frame, -1)) : s))} title="P">◀</button>
        <span data-testid="flagged" title="frames where an individual's centroid moved more than the threshold">{flaggedCount} jump{flaggedCount === 1 ? '' : 's'}</span>
        <button data-testid="next-flag" onClick={() => update((s) => (summary ? S.gotoFrame(s, S.nextFlagged(summary, s.frame, 1)) : s))} title="N">▶</button>
        <span>&gt;</span>
        <input data-testid="jump-threshold" type="number" min={1} value={state.config.jumpThreshold} onChange={(e) => update((s) => S.setJumpThreshold(s, Number(e.target.value)))} title="jump threshold (pixels)" />
        <span>px</span>
      </div>
      {/* Always there, so a note appearing does not resize the stage (which refits the view). */}
      <div className="status" data-testid="note">{state.note ?? '\u00a0'}</div>
      {/* The results of Save and Export and errors: one line, always there, so the stage never moves under the mouse. */}
      <div className="status results">
        {'\u00a0'}
        {savedNote && <span className="note" data-testid="saved-note">{savedNote}</span>}
        {exportNote && <span className="note" data-testid="export-note">{exportNote}</span>}
        {error && <span className="error" role="alert" data-testid="error">{error}</span>}
      </div>
      <div className="main">
        <FrameView
          frame={frame}
          shown={shown}
          hasVideo={hasVideo}
          pictureMissing={frames.hasFailed(frame)}
          imageSize={imageSize}
          poses={state.poses}
          config={state.config}
          points={points}
          uniquePoints={uniquePoints}
          selected={selected}
          onSelect={onSelect}
          onMove={onMove}
        />
        <div className="side">
          <h3>Individuals</h3>
          <ul className="individuals">
            {names.map((n, i) => {
              const seen = points[i]?.filter(Boolean).length ?? 0;
              return (
                <li key={n}>
                  <span className="swatch" style={{ background: colorOf(i) }} /> {n} <span className="count">{seen}/{bodyparts.length}</span>
                </li>
              );
            })}
            {state.unique && (
              <li key={S.UNIQUE} data-testid="unique-row">
                <span className="swatch diamond" style={{ background: uniqueColor }} /> {S.UNIQUE} <span className="count">{uniquePoints.filter(Boolean).length}/{uniqueParts.length}</span>
              </li>
            )}
          </ul>
          {selected && <p className="note" data-testid="selected">{S.describePoint(state, selected)}: drag to move, Delete to remove</p>}
          {!hasVideo && <p className="note">No video found beside the table: poses only.</p>}
        </div>
      </div>
      {summary && (
        <Timeline
          summary={summary}
          names={names}
          colors={laneColors}
          unique={uniqueLane}
          frame={frame}
          range={state.range}
          frames={state.poses.frames}
          onScrubStart={onScrubStart}
          onScrub={onScrub}
          onScrubEnd={onScrubEnd}
        />
      )}
      {help && (
        <KeyHelp
          keys={REFINE_KEYMAP}
          mouse={[
            { label: 'timeline', description: 'click or drag: go to a frame; Shift+drag: select a range' },
            { label: 'lanes', description: 'bar height: share of body parts seen; brightness: mean likelihood; red: a jump' },
            { label: 'drag a point', description: 'move it (one undo step; its likelihood becomes 1, as in DeepLabCut)' },
            { label: 'click a point', description: 'select it: Delete removes it (NaN)' },
            { label: 'diamonds', description: `the unique body parts (${S.UNIQUE}), their own lane at the bottom of the timeline` },
            { label: 'wheel / drag', description: 'zoom / pan the frame' },
          ]}
          onClose={() => setHelp(false)}
        />
      )}
    </div>
  );
}
