// Pan / zoom math of the labeling stage: screen = image × scale + offset. Pure, testable without a browser.

export interface View {
  scale: number;
  x: number;
  y: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 64;

export function screenToImage(view: View, sx: number, sy: number): [number, number] {
  return [(sx - view.x) / view.scale, (sy - view.y) / view.scale];
}

export function imageToScreen(view: View, ix: number, iy: number): [number, number] {
  return [ix * view.scale + view.x, iy * view.scale + view.y];
}

/** Zooms by `factor` keeping the image point under the screen point (sx, sy) in place. */
export function zoomAt(view: View, sx: number, sy: number, factor: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const [ix, iy] = screenToImage(view, sx, sy);
  return { scale, x: sx - ix * scale, y: sy - iy * scale };
}

export function pan(view: View, dx: number, dy: number): View {
  return { ...view, x: view.x + dx, y: view.y + dy };
}

/** The whole image centred in the stage. */
export function fit(imageWidth: number, imageHeight: number, stageWidth: number, stageHeight: number): View {
  if (imageWidth <= 0 || imageHeight <= 0) return { scale: 1, x: 0, y: 0 };
  const scale = Math.min(stageWidth / imageWidth, stageHeight / imageHeight);
  return { scale, x: (stageWidth - imageWidth * scale) / 2, y: (stageHeight - imageHeight * scale) / 2 };
}

/** Wheel delta → zoom factor (one notch of 100 ≈ ×1.2). */
export function wheelFactor(deltaY: number): number {
  return Math.pow(1.2, -deltaY / 100);
}
