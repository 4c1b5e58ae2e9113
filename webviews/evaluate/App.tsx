// The evaluation panel: the results table (one row per shuffle × snapshot; a click selects the snapshot), the
// selected snapshot's per body part errors as bars (train and test, with or without the p-cutoff) and a gallery of
// its train and test images with labels ("+") and predictions ("·" at or above the p-cutoff, "x" below) drawn per
// individual; filters by split, minimum error and body part, sorted by error. A click on an image opens it in the
// labeling panel. Thumbnails are plain canvases (many small pictures; no interaction beyond the click).
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type {
  EvaluationConfig,
  EvaluationHostToPanel,
  EvaluationImageWire,
  EvaluationPanelState,
  EvaluationPanelToHost,
  EvaluationRowWire,
  EvaluationSnapshotMessage,
} from '../shared/messages';
import type { HostApi } from '../shared/host';
import * as S from './state';

export type EvaluationHostApi = HostApi<EvaluationPanelToHost, EvaluationPanelState>;

const THUMB_WIDTH = 240;

export function App({ host }: { host: EvaluationHostApi }) {
  const [config, setConfig] = useState<string>();
  const [rows, setRows] = useState<EvaluationRowWire[]>([]);
  const [settings, setSettings] = useState<EvaluationConfig>();
  const [selected, setSelected] = useState<string>();
  const [snapshot, setSnapshot] = useState<EvaluationSnapshotMessage>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const [sort, setSort] = useState<S.RowSort>({ key: 'shuffle', descending: false });
  const [filter, setFilter] = useState<S.GalleryFilter>(S.DEFAULT_FILTER);
  const [withCutoff, setWithCutoff] = useState(false);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  useEffect(() => {
    const onMessage = (event: MessageEvent<EvaluationHostToPanel>) => {
      const message = event.data;
      if (message.type === 'evaluation-init') {
        setConfig(message.config);
        setRows(message.rows);
        setSettings(message.settings);
        setError(undefined);
        const remembered = host.getState();
        const first = S.defaultSelection(message.rows, remembered?.config === message.config ? remembered.selected : undefined);
        if (first) select(first);
      } else if (message.type === 'evaluation-snapshot') {
        if (message.id !== selectedRef.current) return;
        setSnapshot(message);
        setLoading(false);
      } else if (message.type === 'evaluation-error') {
        setError(message.message);
        if (message.id !== undefined && message.id === selectedRef.current) setLoading(false);
      }
    };
    window.addEventListener('message', onMessage);
    host.postMessage({ type: 'evaluation-ready' });
    return () => window.removeEventListener('message', onMessage);
  }, [host]);

  function select(id: string) {
    selectedRef.current = id;
    setSelected(id);
    setLoading(true);
    setError(undefined);
    host.postMessage({ type: 'evaluation-select', id });
  }

  useEffect(() => {
    if (config) host.setState({ config, selected });
  }, [host, config, selected]);

  const sortedRows = useMemo(() => S.sortRows(rows, sort), [rows, sort]);
  const current = snapshot && snapshot.id === selected ? snapshot : undefined;
  const images = useMemo(() => (current ? S.filterImages(current.images, filter) : []), [current, filter]);
  const partNames = settings ? [...settings.bodyparts, ...settings.uniqueBodyparts] : [];
  const layout = useMemo<S.MarkerLayout | undefined>(
    () => (settings && current ? { individuals: settings.individuals.length, bodyparts: settings.bodyparts.length, uniqueBodyparts: settings.uniqueBodyparts.length, pcutoffs: current.pcutoffs } : undefined),
    [settings, current],
  );

  if (!settings) return <div className="app"><div className="status">{error ? <span className="error">{error}</span> : 'Loading evaluation results…'}</div></div>;

  return (
    <div className="app">
      <div className="status">
        {rows.length === 0 ? 'No evaluated snapshots yet: run Herd: Evaluate Network.' : `${rows.length} evaluated snapshot(s); click a row to show its body parts and images.`}
        {error && <span className="error" data-testid="error"> {error}</span>}
      </div>
      <div className="table-box">
        <table className="results" data-testid="results">
          <thead>
            <tr>
              {S.ROW_COLUMNS.map((c) => (
                <th key={c.key} onClick={() => setSort((s) => S.toggleSort(s, c.key))} className={sort.key === c.key ? 'sorted' : undefined}>
                  {c.title}
                  {sort.key === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
                </th>
              ))}
              <th>p-cutoff</th>
            </tr>
          </thead>
          <tbody>
            {sortedRows.map((row) => (
              <tr key={row.id} data-testid="row" data-id={row.id} className={row.id === selected ? 'selected' : undefined} onClick={() => select(row.id)}>
                {S.ROW_COLUMNS.map((c) => {
                  const v = row[c.key];
                  return <td key={c.key}>{typeof v === 'string' ? v : c.digits === undefined ? (v ?? '–') : S.formatNumber(v, c.digits)}</td>;
                })}
                <td>{row.pcutoff}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="details">
        <div className="bars-box">
          <h3>
            Error per body part{' '}
            <label>
              <input type="checkbox" checked={withCutoff} onChange={(e) => setWithCutoff(e.target.checked)} data-testid="bars-pcutoff" /> with p-cutoff
            </label>
          </h3>
          {loading && <div className="status">Loading…</div>}
          {current && current.bodyparts.length === 0 && <div className="status">No per body part errors (keypoint-results CSV) for this snapshot.</div>}
          {current && <Bars data={current} pcutoff={withCutoff} />}
          <div className="legend">
            {settings.individuals.map((name, i) => (
              <span key={name}><span className="swatch" style={{ background: settings.colors[i] }} /> {name} </span>
            ))}
            {settings.uniqueBodyparts.length > 0 && <span><span className="swatch" style={{ background: settings.colors[settings.individuals.length] }} /> unique parts</span>}
            <div>+ label · prediction ≥ p-cutoff × prediction below it</div>
          </div>
        </div>
        <div className="gallery-box">
          <div className="filters">
            <label>
              Split{' '}
              <select data-testid="filter-split" value={filter.split} onChange={(e) => setFilter((f) => ({ ...f, split: e.target.value as S.GalleryFilter['split'] }))}>
                <option value="all">train + test</option>
                <option value="train">train</option>
                <option value="test">test</option>
              </select>
            </label>
            <label>
              Min. error (px){' '}
              <input
                data-testid="filter-min-error"
                type="number"
                min={0}
                step={0.5}
                value={filter.minError}
                onChange={(e) => setFilter((f) => ({ ...f, minError: Math.max(0, Number(e.target.value) || 0) }))}
              />
            </label>
            <label>
              Body part{' '}
              <select data-testid="filter-bodypart" value={filter.bodypart} onChange={(e) => setFilter((f) => ({ ...f, bodypart: Number(e.target.value) }))}>
                <option value={-1}>all</option>
                {partNames.map((name, k) => (
                  <option key={name} value={k}>{name}</option>
                ))}
              </select>
            </label>
            <label>
              Sort{' '}
              <select data-testid="filter-sort" value={filter.sort} onChange={(e) => setFilter((f) => ({ ...f, sort: e.target.value as S.GalleryFilter['sort'] }))}>
                <option value="error-desc">largest error first</option>
                <option value="error-asc">smallest error first</option>
                <option value="name">name</option>
              </select>
            </label>
            {current && <span data-testid="gallery-count">{images.length} of {current.images.length} images</span>}
          </div>
          <div className="gallery" data-testid="gallery">
            {current && layout &&
              images.map((image) => (
                <Thumb
                  key={image.image}
                  image={image}
                  layout={layout}
                  only={filter.bodypart}
                  colors={settings.colors}
                  dotsize={settings.dotsize}
                  error={S.imageError(image, filter.bodypart)}
                  onOpen={() => host.postMessage({ type: 'evaluation-open-image', folder: image.folder, image: image.image })}
                />
              ))}
          </div>
        </div>
      </div>
    </div>
  );
}

function Bars({ data, pcutoff }: { data: EvaluationSnapshotMessage; pcutoff: boolean }) {
  const scale = S.barScale(data.bodyparts, pcutoff);
  const width = 160;
  return (
    <table className="bars" data-testid="bars" data-snapshot={data.id}>
      <tbody>
        {data.bodyparts.map((b) => (
          <tr key={b.bodypart}>
            <td className="part">{b.bodypart}{b.unique ? ' (unique)' : ''}</td>
            <td>
              {(['train', 'test'] as const).map((split) => {
                const value = pcutoff ? (split === 'train' ? b.trainPcutoff : b.testPcutoff) : b[split];
                return (
                  <div key={split} className={`bar-row ${split}`}>
                    <div className={`bar ${split}`} data-testid="bar" data-bodypart={b.bodypart} data-split={split} data-value={value ?? ''} style={{ width: value === null ? 0 : Math.max(1, Math.round((value / scale) * width)) }} />
                    <span className="bar-value">{split} {S.formatNumber(value)}</span>
                  </div>
                );
              })}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface ThumbProps {
  image: EvaluationImageWire;
  layout: S.MarkerLayout;
  /** Draw only this body part's markers (−1: all). */
  only: number;
  colors: string[];
  dotsize: number;
  error: number | null;
  onOpen(): void;
}

/** One gallery image: the picture scaled to THUMB_WIDTH with its markers drawn at constant size on top. */
const Thumb = memo(function Thumb({ image, layout, only, colors, dotsize, error, onOpen }: ThumbProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const markers = useMemo(() => S.imageMarkers(image, layout, only), [image, layout, only]);
  const [drawn, setDrawn] = useState('');
  useEffect(() => {
    let cancelled = false;
    const picture = new Image();
    picture.onload = () => {
      const c = canvas.current;
      if (cancelled || !c) return;
      const scale = THUMB_WIDTH / picture.naturalWidth;
      c.width = THUMB_WIDTH;
      c.height = Math.round(picture.naturalHeight * scale);
      const g = c.getContext('2d')!;
      g.drawImage(picture, 0, 0, c.width, c.height);
      drawMarkers(g, markers, scale, colors, dotsize);
      setDrawn(String(scale));
    };
    picture.src = image.src;
    return () => {
      cancelled = true;
    };
  }, [image.src, markers, colors, dotsize]);
  const title = `${image.image} (${image.split})\nerror ${S.formatNumber(error)} px — click to open in the labeling panel`;
  return (
    <figure className={`thumb ${image.split}`} data-testid="thumb" data-image={image.image} data-error={error ?? ''} data-scale={drawn} data-markers={JSON.stringify(markers)} onClick={onOpen} title={title}>
      <canvas ref={canvas} width={THUMB_WIDTH} height={Math.round(THUMB_WIDTH * 0.75)} />
      <figcaption>
        <span className="split">{image.split}</span> {image.image.split('/').slice(-2).join('/')} <b>{S.formatNumber(error)} px</b>
      </figcaption>
    </figure>
  );
});

/** "+" (plus), "·" (filled dot) and "x" (cross), `dotsize` pixels across, centred on the scaled positions. */
function drawMarkers(g: CanvasRenderingContext2D, markers: readonly S.Marker[], scale: number, colors: readonly string[], dotsize: number): void {
  const half = dotsize / 2;
  g.lineWidth = 1.5;
  for (const m of markers) {
    const x = m.x * scale;
    const y = m.y * scale;
    const color = colors[m.color] ?? '#fff';
    g.strokeStyle = color;
    g.fillStyle = color;
    g.beginPath();
    if (m.shape === '.') {
      g.arc(x, y, Math.max(1.5, half * 0.6), 0, 2 * Math.PI);
      g.fill();
      continue;
    }
    if (m.shape === '+') {
      g.moveTo(x - half, y);
      g.lineTo(x + half, y);
      g.moveTo(x, y - half);
      g.lineTo(x, y + half);
    } else {
      g.moveTo(x - half, y - half);
      g.lineTo(x + half, y + half);
      g.moveTo(x - half, y + half);
      g.lineTo(x + half, y - half);
    }
    g.stroke();
  }
}
