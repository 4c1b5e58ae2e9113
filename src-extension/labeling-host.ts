// The labeling panel's host side without VS Code: answers the panel's messages through a facade over src-core.
// labeling-panel.ts wires it to a WebviewPanel; tests drive it directly (test/webviews/labeling-host.test.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { namedColor } from '../src-core/labels/colormap';
import { findLabelFile, readLabels, saveLabels } from '../src-core/labels/files';
import { createLabelTable, labelColumns, type LabelTable } from '../src-core/labels/table';
import { loadProject } from '../src-core/project/load';
import { parsePanelMessage, type HostToPanel, type LabelingConfig, type WireTable } from '../webviews/shared/messages';
import { cssColor, panelColors } from './panel-colors';

export interface LoadedFolder {
  /** Frames in name order: row key and absolute file. */
  frames: Array<{ image: string; file: string }>;
  labels: WireTable;
  config: LabelingConfig;
}

/** What the panel needs from src-core. */
export interface LabelingCore {
  load(folder: string): Promise<LoadedFolder>;
  save(folder: string, table: WireTable): Promise<string[]>;
}

/** The panel saves this long after the last change. */
export const AUTOSAVE_MS = 30_000;

const IMAGE = /\.(png|jpe?g)$/i;

export function toWire(table: LabelTable): WireTable {
  return {
    scorer: table.scorer,
    multiAnimal: table.multiAnimal,
    individuals: [...table.individuals],
    bodyparts: [...table.bodyparts],
    uniqueBodyparts: [...table.uniqueBodyparts],
    columns: table.columns.map((c) => (c.individual === undefined ? { bodypart: c.bodypart, coord: c.coord } : { individual: c.individual, bodypart: c.bodypart, coord: c.coord })),
    images: [...table.images],
    indexStyle: table.indexStyle,
    values: Array.from(table.values, (v) => (Number.isNaN(v) ? null : v)),
  };
}

export function fromWire(wire: WireTable): LabelTable {
  return {
    scorer: wire.scorer,
    multiAnimal: wire.multiAnimal,
    individuals: [...wire.individuals],
    bodyparts: [...wire.bodyparts],
    uniqueBodyparts: [...wire.uniqueBodyparts],
    columns: wire.columns.map((c) => ({ ...c })),
    images: [...wire.images],
    indexStyle: wire.indexStyle,
    values: Float64Array.from(wire.values, (v) => (v === null ? Number.NaN : v)),
  };
}

function samePart(a: { individual?: string; bodypart: string; coord: string }, b: { individual?: string; bodypart: string; coord: string }): boolean {
  return (a.individual ?? '') === (b.individual ?? '') && a.bodypart === b.bodypart && a.coord === b.coord;
}

/** src-core behind the panel: the folder is `<project>/labeled-data/<video>`, labels are the config scorer's. */
export function coreFacade(): LabelingCore {
  const projectOf = (folder: string) => loadProject(path.resolve(folder, '..', '..'));
  const prefix = (folder: string) => `labeled-data/${path.basename(folder)}/`;
  return {
    async load(folder) {
      const project = projectOf(folder);
      const config = project.config;
      const names = fs.readdirSync(folder).filter((name) => IMAGE.test(name)).sort();
      const frames = names.map((name) => ({ image: prefix(folder) + name, file: path.join(folder, name) }));
      const layout = { scorer: config.scorer, multiAnimal: project.multiAnimal, individuals: project.individuals, bodyparts: project.bodyparts, uniqueBodyparts: project.uniqueBodyparts };
      const file = findLabelFile(folder, config.scorer);
      const table = file ? (await readLabels(file, { project, checkImages: false })).table : createLabelTable(layout);
      const colormap = typeof config.colormap === 'string' ? config.colormap : 'rainbow';
      const colors = (n: number) => panelColors(colormap, n);
      let skeletonColor = 'black';
      try {
        skeletonColor = cssColor(namedColor(String(config.skeleton_color ?? 'black')));
      } catch {
        // an unknown colour name: keep black
      }
      return {
        frames,
        labels: toWire(table),
        config: {
          scorer: config.scorer,
          multiAnimal: project.multiAnimal,
          individuals: [...project.individuals],
          bodyparts: [...project.bodyparts],
          uniqueBodyparts: [...project.uniqueBodyparts],
          skeleton: Array.isArray(config.skeleton) ? config.skeleton.filter((pair) => Array.isArray(pair) && pair.length === 2).map(([a, b]) => [String(a), String(b)] as [string, string]) : [],
          skeletonColor,
          bodypartColors: colors(project.bodyparts.length),
          uniqueColors: colors(project.uniqueBodyparts.length),
          dotsize: typeof config.dotsize === 'number' && config.dotsize > 0 ? config.dotsize : 6,
          autosaveMs: AUTOSAVE_MS,
        },
      };
    },
    async save(folder, wire) {
      const project = projectOf(folder);
      if (wire.scorer !== project.config.scorer) throw new Error(`the labels are scorer "${wire.scorer}"'s but the project's scorer is "${project.config.scorer}"; not saved`);
      const expected = labelColumns({ scorer: wire.scorer, multiAnimal: project.multiAnimal, individuals: project.individuals, bodyparts: project.bodyparts, uniqueBodyparts: project.uniqueBodyparts });
      const file = findLabelFile(folder, wire.scorer);
      // The panel edits the columns it was given: those of the file when there is one, else the config's.
      const allowed = file ? (await readLabels(file, { checkImages: false })).table.columns : expected;
      if (allowed.length !== wire.columns.length || !allowed.every((c, i) => samePart(c, wire.columns[i]))) throw new Error('the labels do not have the columns of this folder’s label file; not saved');
      const bad = wire.images.find((image) => !image.startsWith(prefix(folder)) || image.slice(prefix(folder).length).includes('/'));
      if (bad) throw new Error(`image ${bad} is not in ${prefix(folder)}; not saved`);
      return saveLabels(folder, fromWire(wire));
    },
  };
}

/**
 * Answers one message from the panel: `ready` → `init` (frames with webview URIs from `toUri`; `takeImage` gives a
 * frame to select, once), `save` → `saved`
 * or `error`. Malformed messages are ignored; `dirty` goes to `onDirty`.
 */
export async function handlePanelMessage(
  raw: unknown,
  session: { folder: string; core: LabelingCore; toUri(file: string): string; onDirty?(dirty: boolean): void; takeImage?(): string | undefined },
): Promise<HostToPanel | undefined> {
  const message = parsePanelMessage(raw);
  if (!message) return undefined;
  try {
    switch (message.type) {
      case 'ready': {
        const loaded = await session.core.load(session.folder);
        // A frame asked for by another panel (evaluation's "open in labeling"), when the folder has it.
        const image = session.takeImage?.();
        const selected = image !== undefined && loaded.frames.some((f) => f.image === image) ? { image } : {};
        return { type: 'init', folder: session.folder, frames: loaded.frames.map((f) => ({ image: f.image, src: session.toUri(f.file) })), labels: loaded.labels, config: loaded.config, ...selected };
      }
      case 'save':
        return { type: 'saved', files: await session.core.save(session.folder, message.table) };
      case 'dirty':
        session.onDirty?.(message.dirty);
        return undefined;
    }
  } catch (error) {
    return { type: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

/** A panel's HTML (labeling, refinement): strict CSP (nothing but our script by nonce, our CSS and images from the webview's roots). */
export function panelHtml(options: { cspSource: string; scriptUri: string; styleUri: string; nonce: string; title: string }): string {
  const csp = [
    "default-src 'none'",
    `img-src ${options.cspSource}`,
    `style-src ${options.cspSource}`,
    `font-src ${options.cspSource}`,
    `script-src 'nonce-${options.nonce}'`,
  ].join('; ');
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escape(options.styleUri)}">
<title>${escape(options.title)}</title>
</head>
<body>
<div id="root"></div>
<script nonce="${options.nonce}" src="${escape(options.scriptUri)}"></script>
</body>
</html>`;
}
