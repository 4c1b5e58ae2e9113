import * as fs from 'node:fs';

/**
 * DeepLabCut's frame file name: `img` + the index zero-padded to ceil(log10(frame count)) digits
 * (`str(index).zfill(int(np.ceil(np.log10(nframes))))`), e.g. img0042.png in a 1000-frame video.
 */
export function frameImageName(index: number, frameCount: number): string {
  const digits = Math.max(1, Math.ceil(Math.log10(frameCount)));
  return `img${String(index).padStart(digits, '0')}.png`;
}

const FRAME_IMAGE = /^img\d+\.png$/;

/** The extracted frames (img*.png) already in a labeled-data folder, sorted; [] when the folder is missing. */
export function existingFrameImages(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((name) => FRAME_IMAGE.test(name))
    .sort();
}
