import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A sibling path for a file being written, so the final rename stays on one file system. */
export function temporarySibling(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.herd-tmp-${randomBytes(4).toString('hex')}-${path.basename(target)}`);
}

/**
 * Write a file so that readers see either the old content or the new, never a half-written one:
 * temp file in the same folder, fsync, rename. With `overwrite: false` an existing file is an error.
 */
export function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: { overwrite?: boolean } = {},
): void {
  if (options.overwrite === false && fs.existsSync(target)) {
    throw Object.assign(new Error(`${target} already exists`), { code: 'EEXIST' });
  }
  const temp = temporarySibling(target);
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, target);
}

/** Move a finished temp file into place (used by streaming writers such as the video encoder). */
export function commitTemporary(temp: string, target: string): void {
  fs.renameSync(temp, target);
}
