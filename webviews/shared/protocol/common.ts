// What the panels' protocols share: the shape check of anything that crosses the boundary, and binary data (poses,
// video frames) as base64 of little-endian bytes, so NaN crosses exactly.

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Float32Array → base64 of its little-endian bytes (browser and Node: btoa/atob are global in both). */
export function encodeFloat32(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return encodeBytes(bytes);
}

export function encodeBytes(bytes: Uint8Array): string {
  let text = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) text += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  return btoa(text);
}

export function decodeBytes(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export function decodeFloat32(base64: string): Float32Array {
  const bytes = decodeBytes(base64);
  if (bytes.length % 4 !== 0) throw new Error('pose data is not a whole number of float32 values');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}
