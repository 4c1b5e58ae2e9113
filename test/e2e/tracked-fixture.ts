// Writes the refinement tests' tracked table (3 mice, a known identity swap and a gap) beside a video of the e2e
// workspace, named as `herd analyze` + tracking names it, so Herd: Refine Tracklets finds it.
//   node --import tsx test/e2e/tracked-fixture.ts <video> <frames>
import * as path from 'node:path';
import { writePoseTable } from '../../src-core/infer/outputs';
import { tracked } from '../webviews/refine-fixture';

export const E2E_SCORER = 'DLC_Resnet50_e2eNov26shuffle1_snapshot_010';

export function trackedTableOf(video: string): string {
  const { dir, name } = path.parse(video);
  return path.join(dir, `${name}${E2E_SCORER}_el.h5`);
}

if (require.main === module) {
  const [video, frames] = process.argv.slice(2);
  if (!video || !frames) throw new Error('usage: tracked-fixture.ts <video> <frames>');
  writePoseTable(trackedTableOf(video), tracked(Number(frames)), E2E_SCORER, { multiAnimal: true, csv: true }).then(
    ({ h5 }) => console.log(h5),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
