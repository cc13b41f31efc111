/** Typed media errors with stable codes; the message always names what is wrong. */
export type MediaErrorCode =
  | 'MEDIA_READ_FAILED'
  | 'MEDIA_EMPTY'
  | 'MEDIA_UNSUPPORTED_FORMAT'
  | 'MEDIA_DECODE_FAILED'
  | 'MEDIA_TOO_MANY_PIXELS'
  | 'MEDIA_TOO_SMALL'
  | 'MEDIA_FFMPEG_MISSING'
  | 'MEDIA_VIDEO_DECODE_FAILED'
  | 'MEDIA_INVALID_OPTION';

export class MediaError extends Error {
  readonly code: MediaErrorCode;

  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MediaError';
    this.code = code;
  }
}
