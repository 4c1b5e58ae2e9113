// The evaluation panel's host side without VS Code: answers the panel's messages from what `herd evaluate` wrote
// (src-core/evaluate/results.ts). evaluate-panel.ts wires it to a WebviewPanel; tests drive it directly
// (test/webviews/evaluate-host.test.ts).
import * as path from 'node:path';
import { resolvePcutoffs } from '../src-core/evaluate/metrics';
import { listEvaluations, readKeypointResults, readSnapshotImages, type EvaluationRow, type SnapshotImages } from '../src-core/evaluate/results';
import {
  parseEvaluationMessage,
  type EvaluationBodypartWire,
  type EvaluationConfig,
  type EvaluationHostToPanel,
  type EvaluationImageWire,
  type EvaluationRowWire,
} from '../webviews/shared/messages';
import { panelColors } from './panel-colors';

export interface EvaluationSessionOptions {
  /** A webview URI for an image file (asWebviewUri). */
  toUri(file: string): string;
  /** Opens `image` (`labeled-data/<video>/<image>`) in the labeling panel of `folder`. */
  openLabeling(folder: string, image: string): void | Promise<void>;
}

const wireNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);
const wireArray = (values: ArrayLike<number>): Array<number | null> => Array.from(values, wireNumber);

/** The row's id on the wire: `<trainPercent>/<shuffle>/<snapshot>`. */
export function rowId(row: Pick<EvaluationRow, 'trainPercent' | 'shuffle' | 'snapshot'>): string {
  return `${row.trainPercent}/${row.shuffle}/${row.snapshot}`;
}

export function rowToWire(row: EvaluationRow): EvaluationRowWire {
  return {
    id: rowId(row),
    shuffle: row.shuffle,
    trainPercent: row.trainPercent,
    snapshot: row.snapshot,
    epoch: wireNumber(row.epoch),
    trainError: wireNumber(row.trainError),
    testError: wireNumber(row.testError),
    pcutoff: row.pcutoff,
    trainErrorPcutoff: wireNumber(row.trainErrorPcutoff),
    testErrorPcutoff: wireNumber(row.testErrorPcutoff),
    trainMAP: wireNumber(row.trainMAP),
    testMAP: wireNumber(row.testMAP),
    trainMAR: wireNumber(row.trainMAR),
    testMAR: wireNumber(row.testMAR),
    hasPredictions: row.predictionsFile !== undefined,
  };
}

/** One evaluation panel's session: the project's config.yaml, the rows it was sent and the images it may open. */
export class EvaluationSession {
  private rows = new Map<string, EvaluationRow>();
  /** Images sent to the panel: image → its labeled-data folder. */
  private readonly images = new Map<string, string>();

  constructor(
    readonly configPath: string,
    private readonly options: EvaluationSessionOptions,
  ) {}

  async handle(raw: unknown): Promise<EvaluationHostToPanel | undefined> {
    const message = parseEvaluationMessage(raw);
    if (!message) return undefined;
    try {
      switch (message.type) {
        case 'evaluation-ready':
          return this.init();
        case 'evaluation-select':
          return await this.snapshot(message.id);
        case 'evaluation-open-image': {
          const folder = this.images.get(message.image);
          if (folder === undefined) throw new Error(`${message.image} is not an evaluated image of this project`);
          if (path.resolve(message.folder) !== folder) throw new Error(`${message.image} is in ${folder}, not ${message.folder}`);
          await this.options.openLabeling(folder, message.image);
          return undefined;
        }
      }
    } catch (error) {
      return { type: 'evaluation-error', message: error instanceof Error ? error.message : String(error), ...(message.type === 'evaluation-select' ? { id: message.id } : {}) };
    }
  }

  private init(): EvaluationHostToPanel {
    const { project, rows } = listEvaluations(this.configPath);
    this.rows = new Map(rows.map((row) => [rowId(row), row]));
    const config = project.config as unknown as Record<string, unknown>;
    const individuals = project.multiAnimal ? [...project.individuals] : ['animal'];
    const uniqueBodyparts = project.multiAnimal ? [...project.uniqueBodyparts] : [];
    const colormap = typeof config.colormap === 'string' ? config.colormap : 'rainbow';
    const settings: EvaluationConfig = {
      individuals,
      bodyparts: [...project.bodyparts],
      uniqueBodyparts,
      colors: panelColors(colormap, individuals.length + (uniqueBodyparts.length > 0 ? 1 : 0)),
      dotsize: typeof config.dotsize === 'number' && config.dotsize > 0 ? Math.min(config.dotsize, 12) : 6,
    };
    return { type: 'evaluation-init', config: this.configPath, rows: rows.map(rowToWire), settings };
  }

  private async snapshot(id: string): Promise<EvaluationHostToPanel> {
    const row = this.rows.get(id);
    if (!row) throw new Error(`no evaluated snapshot ${id}`);
    const data = await readSnapshotImages(this.configPath, row);
    const bodyparts: EvaluationBodypartWire[] = row.keypointResultsFile
      ? readKeypointResults(row.keypointResultsFile, data.uniqueBodyparts).map((b) => ({
          bodypart: b.bodypart,
          unique: b.unique,
          train: wireNumber(b.train),
          test: wireNumber(b.test),
          trainPcutoff: wireNumber(b.trainPcutoff),
          testPcutoff: wireNumber(b.testPcutoff),
        }))
      : [];
    const root = path.dirname(path.resolve(this.configPath));
    const images = data.images.map((image): EvaluationImageWire => {
      const folder = path.join(root, ...image.image.split('/').slice(0, -1));
      this.images.set(image.image, folder);
      return {
        image: image.image,
        folder,
        src: this.options.toUri(image.file),
        split: image.split,
        gt: wireArray(image.gt),
        pred: wireArray(image.pred),
        ...(image.uniqueGt ? { uniqueGt: wireArray(image.uniqueGt) } : {}),
        ...(image.uniquePred ? { uniquePred: wireArray(image.uniquePred) } : {}),
        error: wireNumber(image.error),
        errorPcutoff: wireNumber(image.errorPcutoff),
        support: image.support,
        perBodypart: wireArray(image.perBodypart),
      };
    });
    return { type: 'evaluation-snapshot', id, bodyparts, pcutoffs: pcutoffsOf(data), images };
  }
}

function pcutoffsOf(data: SnapshotImages): number[] {
  const names = { bodyparts: data.bodyparts, uniqueBodyparts: data.uniqueBodyparts };
  return [
    ...resolvePcutoffs(data.pcutoff, 'multi', data.bodyparts.length, names),
    ...resolvePcutoffs(data.pcutoff, 'unique', data.uniqueBodyparts.length, names),
  ];
}
