// The frame grabber: a scrubber over every frame of one video (pictures decoded by the host), "Grab frame" saving
// the shown frame into labeled-data/<video>/, and a grid of that folder's frames where near-duplicate groups are
// highlighted and frames can be deleted (labeled ones only after a question). State logic lives in state.ts /
// keymap.ts; this file wires it to React and the host.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { HostApi } from '../shared/host';
import { KeyHelp } from '../shared/KeyHelp';
import type { GrabberHostToPanel, GrabberInitMessage, GrabberPanelState, GrabberPanelToHost } from '../shared/messages';
import { decodeBytes } from '../shared/messages';
import { useFrameRequests } from '../shared/frame-requests';
import { rgbToImageData } from '../shared/pictures';
import { GRABBER_KEYMAP, grabberActionFor } from './keymap';
import * as S from './state';

export type GrabberHostApi = HostApi<GrabberPanelToHost, GrabberPanelState>;

/** Group colours of the grid (cycled). */
const GROUP_COLORS = ['#e8b339', '#4fc1ff', '#f48771', '#89d185', '#c586c0', '#d7ba7d', '#9cdcfe', '#ce9178'];


const baseName = (file: string) => file.split(/[\\/]/).pop() ?? file;

export function App({ host }: { host: GrabberHostApi }) {
  const [state, setState] = useState<S.GrabberState>();
  const [init, setInit] = useState<Omit<GrabberInitMessage, 'frames'>>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [help, setHelp] = useState(false);
  const [busy, setBusy] = useState<'grab' | 'delete'>();
  /** The question before deleting labeled frames. */
  const [confirm, setConfirm] = useState<{ names: string[]; labeled: string[] }>();
  const [gotoText, setGotoText] = useState('0');
  /** The threshold the shown groups were found with (undefined while a search runs). */
  const [groupsFor, setGroupsFor] = useState<number>();
  const [shown, setShown] = useState<number>();
  const stateRef = useRef(state);
  stateRef.current = state;
  const canvas = useRef<HTMLCanvasElement>(null);

  const draw = useCallback((index: number, image: ImageData) => {
    const c = canvas.current;
    if (!c) return;
    if (c.width !== image.width) c.width = image.width;
    if (c.height !== image.height) c.height = image.height;
    c.getContext('2d')?.putImageData(image, 0, 0);
    setShown(index);
  }, []);

  // Pictures: one request in flight at a time; while scrubbing only the latest wanted frame is asked for next.
  const pictures = useFrameRequests<ImageData>({ request: (index) => host.postMessage({ type: 'grabber-get-frame', index }), show: draw });

  // Host messages.
  useEffect(() => {
    const onMessage = (event: MessageEvent<GrabberHostToPanel>) => {
      const message = event.data;
      switch (message.type) {
        case 'grabber-init': {
          const saved = host.getState();
          const same = saved !== undefined && saved.video === message.video;
          const { frames, ...rest } = message;
          pictures.clear();
          setShown(undefined);
          setInit(rest);
          setState(S.createState({ frameCount: message.frameCount, fps: message.fps, frames, threshold: message.threshold }, same ? saved : {}));
          setError(undefined);
          break;
        }
        case 'grabber-frame': {
          pictures.received(message.index, rgbToImageData(message.width, message.height, decodeBytes(message.rgb)), stateRef.current?.frame);
          break;
        }
        case 'grabber-grabbed':
          setBusy(undefined);
          setState((s) => (s ? S.setFrames(s, message.frames) : s));
          setNote(`grabbed frame ${message.index} as ${baseName(message.file)}`);
          setError(undefined);
          break;
        case 'grabber-duplicates':
          setState((s) => (s ? S.setGroups(s, message.groups, message.threshold) : s));
          setGroupsFor(message.threshold);
          break;
        case 'grabber-deleted': {
          setBusy(undefined);
          setConfirm(undefined);
          setState((s) => (s ? S.setFrames(s, message.frames) : s));
          const labels = message.labelFiles.length > 0 ? `; labels removed from ${message.labelFiles.map(baseName).join(', ')}` : '';
          setNote(`deleted ${message.deleted.length} frame${message.deleted.length === 1 ? '' : 's'}${labels}`);
          setError(undefined);
          break;
        }
        case 'grabber-error':
          if (message.frame !== undefined) {
            pictures.failed(message.frame, stateRef.current?.frame);
            break;
          }
          setBusy(undefined);
          if (message.labeled && message.labeled.length > 0) {
            // The host knows of labels the panel did not: ask now.
            const selected = stateRef.current?.selected ?? [];
            setConfirm({ names: selected.length > 0 ? selected : message.labeled, labeled: message.labeled });
            break;
          }
          setNote(undefined);
          setError(message.message);
          break;
      }
    };
    window.addEventListener('message', onMessage);
    host.postMessage({ type: 'grabber-ready' });
    return () => window.removeEventListener('message', onMessage);
  }, [host, pictures]);

  const frame = state?.frame ?? 0;
  const view = state?.view ?? 'scrub';
  useEffect(() => {
    if (state) pictures.want(frame);
  }, [frame, state !== undefined, pictures, view]);
  useEffect(() => setGotoText(String(frame)), [frame]);
  // A cached picture is drawn again when the canvas comes back (after the grid).
  useLayoutEffect(() => {
    if (view !== 'scrub' || !state) return;
    const cached = pictures.cached(frame);
    if (cached) draw(frame, cached);
  }, [view]);

  // The webview state.
  useEffect(() => {
    if (init && state) host.setState({ video: init.video, frame, view, threshold: state.threshold });
  }, [host, init?.video, frame, view, state?.threshold]);

  // Groups are found again when the grid shows, the frames change or the threshold settles.
  const threshold = state?.threshold;
  const frameList = state?.frames;
  useEffect(() => {
    if (!init?.folder || view !== 'grid' || threshold === undefined) return undefined;
    setGroupsFor(undefined);
    const timer = setTimeout(() => host.postMessage({ type: 'grabber-find-duplicates', threshold }), 150);
    return () => clearTimeout(timer);
  }, [host, init?.folder, view, threshold, frameList]);

  const update = useCallback((f: (s: S.GrabberState) => S.GrabberState) => setState((s) => (s ? f(s) : s)), []);

  const grab = useCallback(() => {
    const s = stateRef.current;
    if (!s || !init || init.grabDisabled || busy) return;
    const existing = S.extractedAt(s, s.frame);
    if (existing) {
      setNote(undefined);
      setError(`frame ${s.frame} is already extracted as ${existing.name}`);
      return;
    }
    setBusy('grab');
    setNote(`grabbing frame ${s.frame}…`);
    setError(undefined);
    host.postMessage({ type: 'grabber-grab', index: s.frame });
  }, [host, init, busy]);

  const requestDelete = useCallback(() => {
    const s = stateRef.current;
    if (!s || s.selected.length === 0 || busy) return;
    const labeled = S.selectedLabeled(s);
    if (labeled.length > 0) {
      setConfirm({ names: [...s.selected], labeled });
      return;
    }
    setBusy('delete');
    host.postMessage({ type: 'grabber-delete', names: [...s.selected], confirmLabeled: false });
  }, [host, busy]);

  const confirmDelete = useCallback(() => {
    if (!confirm) return;
    setBusy('delete');
    host.postMessage({ type: 'grabber-delete', names: confirm.names, confirmLabeled: true });
  }, [host, confirm]);

  // Hotkeys.
  const viewRef = useRef(view);
  viewRef.current = view;
  const confirmRef = useRef(confirm);
  confirmRef.current = confirm;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target;
      if ((target instanceof HTMLInputElement && target.type !== 'range') || target instanceof HTMLSelectElement) return;
      const action = grabberActionFor(event);
      if (!action) return;
      if (confirmRef.current) {
        // While the question is open only Esc (cancel) counts.
        if (action === 'clearSelection') {
          event.preventDefault();
          setConfirm(undefined);
        }
        return;
      }
      event.preventDefault();
      const inGrid = viewRef.current === 'grid';
      switch (action) {
        case 'prevFrame': return update((s) => S.stepFrame(s, -1));
        case 'nextFrame': return update((s) => S.stepFrame(s, 1));
        case 'prevFrame10': return update((s) => S.stepFrame(s, -10));
        case 'nextFrame10': return update((s) => S.stepFrame(s, 10));
        case 'first': return update((s) => S.gotoFrame(s, 0));
        case 'last': return update((s) => S.gotoFrame(s, s.frameCount - 1));
        case 'grab': return grab();
        case 'toggleView': return update((s) => ({ ...s, view: s.view === 'grid' ? 'scrub' : 'grid' }));
        case 'selectDuplicates': return inGrid ? update(S.selectDuplicates) : undefined;
        case 'selectAll': return inGrid ? update(S.selectAll) : undefined;
        case 'clearSelection': return update(S.clearSelection);
        case 'delete': return inGrid ? requestDelete() : undefined;
        case 'help': return setHelp((h) => !h);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [update, grab, requestDelete]);

  if (error && !state) return <div className="error" role="alert">{error}</div>;
  if (!state || !init) return <div className="loading">Loading…</div>;

  const last = Math.max(0, state.frameCount - 1);
  const extracted = S.extractedAt(state, frame);
  const marks = S.extractedIndices(state);
  const groupIndex = S.groupOf(state);
  const selected = new Set(state.selected);
  const labeledCount = state.frames.filter((f) => f.labeled).length;
  const goto = () => {
    const target = S.parseGoto(gotoText, state.frameCount);
    if (target === undefined) {
      setError(`go to: a frame number from 0 to ${last}`);
      setGotoText(String(frame));
      return false;
    }
    setError(undefined);
    update((s) => S.gotoFrame(s, target));
    return true;
  };

  return (
    <div className="app">
      <div className="toolbar">
        <span className="file" title={init.video}>{baseName(init.video)}</span>
        <span className="tabs" role="tablist">
          <button role="tab" data-testid="tab-scrub" aria-selected={view === 'scrub'} className={view === 'scrub' ? 'active' : ''} onClick={() => update((s) => ({ ...s, view: 'scrub' }))} title="T">Scrubber</button>
          <button role="tab" data-testid="tab-grid" aria-selected={view === 'grid'} className={view === 'grid' ? 'active' : ''} onClick={() => update((s) => ({ ...s, view: 'grid' }))} title="T">
            Frames ({state.frames.length})
          </button>
        </span>
        {note && <span className="note" data-testid="note">{note}</span>}
        {error && <span className="error" role="alert" data-testid="error">{error}</span>}
        <button onClick={() => setHelp((h) => !h)} title="?">?</button>
      </div>
      {init.grabDisabled && <div className="status warn" data-testid="grab-disabled">{init.grabDisabled}</div>}

      {view === 'scrub' ? (
        <>
          <div className="stage" data-testid="stage" data-frame={frame} data-shown={shown ?? ''}>
            {shown !== frame && (
              <div className="picture-note" data-testid="picture-note">
                {pictures.hasFailed(frame) ? `no picture for frame ${frame}` : `loading frame ${frame}…`}
                {shown !== undefined ? ` (showing ${shown})` : ''}
              </div>
            )}
            {extracted && <div className="extracted" data-testid="extracted">extracted as {extracted.name}{extracted.labeled ? ' · labeled' : ''}</div>}
            <canvas ref={canvas} data-testid="picture" width={init.width} height={init.height} />
          </div>
          <div className="scrubber">
            <div className="marks" data-testid="marks" title="extracted frames">
              {marks.map((m) => (
                <span key={m} className="mark" style={{ left: `${last > 0 ? (m / last) * 100 : 0}%` }} />
              ))}
            </div>
            <input data-testid="slider" type="range" min={0} max={last} step={1} value={frame} onChange={(e) => update((s) => S.gotoFrame(s, Number(e.target.value)))} />
          </div>
          <div className="controls">
            <button data-testid="first" onClick={() => update((s) => S.gotoFrame(s, 0))} title="Home">⏮</button>
            <button data-testid="back10" onClick={() => update((s) => S.stepFrame(s, -10))} title="Shift+←">−10</button>
            <button data-testid="back" onClick={() => update((s) => S.stepFrame(s, -1))} title="←">−1</button>
            <button data-testid="forward" onClick={() => update((s) => S.stepFrame(s, 1))} title="→">+1</button>
            <button data-testid="forward10" onClick={() => update((s) => S.stepFrame(s, 10))} title="Shift+→">+10</button>
            <button data-testid="last" onClick={() => update((s) => S.gotoFrame(s, s.frameCount - 1))} title="End">⏭</button>
            <span data-testid="position">frame {frame} / {last}</span>
            <span data-testid="time">{S.timeLabel(frame, state.fps)}</span>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                // Back to the page, so ←/→ and G act on the new frame.
                if (goto()) (document.activeElement as HTMLElement | null)?.blur();
              }}
            >
              <label>
                Go to <input data-testid="goto" type="text" inputMode="numeric" value={gotoText} onChange={(e) => setGotoText(e.target.value)} />
              </label>
            </form>
            <button
              data-testid="grab"
              className="primary"
              onClick={grab}
              disabled={Boolean(init.grabDisabled) || extracted !== undefined || busy !== undefined}
              title={init.grabDisabled ?? (extracted ? `already extracted as ${extracted.name}` : `G: save as labeled-data/…/img${frame}.png`)}
            >
              {extracted ? 'Extracted' : busy === 'grab' ? 'Grabbing…' : 'Grab frame'}
            </button>
            <span className="count">{state.frames.length} extracted, {labeledCount} labeled</span>
          </div>
        </>
      ) : (
        <>
          <div className="controls">
            <label title="near-duplicates: mean absolute grey difference of 32×32 thumbnails below this (0–1)">
              Near-duplicate threshold{' '}
              <input data-testid="threshold" type="number" min={0} max={1} step={0.005} value={state.threshold} onChange={(e) => e.target.value !== '' && update((s) => S.setThreshold(s, Number(e.target.value)))} />
            </label>
            <span data-testid="groups" data-for={groupsFor ?? ''}>
              {groupsFor === undefined ? 'finding near-duplicates…' : `${state.groups.length} group${state.groups.length === 1 ? '' : 's'} of near-duplicates`}
            </span>
            <button data-testid="select-duplicates" onClick={() => update(S.selectDuplicates)} disabled={state.groups.length === 0} title="D">Select near-duplicates</button>
            <button data-testid="select-all" onClick={() => update(S.selectAll)} title="Ctrl+A">Select all</button>
            <button data-testid="select-none" onClick={() => update(S.clearSelection)} title="Esc">Clear</button>
            <button data-testid="delete" className="danger" onClick={requestDelete} disabled={state.selected.length === 0 || busy !== undefined} title="Delete">
              Delete {state.selected.length} selected
            </button>
          </div>
          <div className="grid" data-testid="grid">
            {state.frames.length === 0 && <p className="empty">No frames in this video's labeled-data folder yet: grab some in the scrubber.</p>}
            {state.frames.map((f) => {
              const g = groupIndex.get(f.name);
              const color = g === undefined ? undefined : GROUP_COLORS[g % GROUP_COLORS.length];
              return (
                <figure
                  key={f.name}
                  className={`thumb${selected.has(f.name) ? ' selected' : ''}${g !== undefined ? ' grouped' : ''}`}
                  data-testid="thumb"
                  data-name={f.name}
                  data-group={g ?? ''}
                  data-selected={selected.has(f.name) ? '1' : '0'}
                  data-labeled={f.labeled ? '1' : '0'}
                  style={color ? { borderColor: color } : undefined}
                  onClick={(e) => update((s) => S.select(s, f.name, e.shiftKey ? 'range' : e.ctrlKey || e.metaKey ? 'toggle' : 'only'))}
                  onDoubleClick={() => f.index !== undefined && update((s) => ({ ...S.gotoFrame(s, f.index!), view: 'scrub' }))}
                  title={f.index !== undefined ? `frame ${f.index} (double-click: show in the scrubber)` : f.name}
                >
                  <img src={f.src} alt={f.name} loading="lazy" />
                  <figcaption>
                    {f.name}
                    {f.labeled && <span className="badge labeled" data-testid="labeled-badge">labeled</span>}
                    {g !== undefined && <span className="badge group" style={{ background: color }}>group {g + 1}</span>}
                  </figcaption>
                </figure>
              );
            })}
          </div>
        </>
      )}

      {confirm && (
        <div className="modal" data-testid="confirm" role="dialog" aria-modal="true">
          <div className="dialog">
            <p>
              Delete {confirm.names.length} frame{confirm.names.length === 1 ? '' : 's'}? {confirm.labeled.length} of them{' '}
              {confirm.labeled.length === 1 ? 'has' : 'have'} labels, which will be removed from the folder's CollectedData files:
            </p>
            <ul data-testid="confirm-labeled">{confirm.labeled.map((name) => <li key={name}>{name}</li>)}</ul>
            <p className="hint">The images go to the trash where the system has one.</p>
            <button data-testid="confirm-delete" className="danger" onClick={confirmDelete} disabled={busy !== undefined}>Delete with labels</button>{' '}
            <button data-testid="confirm-cancel" onClick={() => setConfirm(undefined)}>Cancel</button>
          </div>
        </div>
      )}
      {help && (
        <KeyHelp
          keys={GRABBER_KEYMAP}
          mouse={[
            { label: 'slider', description: 'drag: go through the video; marks above it: extracted frames' },
            { label: 'thumbnail click', description: 'select it; Ctrl+click: add / remove; Shift+click: a range' },
            { label: 'thumbnail double-click', description: 'show its frame in the scrubber' },
            { label: 'coloured border', description: 'a group of near-duplicates (same colour, same group)' },
          ]}
          onClose={() => setHelp(false)}
        />
      )}
    </div>
  );
}
