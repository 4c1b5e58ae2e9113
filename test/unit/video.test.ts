import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { before, describe, test } from 'node:test';
import { HerdError } from '../../src-core/common/errors';
import {
  decodeFrames,
  defaultCodec,
  grabFrame,
  listEncoders,
  openEncoder,
  parseProbeOutput,
  probeVideo,
  readFrameRange,
  resolveFfmpeg,
  runFfmpeg,
  type DecodeRunOptions,
  type Frame,
} from '../../src-core/video';
import { DamageLog } from '../../src-core/video/damage-log';
import { checkDecodeRequest, chooseSeek } from '../../src-core/video/decode-plan';
import { FrameQueue } from '../../src-core/video/frame-queue';
import { parseFirstFrameTime } from '../../src-core/video/timeline';
import { listTree, temporaryFolder } from '../helpers/workspace';

// Runs against whichever ffmpeg Herd resolves; set HERD_FFMPEG to test another build (4.1 and 5.1 are known to pass).
const ffmpeg = resolveFfmpeg();
const folder = temporaryFolder('herd-video-');
const fixture = (name: string) => path.join(folder, name);

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function collect(frames: AsyncIterable<Frame>): Promise<Frame[]> {
  const all: Frame[] = [];
  for await (const frame of frames) all.push(frame);
  return all;
}

/** Make a video from ffmpeg's moving test pattern. */
async function makeVideo(name: string, size: string, rate: string, frames: number, encoding: string[]): Promise<string> {
  const file = fixture(name);
  const run = await runFfmpeg(ffmpeg, [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`, '-frames:v', String(frames)],
    ...encoding,
    file,
  ]);
  assert.equal(run.exitCode, 0, run.stderr);
  return file;
}

/** ffmpeg's own RGB24 decode of a whole file, the reference our decoder must match. */
async function referenceDecode(file: string): Promise<Buffer> {
  const raw = `${file}.reference.rgb`;
  const run = await runFfmpeg(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', raw]);
  assert.equal(run.exitCode, 0, run.stderr);
  return fs.readFileSync(raw);
}

/** A deterministic RGB frame with detail in every channel (gradients plus a moving block). */
function syntheticFrame(index: number, width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 3;
      const inBlock = Math.abs(x - ((index * 3) % width)) < 6 && Math.abs(y - height / 2) < 6;
      data[offset] = (x * 4 + index * 7) & 255;
      data[offset + 1] = (y * 5 + x * index) & 255;
      data[offset + 2] = inBlock ? 255 : (x ^ y ^ index) & 255;
    }
  }
  return data;
}

async function expectHerdError(promise: Promise<unknown>, code: string, file?: string): Promise<HerdError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}, but it succeeded`),
    (error: unknown) => error,
  );
  assert.ok(error instanceof HerdError, `expected a HerdError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (file) {
    assert.equal(error.location.file, file);
    assert.ok(error.describe().startsWith(`${file}: `), error.describe());
  }
  return error;
}

/** ffmpeg processes whose command line mentions `file` (Linux /proc; empty elsewhere). */
function processesUsing(file: string): number[] {
  if (!fs.existsSync('/proc/self/cmdline')) return [];
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(file)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

let h264Mp4: string; // 160x120, 30 fps, 100 frames, keyframe every 12, 3 B-frames
let mpeg4Avi: string; // 160x120, 29.97 fps, 50 frames
let bFramesAvi: string; // AVI has no presentation timestamps: ranges must be reached by counting
let h264Reference: Buffer;
const h264FrameBytes = 160 * 120 * 3;

before(async () => {
  [h264Mp4, mpeg4Avi, bFramesAvi] = await Promise.all([
    makeVideo('h264.mp4', '160x120', '30', 100, ['-c:v', 'libx264', '-g', '12', '-bf', '3', '-pix_fmt', 'yuv420p']),
    makeVideo('mpeg4.avi', '160x120', '30000/1001', 50, ['-c:v', 'mpeg4']),
    makeVideo('bframes.avi', '96x64', '25', 60, ['-c:v', 'mpeg4', '-bf', '2', '-g', '10']),
  ]);
  h264Reference = await referenceDecode(h264Mp4);
});

describe('ffmpeg discovery', () => {
  test('an explicit binary that does not exist is an error, not a silent fallback', () => {
    const missing = path.join(folder, 'no-such-ffmpeg');
    assert.throws(() => resolveFfmpeg(missing), (error: HerdError) => error.code === 'FFMPEG_NOT_FOUND' && error.describe().includes(missing));
  });

  test('HERD_FFMPEG is honoured', () => {
    const saved = process.env.HERD_FFMPEG;
    try {
      process.env.HERD_FFMPEG = ffmpeg;
      assert.equal(resolveFfmpeg(), ffmpeg);
      process.env.HERD_FFMPEG = path.join(folder, 'missing-ffmpeg');
      assert.throws(() => resolveFfmpeg(), { code: 'FFMPEG_NOT_FOUND' });
    } finally {
      if (saved === undefined) delete process.env.HERD_FFMPEG;
      else process.env.HERD_FFMPEG = saved;
    }
  });

  test('encoders are listed and the default codec is one of them', () => {
    const encoders = listEncoders(ffmpeg);
    assert.ok(encoders.has('mpeg4') && encoders.has('ffv1'));
    assert.equal(defaultCodec(ffmpeg), encoders.has('libx264') ? 'libx264' : 'mpeg4');
  });
});

describe('probeVideo', () => {
  test('h264 in mp4', async () => {
    const info = await probeVideo(h264Mp4);
    assert.deepEqual(
      { width: info.width, height: info.height, fps: info.fps, frameCount: info.frameCount, codec: info.codec },
      { width: 160, height: 120, fps: 30, frameCount: 100, codec: 'h264' },
    );
    assert.ok(Math.abs(info.duration - 100 / 30) < 0.05, `duration ${info.duration}`);
  });

  test('mpeg4 in avi at the NTSC rate 30000/1001', async () => {
    const info = await probeVideo(mpeg4Avi);
    assert.equal(info.codec, 'mpeg4');
    assert.equal(info.frameCount, 50);
    assert.equal(info.fps, 30000 / 1001);
    assert.deepEqual([info.width, info.height], [160, 120]);
  });

  test('parses the stream lines of ffmpeg 4.1 and 5.1 alike, ignoring the output section', () => {
    const v41 = [
      "Input #0, avi, from 'x.avi':",
      '  Duration: 00:00:01.67, start: 0.000000, bitrate: 447 kb/s',
      '    Stream #0:0: Video: mpeg4 (Simple Profile) (FMP4 / 0x34504D46), yuv420p, 160x120 [SAR 1:1 DAR 4:3], 422 kb/s, 29.97 fps, 29.97 tbr, 29.97 tbn, 30k tbc',
      "Output #0, null, to 'pipe:':",
      '    Stream #0:0: Video: mpeg4 (Simple Profile) (FMP4 / 0x34504D46), yuv420p, 320x240, 25 fps',
      'frame=   12 fps=0.0 q=-1.0 size=N/A\rframe=   50 fps=0.0 q=-1.0 Lsize=N/A time=00:00:01.66',
    ].join('\n');
    const v51 = [
      "Input #0, matroska,webm, from 'x.mkv':",
      '  Duration: 00:01:02.50, start: 0.000000, bitrate: 77 kb/s',
      '  Stream #0:0[0x1](eng): Video: h264 (High), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], SAR 1:1 DAR 16:9, 1k tbr, 1k tbn (default)',
      "Output #0, null, to 'pipe:':",
      'frame= 1500 fps=0.0 q=-1.0 Lsize=N/A',
    ].join('\n');
    assert.deepEqual(parseProbeOutput(v41, 'x.avi'), {
      path: 'x.avi', width: 160, height: 120, fps: 30000 / 1001, frameCount: 50, duration: 1.67, codec: 'mpeg4', container: 'avi', startTime: 0, nominalFps: 30000 / 1001,
    });
    const info = parseProbeOutput(v51, 'x.mkv')!;
    assert.deepEqual([info.width, info.height, info.fps, info.frameCount, info.duration, info.codec], [1920, 1080, 1000, 1500, 62.5, 'h264']);
  });
});

describe('decoding internals', () => {
  test('frames are cut from arbitrary chunks, and a full queue pauses the source', async () => {
    const source = new PassThrough();
    const queue = new FrameQueue(source, 5, 2);
    // 3 whole frames and 2 bytes of a fourth, in chunks that do not align with frames.
    for (const chunk of [[0, 1, 2], [3, 4, 10, 11, 12, 13, 14, 20], [21, 22, 23, 24, 30, 31]]) source.write(Buffer.from(chunk));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(source.isPaused(), true, 'paused with 3 frames ready and room for 2');
    assert.deepEqual(await queue.next(), Uint8Array.from([0, 1, 2, 3, 4]));
    assert.deepEqual(await queue.next(), Uint8Array.from([10, 11, 12, 13, 14]));
    assert.equal(source.isPaused(), false, 'resumed once the consumer caught up');
    assert.deepEqual(await queue.next(), Uint8Array.from([20, 21, 22, 23, 24]));
    source.end();
    assert.equal(await queue.next(), undefined);
    assert.equal(queue.leftoverBytes, 2);
  });

  test('decoder complaints about missing references count as damage only without a seek', () => {
    const complaint = '[h264 @ 0x55d0c3a8] mmco: unref short failure\n[rawvideo @ 0x1] Application provided invalid, non monotonically increasing dts to muxer in stream 0: 1 >= 1\n';
    const fromStart = new DamageLog({ startedAfterSeek: false });
    fromStart.push(complaint);
    assert.equal(fromStart.count, 1);
    assert.equal(fromStart.summary(), '[h264] mmco: unref short failure');
    const afterSeek = new DamageLog({ startedAfterSeek: true });
    afterSeek.push(complaint);
    afterSeek.flush();
    assert.equal(afterSeek.count, 0);
  });

  test('the first frame time is read exactly from showinfo', () => {
    const log = '[Parsed_showinfo_0 @ 0x1] config in time_base: 1/90000, frame_rate: 30000/1001\n[Parsed_showinfo_0 @ 0x1] n:   0 pts: 132006 pts_time:1.46673 pos: 564';
    assert.equal(parseFirstFrameTime(log), 132006 / 90000);
    assert.equal(parseFirstFrameTime('nothing here'), undefined);
  });
});

describe('decodeFrames', () => {
  test('a full decode equals ffmpeg’s own rawvideo output', async () => {
    const frames = await collect(decodeFrames(h264Mp4));
    assert.equal(frames.length, 100);
    assert.deepEqual(frames.map((f) => f.index), [...Array(100).keys()]);
    assert.ok(frames.every((f) => f.width === 160 && f.height === 120 && f.data.length === h264FrameBytes));
    assert.equal(sha256(Buffer.concat(frames.map((f) => f.data))), sha256(h264Reference));
  });

  test('a range is byte-identical to the same frames of a full decode (seeking past keyframes and B-frames)', async () => {
    for (const [start, end] of [[37, 47], [0, 3], [12, 13], [95, 100]] as const) {
      const frames = await readFrameRange(h264Mp4, start, end);
      assert.deepEqual(frames.map((f) => f.index), Array.from({ length: end - start }, (_, i) => start + i));
      const expected = h264Reference.subarray(start * h264FrameBytes, end * h264FrameBytes);
      assert.equal(sha256(Buffer.concat(frames.map((f) => f.data))), sha256(expected), `frames [${start}, ${end})`);
    }
  });

  const seekCases = [
    { name: 'h264.mkv', encoding: ['-c:v', 'libx264', '-g', '12', '-bf', '2'], seek: 'timestamp' },
    // B-frames that refer across keyframes: a plain `-ss` lands one keyframe late on ffmpeg 5.1.
    { name: 'open-gop.mp4', encoding: ['-c:v', 'libx264', '-g', '9', '-x264-params', 'open-gop=1:bframes=3'], seek: 'timestamp' },
    { name: 'mpeg4-bframes.mp4', encoding: ['-c:v', 'mpeg4', '-bf', '2', '-g', '9'], seek: 'timestamp' },
    { name: 'h264.ts', encoding: ['-c:v', 'libx264', '-g', '9', '-bf', '2'], seek: 'count' },
  ] as const;
  for (const { name, encoding, seek } of seekCases) {
    test(`ranges of ${name} are exact (reached by ${seek})`, async () => {
      const file = await makeVideo(name, '64x48', '30000/1001', 60, [...encoding]);
      const info = await probeVideo(file);
      assert.equal(chooseSeek(info, checkDecodeRequest(file, info, { start: 37 })), seek);
      const full = (await collect(decodeFrames(file, { info }))).map((f) => sha256(f.data));
      assert.equal(full.length, 60);
      // Frames just before a keyframe (8, 17, 35) are the ones a naive seek gets wrong.
      for (const [start, end] of [[8, 10], [17, 18], [35, 41]] as const) {
        const range = await readFrameRange(file, start, end, { info });
        assert.deepEqual(range.map((f) => sha256(f.data)), full.slice(start, end), `frames [${start}, ${end})`);
      }
    });
  }

  test('timestamp seeking and counting agree on mp4', async () => {
    const [bySeek] = await readFrameRange(h264Mp4, 37, 38, { seek: 'timestamp' });
    const [byCount] = await readFrameRange(h264Mp4, 37, 38, { seek: 'count' });
    assert.equal(sha256(bySeek!.data), sha256(byCount!.data));
  });

  test('ranges of an AVI with B-frames are exact too (reached by counting)', async () => {
    const aviInfo = await probeVideo(bFramesAvi);
    assert.equal(chooseSeek(aviInfo, checkDecodeRequest(bFramesAvi, aviInfo, { start: 37 })), 'count');
    const full = await collect(decodeFrames(bFramesAvi));
    assert.equal(full.length, 60);
    const range = await readFrameRange(bFramesAvi, 37, 41);
    assert.deepEqual(range.map((f) => sha256(f.data)), full.slice(37, 41).map((f) => sha256(f.data)));
  });

  test('crop takes exactly the DeepLabCut box, also at odd offsets', async () => {
    const crop = { x1: 13, x2: 77, y1: 7, y2: 55 };
    const [frame] = await readFrameRange(h264Mp4, 37, 38, { crop });
    assert.deepEqual([frame!.width, frame!.height, frame!.data.length], [64, 48, 64 * 48 * 3]);
    const full = h264Reference.subarray(37 * h264FrameBytes, 38 * h264FrameBytes);
    for (let y = 0; y < 48; y++) {
      const sourceRow = ((crop.y1 + y) * 160 + crop.x1) * 3;
      assert.deepEqual(frame!.data.subarray(y * 64 * 3, (y + 1) * 64 * 3), new Uint8Array(full.subarray(sourceRow, sourceRow + 64 * 3)), `row ${y}`);
    }
  });

  test('scale, and crop then scale, give the requested size', async () => {
    const scaled = await grabFrame(h264Mp4, 5, { scale: { width: 80, height: 60 } });
    assert.deepEqual([scaled.width, scaled.height, scaled.data.length], [80, 60, 80 * 60 * 3]);
    const both = await grabFrame(h264Mp4, 5, { crop: { x1: 0, x2: 100, y1: 20, y2: 120 }, scale: { width: 33, height: 33 } });
    assert.deepEqual([both.width, both.height, both.data.length], [33, 33, 33 * 33 * 3]);
  });

  test('grabFrame returns the frame a full decode has at that index', async () => {
    for (const index of [0, 37, 99]) {
      const frame = await grabFrame(h264Mp4, index);
      assert.equal(frame.index, index);
      assert.equal(sha256(frame.data), sha256(h264Reference.subarray(index * h264FrameBytes, (index + 1) * h264FrameBytes)));
    }
  });

  test('a range beyond the video is FRAME_RANGE before any frame', async () => {
    await expectHerdError(readFrameRange(h264Mp4, 90, 101), 'FRAME_RANGE', h264Mp4);
    await expectHerdError(grabFrame(h264Mp4, 100), 'FRAME_RANGE', h264Mp4);
    await expectHerdError(grabFrame(h264Mp4, -1), 'FRAME_RANGE', h264Mp4);
  });

  test('variable-rate or gappy video is reached by counting', () => {
    const steady = { path: 'v.mp4', width: 64, height: 48, fps: 30, nominalFps: 30, frameCount: 100, duration: 3.33, codec: 'h264', container: 'mov,mp4,m4a,3gp,3g2,mj2' };
    const request = checkDecodeRequest('v.mp4', steady, { start: 10 });
    assert.equal(chooseSeek(steady, request), 'timestamp');
    assert.equal(chooseSeek({ ...steady, fps: 29.87 }, request), 'count', 'average rate below the base rate');
    assert.equal(chooseSeek({ ...steady, frameCount: 80 }, request), 'count', 'frames missing for the duration');
    assert.equal(chooseSeek({ ...steady, container: 'avi' }, request), 'count', 'no presentation timestamps');
    assert.equal(chooseSeek(steady, request, 'count'), 'count', 'asked for');
  });

  test('a crop outside the frame is INVALID_CROP', async () => {
    await expectHerdError(grabFrame(h264Mp4, 0, { crop: { x1: 100, x2: 200, y1: 0, y2: 10 } }), 'INVALID_CROP', h264Mp4);
  });

  test('breaking out of the loop kills ffmpeg at once', async () => {
    const long = await makeVideo('long.mp4', '64x48', '30', 900, ['-c:v', 'libx264', '-preset', 'ultrafast']);
    const began = Date.now();
    let seen = 0;
    for await (const frame of decodeFrames(long, { queueFrames: 2 })) {
      assert.equal(frame.index, seen);
      if (++seen === 3) break;
    }
    assert.equal(seen, 3);
    assert.ok(Date.now() - began < 3000, `took ${Date.now() - began} ms`);
    assert.deepEqual(processesUsing(long), []);
  });

  test('an abort signal ends the iteration quietly and kills ffmpeg', async () => {
    const long = fixture('long.mp4');
    const controller = new AbortController();
    let seen = 0;
    for await (const _frame of decodeFrames(long, { signal: controller.signal })) {
      if (++seen === 4) controller.abort();
    }
    assert.equal(seen, 4);
    assert.deepEqual(processesUsing(long), []);
  });
});

describe('decoding errors', () => {
  test('a missing file is VIDEO_NOT_FOUND naming the path', async () => {
    const missing = fixture('absent.mp4');
    await expectHerdError(probeVideo(missing), 'VIDEO_NOT_FOUND', missing);
    await expectHerdError(collect(decodeFrames(missing)), 'VIDEO_NOT_FOUND', missing);
  });

  test('a text file named .mp4 is NOT_A_VIDEO', async () => {
    const text = fixture('notes.mp4');
    fs.writeFileSync(text, 'these are my lab notes, not a video\n'.repeat(20));
    await expectHerdError(probeVideo(text), 'NOT_A_VIDEO', text);
    await expectHerdError(collect(decodeFrames(text)), 'NOT_A_VIDEO', text);
  });

  test('an mp4 cut short before its index (moov atom at the end) is NOT_A_VIDEO', async () => {
    const cut = fixture('cut.mp4');
    const bytes = fs.readFileSync(h264Mp4);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
    const error = await expectHerdError(probeVideo(cut), 'NOT_A_VIDEO', cut);
    assert.match(error.message, /interrupted/);
  });

  for (const container of ['mkv', 'avi'] as const) {
    test(`a ${container} cut mid-stream yields its good frames, then VIDEO_TRUNCATED`, async () => {
      const whole = await makeVideo(`whole.${container}`, '160x120', '25', 100, ['-c:v', 'mpeg4', '-g', '10']);
      const cut = fixture(`cut.${container}`);
      const bytes = fs.readFileSync(whole);
      fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.4)));

      const delivered: Frame[] = [];
      const error = await expectHerdError(
        (async () => {
          for await (const frame of decodeFrames(cut)) delivered.push(frame);
        })(),
        'VIDEO_TRUNCATED',
        cut,
      );
      assert.ok(delivered.length > 10 && delivered.length < 100, `${delivered.length} frames before the error`);
      assert.match(error.message, /damaged or incomplete/);

      const tolerated = await collect(decodeFrames(cut, { tolerateDecodeErrors: true } satisfies DecodeRunOptions));
      assert.ok(tolerated.length >= delivered.length);
    });
  }

  test('an unknown fourcc is UNSUPPORTED_CODEC', async () => {
    const mjpeg = await makeVideo('mjpeg.avi', '64x48', '25', 5, ['-c:v', 'mjpeg']);
    const bytes = fs.readFileSync(mjpeg);
    // The fourcc sits in the stream header (strh) and the format header (strf).
    const patched = Buffer.from(bytes.toString('latin1').replaceAll('MJPG', 'ZZZZ'), 'latin1');
    assert.notDeepEqual(patched, bytes);
    const zzzz = fixture('zzzz.avi');
    fs.writeFileSync(zzzz, patched);
    const error = await expectHerdError(probeVideo(zzzz), 'UNSUPPORTED_CODEC', zzzz);
    assert.match(error.message, /ZZZZ/);
    await expectHerdError(collect(decodeFrames(zzzz)), 'UNSUPPORTED_CODEC', zzzz);
  });
});

describe('openEncoder', () => {
  async function encodeFrames(file: string, frames: Uint8Array[], options: { width: number; height: number; codec?: string; overwrite?: boolean }) {
    const encoder = await openEncoder({ path: file, fps: 25, ...options });
    for (const frame of frames) await encoder.write(frame);
    await encoder.close();
    return encoder;
  }

  test('a lossless encode (ffv1, odd size) decodes to the identical frames', async () => {
    const [width, height] = [65, 49];
    const frames = Array.from({ length: 24 }, (_, i) => syntheticFrame(i, width, height));
    const file = fixture('lossless.mkv');
    const encoder = await encodeFrames(file, frames, { width, height, codec: 'ffv1' });
    assert.equal(encoder.framesWritten, 24);
    const decoded = await collect(decodeFrames(file));
    assert.equal(decoded.length, 24);
    assert.deepEqual(decoded.map((f) => sha256(f.data)), frames.map(sha256));
    assert.deepEqual(listTree(folder).filter((name) => name.includes('.herd-tmp-')), []);
  });

  test('the default codec writes a video that probes as written', async () => {
    const file = fixture('default.mp4');
    await encodeFrames(file, Array.from({ length: 10 }, (_, i) => syntheticFrame(i, 64, 48)), { width: 64, height: 48 });
    const info = await probeVideo(file);
    assert.deepEqual([info.width, info.height, info.fps, info.frameCount, info.codec], [64, 48, 25, 10, defaultCodec(ffmpeg) === 'libx264' ? 'h264' : 'mpeg4']);
  });

  test('an existing target is FILE_EXISTS and stays untouched', async () => {
    const file = fixture('existing.avi');
    fs.writeFileSync(file, 'precious');
    await expectHerdError(openEncoder({ path: file, width: 64, height: 48, fps: 25 }), 'FILE_EXISTS', file);
    assert.equal(fs.readFileSync(file, 'utf8'), 'precious');
    await encodeFrames(file, [syntheticFrame(0, 64, 48)], { width: 64, height: 48, codec: 'mpeg4', overwrite: true });
    assert.equal((await probeVideo(file)).frameCount, 1);
  });

  test('an unknown codec fails at open and leaves no file', async () => {
    const file = fixture('bogus.mp4');
    await expectHerdError(openEncoder({ path: file, width: 64, height: 48, fps: 25, codec: 'no-such-codec' }), 'UNKNOWN_CODEC', file);
    assert.equal(fs.existsSync(file), false);
  });

  test('an encode ffmpeg rejects is ENCODE_FAILED with its reason, leaving no file', async () => {
    const before = listTree(folder);
    const file = fixture('ffv1-in-mp4.mp4'); // mp4 cannot hold ffv1
    const error = await expectHerdError(
      encodeFrames(file, Array.from({ length: 30 }, (_, i) => syntheticFrame(i, 64, 48)), { width: 64, height: 48, codec: 'ffv1' }),
      'ENCODE_FAILED',
      file,
    );
    assert.match(error.message, /ffv1|codec|container/i);
    assert.deepEqual(listTree(folder), before);
  });

  test('abort removes everything written so far', async () => {
    const before = listTree(folder);
    const file = fixture('aborted.mp4');
    const encoder = await openEncoder({ path: file, width: 64, height: 48, fps: 25 });
    for (let i = 0; i < 5; i++) await encoder.write(syntheticFrame(i, 64, 48));
    await encoder.abort();
    assert.deepEqual(listTree(folder), before);
    await expectHerdError(encoder.write(syntheticFrame(0, 64, 48)), 'ENCODER_CLOSED', file);
  });

  test('odd sizes are refused for 4:2:0 codecs, wrong frame sizes at write', async () => {
    const file = fixture('odd.mp4');
    await expectHerdError(openEncoder({ path: file, width: 65, height: 48, fps: 25, codec: 'mpeg4' }), 'ODD_FRAME_SIZE', file);
    const encoder = await openEncoder({ path: file, width: 64, height: 48, fps: 25, codec: 'mpeg4' });
    await expectHerdError(encoder.write(new Uint8Array(10)), 'FRAME_SIZE_MISMATCH', file);
    await encoder.abort();
    assert.equal(fs.existsSync(file), false);
  });
});
