// The frame grabber's host (src-extension/grabber-host.ts) over real src-core + ffmpeg on a temp synthetic project
// (30 frames of 320 × 240, 5 labeled frames): frames served decoded, grab → the PNG extract-frames writes (pixels
// equal to the decoded frame, bytes equal to the CLI's), grabbing again refused, near-duplicate groups, deleting
// unlabeled and labeled frames (confirmation, CSV/H5 rows removed, other rows untouched, files gone when empty).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { decodePng } from '../../src-core/io/png-read';
import { readLabels } from '../../src-core/labels/files';
import type { LabelTable } from '../../src-core/labels/table';
import { createSynthProject, type SynthProject } from '../../src-core/synth/project';
import { readFrameRange } from '../../src-core/video/decode';
import { deleteFrames, GrabberSession } from '../../src-extension/grabber-host';
import {
  decodeBytes,
  parseGrabberMessage,
  type GrabberDeletedMessage,
  type GrabberDuplicatesMessage,
  type GrabberErrorMessage,
  type GrabberFrameMessage,
  type GrabberGrabbedMessage,
  type GrabberInitMessage,
} from '../../webviews/shared/messages';
import { temporaryFolder, testFfmpeg } from '../helpers/workspace';

const HERD = path.resolve(__dirname, '../../dist/herd.js');
const digest = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Rows of a label table by image: the values as an array (NaN kept), to compare rows across saves. */
function rows(table: LabelTable): Map<string, number[]> {
  const width = table.columns.length;
  return new Map(table.images.map((image, row) => [image, Array.from(table.values.subarray(row * width, (row + 1) * width))]));
}

describe('frame grabber host (no VS Code)', () => {
  let synth: SynthProject;
  let stem = '';
  let trash = '';
  const trashed: string[] = [];
  /** The injected remover: moves into a trash folder (what useTrash does), so tests can see what went there. */
  const remove = async (file: string) => {
    trashed.push(file);
    fs.renameSync(file, path.join(trash, `${trashed.length}-${path.basename(file)}`));
  };
  const session = (video = synth.videoPath, configPath: string | undefined = synth.configPath) =>
    new GrabberSession(video, { configPath, ffmpeg: testFfmpeg(), toUri: (file) => `uri:${path.basename(file)}`, remove });

  const work = temporaryFolder('herd-grabber-host-');
  before(async () => {
    synth = await createSynthProject({ synth: { frames: 30, width: 320, height: 240, seed: 3 }, workingDirectory: work, labeledFrames: 5 });
    stem = path.parse(synth.videoPath).name;
    trash = path.join(work, 'trash');
    fs.mkdirSync(trash);
  });

  it('opens the video and its labeled-data folder, and serves decoded frames', async () => {
    const s = session();
    const init = (await s.handle({ type: 'grabber-ready' })) as GrabberInitMessage;
    assert.equal(init.type, 'grabber-init');
    assert.deepEqual([init.width, init.height, init.frameCount], [320, 240, 30]);
    assert.equal(init.folder, synth.labeledFolder);
    assert.equal(init.grabDisabled, undefined);
    assert.deepEqual(synth.labeledFrameIndices, [3, 9, 15, 21, 27]);
    assert.deepEqual(
      init.frames.map((f) => [f.name, f.index, f.src, f.labeled]),
      [3, 9, 15, 21, 27].map((i) => [`img${String(i).padStart(2, '0')}.png`, i, `uri:img${String(i).padStart(2, '0')}.png`, true]),
    );
    const [decoded] = await readFrameRange(synth.videoPath, 11, 12, { ffmpeg: testFfmpeg() });
    const frame = (await s.handle({ type: 'grabber-get-frame', index: 11 })) as GrabberFrameMessage;
    assert.equal(frame.type, 'grabber-frame');
    assert.deepEqual([frame.index, frame.width, frame.height], [11, 320, 240]);
    assert.ok(Buffer.from(decodeBytes(frame.rgb)).equals(Buffer.from(decoded.data)), 'the RGB crosses exactly');
    const past = (await s.handle({ type: 'grabber-get-frame', index: 30 })) as GrabberErrorMessage;
    assert.deepEqual([past.type, past.frame], ['grabber-error', 30]);
  });

  it('grabs a frame as labeled-data/<stem>/img<NN>.png with the decoded pixels, the bytes extract-frames writes; a second grab is refused', async () => {
    const s = session();
    await s.handle({ type: 'grabber-ready' });
    const target = path.join(synth.labeledFolder, 'img07.png');
    const grabbed = (await s.handle({ type: 'grabber-grab', index: 7 })) as GrabberGrabbedMessage;
    assert.equal(grabbed.type, 'grabber-grabbed', JSON.stringify(grabbed));
    assert.equal(grabbed.file, target);
    assert.ok(grabbed.frames.some((f) => f.name === 'img07.png' && f.index === 7 && !f.labeled));
    const [decoded] = await readFrameRange(synth.videoPath, 7, 8, { ffmpeg: testFfmpeg() });
    const png = decodePng(fs.readFileSync(target), target)!;
    assert.deepEqual([png.width, png.height], [320, 240]);
    assert.ok(Buffer.from(png.data).equals(Buffer.from(decoded.data)), 'the PNG holds the decoded frame');

    const before = digest(target);
    const mtime = fs.statSync(target).mtimeMs;
    const again = (await s.handle({ type: 'grabber-grab', index: 7 })) as GrabberErrorMessage;
    assert.equal(again.type, 'grabber-error');
    assert.match(again.message, /frame 7 is already extracted as img07\.png; not overwritten/);
    assert.equal(digest(target), before);
    assert.equal(fs.statSync(target).mtimeMs, mtime);
    const outside = (await s.handle({ type: 'grabber-grab', index: 30 })) as GrabberErrorMessage;
    assert.match(outside.message, /frame 30 is not in .*which has 30 frames/);

    // The CLI writes the same file byte for byte (run in a copy of the project, so this one is untouched).
    if (fs.existsSync(HERD)) {
      const copy = path.join(path.dirname(synth.root), 'cli-copy');
      fs.cpSync(synth.root, copy, { recursive: true });
      fs.rmSync(path.join(copy, 'labeled-data', stem, 'img07.png'));
      execFileSync(process.execPath, [HERD, 'extract-frames', path.join(copy, 'config.yaml'), '--mode', 'manual', '--frames', '7'], { env: { ...process.env, HERD_FFMPEG: testFfmpeg() }, stdio: 'pipe' });
      assert.equal(digest(path.join(copy, 'labeled-data', stem, 'img07.png')), before);
    }
  });

  it('groups near-duplicates of the folder (an exact copy at a tiny threshold, everything at a huge one)', async () => {
    const s = session();
    await s.handle({ type: 'grabber-ready' });
    fs.copyFileSync(path.join(synth.labeledFolder, 'img09.png'), path.join(synth.labeledFolder, 'copy.png'));
    const tight = (await s.handle({ type: 'grabber-find-duplicates', threshold: 1e-6 })) as GrabberDuplicatesMessage;
    assert.equal(tight.type, 'grabber-duplicates');
    assert.deepEqual(tight.groups, [['copy.png', 'img09.png']]);
    const loose = (await s.handle({ type: 'grabber-find-duplicates', threshold: 2 })) as GrabberDuplicatesMessage;
    assert.deepEqual(loose.groups, [['copy.png', 'img03.png', 'img07.png', 'img09.png', 'img15.png', 'img21.png', 'img27.png']]);
    // Consecutive frames of a scene are closer than frames far apart.
    const none = (await s.handle({ type: 'grabber-find-duplicates', threshold: 0 })) as GrabberDuplicatesMessage;
    assert.deepEqual(none.groups, []);
  });

  it('deletes an unlabeled frame directly (to the injected trash), label files untouched', async () => {
    const s = session();
    await s.handle({ type: 'grabber-ready' });
    const csv = digest(synth.labelsCsvPath);
    const h5 = digest(synth.labelsH5Path);
    const reply = (await s.handle({ type: 'grabber-delete', names: ['copy.png'], confirmLabeled: false })) as GrabberDeletedMessage;
    assert.equal(reply.type, 'grabber-deleted', JSON.stringify(reply));
    assert.deepEqual(reply.deleted, [path.join(synth.labeledFolder, 'copy.png')]);
    assert.deepEqual(reply.labelFiles, []);
    assert.equal(fs.existsSync(path.join(synth.labeledFolder, 'copy.png')), false);
    assert.equal(trashed.at(-1), path.join(synth.labeledFolder, 'copy.png'));
    assert.ok(!reply.frames.some((f) => f.name === 'copy.png'));
    assert.equal(digest(synth.labelsCsvPath), csv);
    assert.equal(digest(synth.labelsH5Path), h5);
  });

  it('refuses to delete while the folder’s labeling panel is open (it would save the rows back), naming it', async () => {
    const s = new GrabberSession(synth.videoPath, {
      configPath: synth.configPath, ffmpeg: testFfmpeg(), toUri: (file) => file, remove,
      deleteBlockedBy: (folder) => (folder === synth.labeledFolder ? `the labeling panel of ${path.basename(folder)} is open` : undefined),
    });
    await s.handle({ type: 'grabber-ready' });
    const name = fs.readdirSync(synth.labeledFolder).find((file) => file.endsWith('.png'))!;
    const reply = await s.handle({ type: 'grabber-delete', names: [name], confirmLabeled: true });
    assert.deepEqual(reply, { type: 'grabber-error', message: `the labeling panel of ${stem} is open` });
    assert.ok(fs.existsSync(path.join(synth.labeledFolder, name)), 'nothing deleted');
  });

  it('refuses a labeled frame until confirmed, then removes its row from the CSV and the H5 (other rows exact)', async () => {
    const s = session();
    await s.handle({ type: 'grabber-ready' });
    const beforeCsv = rows((await readLabels(synth.labelsCsvPath, { checkImages: false })).table);
    const beforeH5 = rows((await readLabels(synth.labelsH5Path, { checkImages: false })).table);
    const csv = digest(synth.labelsCsvPath);
    const h5 = digest(synth.labelsH5Path);
    const key = `labeled-data/${stem}/img15.png`;
    assert.ok(beforeCsv.has(key) && beforeH5.has(key));

    const refused = (await s.handle({ type: 'grabber-delete', names: ['img15.png', 'img07.png'], confirmLabeled: false })) as GrabberErrorMessage;
    assert.equal(refused.type, 'grabber-error');
    assert.deepEqual(refused.labeled, ['img15.png']);
    assert.match(refused.message, /img15\.png has labels; confirm/);
    assert.ok(fs.existsSync(path.join(synth.labeledFolder, 'img15.png')) && fs.existsSync(path.join(synth.labeledFolder, 'img07.png')), 'nothing deleted');
    assert.equal(digest(synth.labelsCsvPath), csv);
    assert.equal(digest(synth.labelsH5Path), h5);

    const done = (await s.handle({ type: 'grabber-delete', names: ['img15.png', 'img07.png'], confirmLabeled: true })) as GrabberDeletedMessage;
    assert.equal(done.type, 'grabber-deleted', JSON.stringify(done));
    assert.deepEqual(done.deleted, ['img07.png', 'img15.png'].map((name) => path.join(synth.labeledFolder, name)));
    assert.deepEqual(done.labelFiles.sort(), [synth.labelsCsvPath, synth.labelsH5Path].sort());
    assert.deepEqual(done.frames.map((f) => f.name), ['img03.png', 'img09.png', 'img21.png', 'img27.png']);
    for (const [file, before] of [[synth.labelsCsvPath, beforeCsv], [synth.labelsH5Path, beforeH5]] as const) {
      const after = rows((await readLabels(file, { checkImages: false })).table);
      assert.equal(after.has(key), false, file);
      const expected = new Map(before);
      expected.delete(key);
      assert.deepEqual([...after.keys()], [...expected.keys()], file);
      for (const [image, values] of expected) assert.deepEqual(after.get(image), values, `${file} ${image}`);
    }
  });

  it('removes the label files when their last row goes; refuses names outside the folder; unreadable labels stop a delete', async () => {
    const folder = synth.labeledFolder;
    await assert.rejects(deleteFrames(folder, ['../../config.yaml'], { confirmLabeled: true, remove }), /not an image name/);
    await assert.rejects(deleteFrames(folder, ['img99.png'], { confirmLabeled: true, remove }), /img99\.png is not in/);
    assert.equal(parseGrabberMessage({ type: 'grabber-delete', names: [], confirmLabeled: true }), undefined);
    assert.equal(parseGrabberMessage({ type: 'grabber-grab', index: -1 }), undefined);
    assert.equal(parseGrabberMessage({ type: 'grabber-find-duplicates', threshold: Number.NaN }), undefined);

    // A broken CSV beside the H5: the delete stops before anything changes.
    const csv = fs.readFileSync(synth.labelsCsvPath);
    fs.writeFileSync(synth.labelsCsvPath, 'scorer,herd\nnot,a,label,file\n');
    await assert.rejects(deleteFrames(folder, ['img03.png'], { confirmLabeled: true, remove }), (error: { location?: { file?: string } }) => error.location?.file === synth.labelsCsvPath);
    const s = session();
    await s.handle({ type: 'grabber-ready' });
    const reply = (await s.handle({ type: 'grabber-delete', names: ['img03.png'], confirmLabeled: true })) as GrabberErrorMessage;
    assert.equal(reply.type, 'grabber-error');
    assert.ok(reply.message.startsWith(`${synth.labelsCsvPath}`) && /not a DeepLabCut CSV/.test(reply.message), reply.message);
    assert.ok(fs.existsSync(path.join(folder, 'img03.png')));
    fs.writeFileSync(synth.labelsCsvPath, csv);

    const result = await deleteFrames(folder, ['img03.png', 'img09.png', 'img21.png', 'img27.png'], { confirmLabeled: true, remove });
    assert.deepEqual(result.labelFiles.sort(), [synth.labelsCsvPath, synth.labelsH5Path].sort());
    assert.equal(fs.existsSync(synth.labelsCsvPath), false);
    assert.equal(fs.existsSync(synth.labelsH5Path), false);
    assert.ok(trashed.includes(synth.labelsCsvPath) && trashed.includes(synth.labelsH5Path), 'label files went to the trash');
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  it('a video outside video_sets can be scrubbed but not grabbed from', async () => {
    const outside = path.join(path.dirname(synth.root), 'loose.mp4');
    fs.copyFileSync(synth.videoPath, outside);
    const s = session(outside, synth.configPath);
    const init = (await s.handle({ type: 'grabber-ready' })) as GrabberInitMessage;
    assert.equal(init.folder, undefined);
    assert.match(init.grabDisabled ?? '', /loose\.mp4 is not in the project's video_sets/);
    assert.equal(((await s.handle({ type: 'grabber-get-frame', index: 0 })) as GrabberFrameMessage).type, 'grabber-frame');
    const refused = (await s.handle({ type: 'grabber-grab', index: 0 })) as GrabberErrorMessage;
    assert.match(refused.message, /not in the project's video_sets/);
    assert.equal(await s.handle({ type: 'nonsense' }), undefined);
  });
});
