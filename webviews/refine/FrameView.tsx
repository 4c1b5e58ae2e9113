// The refinement panel's frame: the picture (a canvas from the host's RGB) and, on a Konva stage, every individual's
// points, skeleton and trails and the unique parts as diamonds in their own colour (markers in screen space: constant
// size at any zoom). Wheel zooms at the cursor, a drag on the picture pans (and drops the point selection); a point is
// dragged to move it (one edit when the drag ends) and clicked to select it. The view (zoom / pan) and the stage's
// size are this component's; the poses, the selection and the edits are the owner's (props and callbacks).
import type Konva from 'konva';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { Circle, Image as KonvaImage, Layer, Line, Rect, RegularPolygon, Stage } from 'react-konva';
import type { PoseArray } from '../../src-core/common/pose';
import { fit, imageToScreen, pan, screenToImage, wheelFactor, zoomAt, type View } from '../labeling/view';
import * as S from './state';

/** One frame's points: per individual, per body part, image [x, y] or undefined (not seen). */
export type FramePoints = Array<Array<[number, number] | undefined>>;

export interface FrameViewProps {
  /** The frame the points are of (the one asked for). */
  frame: number;
  /** The picture on screen (maybe an earlier frame's while the wanted one loads), if any yet. */
  shown?: { index: number; canvas: HTMLCanvasElement };
  /** The table has a video: say when the picture on screen is not the frame's. */
  hasVideo: boolean;
  /** The host could not decode this frame's picture. */
  pictureMissing: boolean;
  /** The picture's size in image pixels (the video's, else the poses' extent). */
  imageSize: { width: number; height: number };
  /** The individuals' poses (for the trails and the body-part names). */
  poses: PoseArray;
  config: S.RefineState['config'];
  /** This frame's points of the individuals (`S.framePoints`) and of the unique parts (memoised by the owner). */
  points: FramePoints;
  uniquePoints: Array<[number, number] | undefined>;
  selected?: S.PointRef;
  /** A point pressed (select it) or the picture pressed (undefined: drop the selection). */
  onSelect: (ref: S.PointRef | undefined) => void;
  /** A point dragged to image (x, y), clamped to the picture. */
  onMove: (ref: S.PointRef, x: number, y: number) => void;
}

export const FrameView = memo(function FrameView({ frame, shown, hasVideo, pictureMissing, imageSize, poses, config, points, uniquePoints, selected, onSelect, onMove }: FrameViewProps) {
  const [view, setView] = useState<View>({ scale: 1, x: 0, y: 0 });
  const [size, setSize] = useState({ width: 800, height: 500 });
  const stageBox = useRef<HTMLDivElement>(null);
  const fitted = useRef('');
  /** The user zoomed or panned since the picture was fitted: a resized stage keeps that view. */
  const userView = useRef(false);

  // The stage's size follows its box.
  useEffect(() => {
    const box = stageBox.current;
    if (!box) return undefined;
    const measure = () => setSize({ width: box.clientWidth, height: box.clientHeight });
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    measure();
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (!imageSize.width || !size.width) return;
    const k = `${imageSize.width}x${imageSize.height}:${size.width}x${size.height}`;
    if (fitted.current === k) return;
    const samePicture = fitted.current.startsWith(`${imageSize.width}x${imageSize.height}:`);
    fitted.current = k;
    if (samePicture && userView.current) return;
    userView.current = false;
    setView(fit(imageSize.width, imageSize.height, size.width, size.height));
  }, [imageSize.width, imageSize.height, size.width, size.height]);

  // Wheel zooms at the cursor, drag on the picture pans (and drops the point selection); points drag themselves.
  const press = useRef<{ x: number; y: number; view: View } | undefined>(undefined);
  const onStageDown = (event: Konva.KonvaEventObject<MouseEvent>) => {
    const stage = event.target.getStage();
    if (event.target !== stage) return; // on a point
    const p = stage?.getPointerPosition();
    if (p && event.evt.button === 0) {
      press.current = { x: p.x, y: p.y, view };
      onSelect(undefined);
    }
  };
  const onStageMove = (event: Konva.KonvaEventObject<MouseEvent>) => {
    const start = press.current;
    const p = event.target.getStage()?.getPointerPosition();
    if (!start || !p) return;
    if ((event.evt.buttons & 1) === 0) {
      press.current = undefined;
      return;
    }
    userView.current = true;
    setView(pan(start.view, p.x - start.x, p.y - start.y));
  };
  const onWheel = (event: Konva.KonvaEventObject<WheelEvent>) => {
    event.evt.preventDefault();
    const p = event.target.getStage()?.getPointerPosition();
    if (!p) return;
    userView.current = true;
    setView((v) => zoomAt(v, p.x, p.y, wheelFactor(event.evt.deltaY)));
  };

  const trailLines = useMemo(() => S.trails(poses, frame, config.trailLength), [poses, frame, config]);

  const bodyparts = poses.bodyparts;
  const colorOf = (i: number) => config.individualColors[i] ?? '#888888';
  const uniqueColor = config.uniqueColor ?? S.DEFAULT_UNIQUE_COLOR;
  const radius = Math.max(2, config.dotsize);
  const toScreen = (x: number, y: number) => imageToScreen(view, x, y);
  const skeletonIndex = config.skeleton.map(([a, b]) => [bodyparts.indexOf(a), bodyparts.indexOf(b)] as const).filter(([a, b]) => a >= 0 && b >= 0);
  const [ix0, iy0] = toScreen(0, 0);
  const isSelected = (ref: S.PointRef) => selected !== undefined && selected.individual === ref.individual && selected.bodypart === ref.bodypart && !!selected.unique === !!ref.unique;
  const clampToImage = (pos: { x: number; y: number }) => {
    const [x0, y0] = toScreen(0, 0);
    const [x1, y1] = toScreen(imageSize.width, imageSize.height);
    return { x: Math.min(x1, Math.max(x0, pos.x)), y: Math.min(y1, Math.max(y0, pos.y)) };
  };
  // One drag = one edit: the point's new place (screen → image) when the drag ends; a click only selects.
  const dragProps = (ref: S.PointRef) => ({
    draggable: true,
    dragBoundFunc: clampToImage,
    onMouseDown: (e: Konva.KonvaEventObject<MouseEvent>) => {
      if (e.evt.button === 0) onSelect(ref);
    },
    onDragEnd: (e: Konva.KonvaEventObject<DragEvent>) => {
      const [ix, iy] = screenToImage(view, e.target.x(), e.target.y());
      onMove(ref, ix, iy);
    },
  });

  return (
    <div className="stage" ref={stageBox} data-testid="stage" data-frame={frame} data-shown={shown?.index ?? ''} data-view={JSON.stringify(view)}>
      {hasVideo && shown?.index !== frame && (
        <div className="picture-note" data-testid="picture-note">{pictureMissing ? `no picture for frame ${frame}` : `loading frame ${frame}…`}{shown ? ` (showing ${shown.index})` : ''}</div>
      )}
      <Stage width={size.width} height={size.height} onMouseDown={onStageDown} onMouseMove={onStageMove} onMouseUp={() => (press.current = undefined)} onWheel={onWheel}>
        <Layer listening={false}>
          {shown ? (
            <KonvaImage image={shown.canvas} x={view.x} y={view.y} width={imageSize.width * view.scale} height={imageSize.height * view.scale} />
          ) : (
            <Rect x={ix0} y={iy0} width={imageSize.width * view.scale} height={imageSize.height * view.scale} fill="#202020" />
          )}
        </Layer>
        <Layer>
          {trailLines.flatMap((parts, i) =>
            parts.map((pts, k) =>
              pts.length >= 4 ? (
                <Line key={`t${i}/${k}`} points={pts.map((v, j) => (j % 2 === 0 ? v * view.scale + view.x : v * view.scale + view.y))} stroke={colorOf(i)} strokeWidth={1} opacity={0.5} perfectDrawEnabled={false} listening={false} />
              ) : null,
            ),
          )}
          {points.flatMap((parts, i) =>
            skeletonIndex.map(([a, b], e) => {
              const pa = parts[a];
              const pb = parts[b];
              return pa && pb ? <Line key={`s${i}/${e}`} points={[...toScreen(pa[0], pa[1]), ...toScreen(pb[0], pb[1])]} stroke={colorOf(i)} strokeWidth={1.5} perfectDrawEnabled={false} listening={false} /> : null;
            }),
          )}
          {points.flatMap((parts, i) =>
            parts.map((p, k) => {
              if (!p) return null;
              const [sx, sy] = toScreen(p[0], p[1]);
              const ref = { individual: i, bodypart: k };
              const on = isSelected(ref);
              return (
                <Circle key={`p${i}/${k}`} name="point" x={sx} y={sy} radius={radius} fill={colorOf(i)} stroke={on ? '#ffffff' : '#000000'} strokeWidth={on ? 2 : 0.75}
                  perfectDrawEnabled={false} shadowForStrokeEnabled={false} {...dragProps(ref)} />
              );
            }),
          )}
          {uniquePoints.map((p, k) => {
            if (!p) return null;
            const [sx, sy] = toScreen(p[0], p[1]);
            const ref = { individual: 0, bodypart: k, unique: true };
            const on = isSelected(ref);
            // A diamond in the unique parts' own colour: landmarks, not an animal's points.
            return (
              <RegularPolygon key={`u${k}`} name="unique-point" sides={4} x={sx} y={sy} radius={radius * 1.4} fill={uniqueColor} stroke={on ? '#ffffff' : '#000000'} strokeWidth={on ? 2 : 0.75}
                perfectDrawEnabled={false} shadowForStrokeEnabled={false} {...dragProps(ref)} />
            );
          })}
        </Layer>
      </Stage>
    </div>
  );
});
