/** Packed RGB24 image, row-major, 3 bytes per pixel (structurally the same as `RgbImage` of io/png-read). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export function createImage(width: number, height: number, fill = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  if (fill !== 0) data.fill(fill);
  return { width, height, data };
}

export function checkImage(image: RgbImage, who: string): void {
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width <= 0 || image.height <= 0) {
    throw new Error(`${who}: bad image size ${image.width}×${image.height}`);
  }
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`${who}: expected ${image.width * image.height * 3} bytes of RGB24, got ${image.data.length}`);
  }
}
