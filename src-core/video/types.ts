/** What `probeVideo` learns about a video file. */
export interface VideoInfo {
  path: string;
  width: number;
  height: number;
  /** Frames per second (the stream's average frame rate). */
  fps: number;
  /** Number of video frames, counted from the container's packets. */
  frameCount: number;
  /** Seconds. */
  duration: number;
  /** ffmpeg's codec name, e.g. "h264", "mpeg4", "ffv1". */
  codec: string;
  /** ffmpeg's demuxer names, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "avi", "matroska,webm". */
  container?: string;
  /** Seconds at which the container's timeline starts (non-zero e.g. in MPEG-TS). */
  startTime?: number;
  /** The stream's base rate as ffmpeg guesses it ("tbr"); differs from `fps` for variable-rate video. */
  nominalFps?: number;
}

/** A crop box in DeepLabCut's convention: x1 ≤ x < x2, y1 ≤ y < y2, in pixels of the source. */
export interface CropBox {
  x1: number;
  x2: number;
  y1: number;
  y2: number;
}

export interface DecodeOptions {
  /** Crop applied first, in source pixels. */
  crop?: CropBox;
  /** Output size after cropping. */
  scale?: {
    width: number;
    height: number;
    /** ffmpeg's scaling method (default bicubic); `neighbor` is much faster for tiny thumbnails. */
    interpolation?: 'bicubic' | 'bilinear' | 'area' | 'neighbor';
  };
  /** First frame index to return (inclusive, default 0). */
  start?: number;
  /** Frame index to stop before (exclusive, default: end of video). */
  end?: number;
  /** Stops the decoder and ends the iteration early. */
  signal?: AbortSignal;
  /** Maximum decoded frames buffered ahead of the consumer (default 8). */
  queueFrames?: number;
}

/** One decoded frame: packed RGB24, row-major, `width * height * 3` bytes. */
export interface Frame {
  index: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export interface EncoderOptions {
  path: string;
  width: number;
  height: number;
  fps: number;
  /** ffmpeg encoder name (default "libx264" when available, else "mpeg4"). */
  codec?: string;
  /** Constant rate factor / quality for codecs that take one (default 18 for libx264). */
  quality?: number;
  /** Replace an existing file (default false: an existing file is an error). */
  overwrite?: boolean;
}

/** Writes RGB24 frames into a video; the file appears only when `close()` succeeds. */
export interface VideoEncoder {
  readonly path: string;
  readonly framesWritten: number;
  /** Resolves when ffmpeg has accepted the frame (back-pressure). */
  write(rgb: Uint8Array): Promise<void>;
  /** Finishes the file and moves it into place. */
  close(): Promise<void>;
  /** Stops and removes everything written so far. */
  abort(): Promise<void>;
}
