// A small labeling fixture shared by the webview tests: 2 individuals × 3 body parts + 1 unique part, 4 frames.
import type { LabelingConfig, WireColumn, WireFrame, WireTable } from '../../webviews/shared/messages';

export const INDIVIDUALS = ['mouse1', 'mouse2'];
export const BODYPARTS = ['snout', 'leftear', 'tailbase'];
export const UNIQUE_PARTS = ['corner'];

export function columns(): WireColumn[] {
  const out: WireColumn[] = [];
  for (const individual of INDIVIDUALS) for (const bodypart of BODYPARTS) for (const coord of ['x', 'y'] as const) out.push({ individual, bodypart, coord });
  for (const bodypart of UNIQUE_PARTS) for (const coord of ['x', 'y'] as const) out.push({ individual: 'single', bodypart, coord });
  return out;
}

export function frames(count = 4, src = (i: number) => `img${i}.png`): WireFrame[] {
  return Array.from({ length: count }, (_, i) => ({ image: `labeled-data/vid/img${String(i).padStart(3, '0')}.png`, src: src(i) }));
}

/** Frame 0 has mouse1's snout at (10, 20) and leftear at (12.5, 22.25); the rest is empty. */
export function table(): WireTable {
  const cols = columns();
  const values: Array<number | null> = new Array(cols.length).fill(null);
  values[0] = 10;
  values[1] = 20;
  values[2] = 12.5;
  values[3] = 22.25;
  return {
    scorer: 'alice',
    multiAnimal: true,
    individuals: [...INDIVIDUALS],
    bodyparts: [...BODYPARTS],
    uniqueBodyparts: [...UNIQUE_PARTS],
    columns: cols,
    images: ['labeled-data/vid/img000.png'],
    indexStyle: 'split',
    values,
  };
}

export function config(): LabelingConfig {
  return {
    scorer: 'alice',
    multiAnimal: true,
    individuals: [...INDIVIDUALS],
    bodyparts: [...BODYPARTS],
    uniqueBodyparts: [...UNIQUE_PARTS],
    skeleton: [['snout', 'leftear']],
    skeletonColor: 'black',
    bodypartColors: ['#ff0000', '#00ff00', '#0000ff'],
    uniqueColors: ['#ffff00'],
    dotsize: 6,
  };
}
