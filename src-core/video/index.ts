/** Video I/O on top of the ffmpeg binary: probe, decode to RGB24 frames, encode from them. */
export type { CropBox, DecodeOptions, EncoderOptions, Frame, VideoEncoder, VideoInfo } from './types';
export { resolveFfmpeg, listEncoders, defaultCodec, runFfmpeg, type FfmpegRun } from './ffmpeg';
export { probeVideo, parseProbeOutput, type ProbeOptions } from './probe';
export { decodeFrames, grabFrame, readFrameRange, type DecodeRunOptions } from './decode';
export type { SeekMode } from './decode-plan';
export { openEncoder, type EncoderRunOptions } from './encode';
export { readImageFile } from './image-file';
