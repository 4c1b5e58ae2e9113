// Colours the panels draw with: config.yaml's colormap (matplotlib's, as DeepLabCut), as CSS.
import { colormapColors, type Rgb } from '../src-core/labels/colormap';

/** colormap.ts's 0‥1 channels as CSS. */
export function cssColor([r, g, b]: Rgb): string {
  return `rgb(${Math.round(r * 255)}, ${Math.round(g * 255)}, ${Math.round(b * 255)})`;
}

/** `n` colours of the colormap as CSS; an unknown colormap falls back to rainbow (a panel still opens). */
export function panelColors(colormap: string, n: number): string[] {
  if (n <= 0) return [];
  try {
    return colormapColors(colormap, n).map(cssColor);
  } catch {
    return colormapColors('rainbow', n).map(cssColor);
  }
}
