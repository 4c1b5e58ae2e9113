import { decodeFrames, readFrameRange, runFfmpeg, resolveFfmpeg, probeVideo } from '/work/main/src-core/video/index';
import { createHash } from 'node:crypto';
const ff = resolveFfmpeg();
const h = (d: Uint8Array) => createHash('sha256').update(d).digest('hex').slice(0, 10);
const configs: [string, string[]][] = [
  ['x264bf3g12.mp4', ['-c:v', 'libx264', '-bf', '3', '-g', '12']],
  ['x264bf0g5.mov', ['-c:v', 'libx264', '-bf', '0', '-g', '5']],
  ['x264default.mkv', ['-c:v', 'libx264']],
  ['x264bf2g7.mkv', ['-c:v', 'libx264', '-bf', '2', '-g', '7']],
  ['mpeg4bf2.mp4', ['-c:v', 'mpeg4', '-bf', '2', '-g', '9']],
  ['mpeg4bf2.mkv', ['-c:v', 'mpeg4', '-bf', '2', '-g', '9']],
  ['x264.webm', ['-c:v', 'libvpx', '-g', '10']],
];
for (const [name, enc] of configs) {
  const file = `/tmp/vx/sw_${name}`;
  const r = await runFfmpeg(ff, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=30000/1001', '-frames:v', '80', ...enc, file]);
  if (r.exitCode !== 0) { console.log(name, 'skip', r.stderr.slice(0, 100)); continue; }
  const info = await probeVideo(file);
  const full: string[] = []; for await (const f of decodeFrames(file, { info })) full.push(h(f.data));
  const bad: number[] = [];
  for (let k = 1; k < 80; k++) {
    const [f] = await readFrameRange(file, k, k + 1, { info, seek: 'timestamp' });
    if (h(f!.data) !== full[k]) bad.push(k);
  }
  console.log(name, full.length, info.frameCount, bad.length ? 'BAD ' + bad.join(',') : 'all exact');
}
