/** Videos drawn from analysis outputs: DeepLabCut's create_video_with_all_detections (labeled videos follow with tracking). */
export {
  allDetectionsVideoPath,
  createVideoWithAllDetections,
  drawDisc,
  findDetectionsFile,
  partColors,
  type AllDetectionsOptions,
  type AllDetectionsResult,
  type FoundDetections,
  type RenderedVideo,
} from './all-detections';
