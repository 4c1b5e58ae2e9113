// Video frames arrive from the extension host as RGB24 bytes; canvases want RGBA. (A .tsx: DOM code, which the Node
// tsconfig, lacking the DOM types, skips.)

/** RGB24 bytes → opaque RGBA ImageData, ready for `putImageData`. */
export function rgbToImageData(width: number, height: number, rgb: Uint8Array): ImageData {
  const image = new ImageData(width, height);
  const out = image.data;
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    out[i * 4] = rgb[j];
    out[i * 4 + 1] = rgb[j + 1];
    out[i * 4 + 2] = rgb[j + 2];
    out[i * 4 + 3] = 255;
  }
  return image;
}
