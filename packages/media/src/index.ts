export {
  DEFAULT_MAX_PIXELS,
  type DecodedImage,
  type DecodeOptions,
  decodeImage,
  readMediaFile,
  SUPPORTED_FORMATS,
} from './decode.js';
export { digestBytes, type FileDigests } from './digest.js';
export { MediaError, type MediaErrorCode } from './errors.js';
export { type HashFileOptions, hashImageBytes, hashImageFile, type ImageFileHashes } from './hash-file.js';
export {
  decodeVideoFrames,
  hashVideoFile,
  probeVideo,
  type VideoFrame,
  type VideoInfo,
  type VideoOptions,
} from './video.js';
