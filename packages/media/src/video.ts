import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { dedupeConsecutiveFrames, PdqHasher, type VpdqFeature } from '@safelight/pdq';
import { DEFAULT_MAX_PIXELS } from './decode.js';
import { MediaError } from './errors.js';

/**
 * Video frames through ffmpeg (Debian's package, found on PATH or given by path), for vPDQ.
 *
 * Frames are chosen as the reference vpdq hasher chooses them: every k-th decoded frame with
 * k = floor(secondsPerHash x frame rate) (at least 1; secondsPerHash 0 means every frame), at the
 * stream's own size, converted to RGB24, with no rotation from container metadata.
 */
export interface VideoOptions {
  /** Seconds between hashed frames; 0 (default) hashes every frame, as the reference does. */
  secondsPerHash?: number;
  /** Refuse videos whose frames have more pixels than this. */
  maxPixels?: number;
  /** Stop after this many hashed frames (a guard against endless streams). Default 1,000,000. */
  maxFrames?: number;
  ffmpegPath?: string;
  ffprobePath?: string;
  /**
   * Drop a frame within this many bits of the previous kept frame (a still scene then yields one
   * feature, not hundreds). Off by default, as in the reference, which keeps every frame.
   */
  dedupeDistance?: number;
}

export interface VideoInfo {
  width: number;
  height: number;
  /** Frames per second (r_frame_rate). */
  frameRate: number;
  codec: string;
}

export interface VideoFrame {
  frameNumber: number;
  timestampSeconds: number;
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function missingTool(tool: string, cause: unknown): MediaError {
  return new MediaError(
    'MEDIA_FFMPEG_MISSING',
    `${tool} was not found; install it (Debian: apt-get install ffmpeg) or pass its path`,
    { cause },
  );
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** Reads the first video stream's size, frame rate and codec with ffprobe. */
export async function probeVideo(path: string, options: VideoOptions = {}): Promise<VideoInfo> {
  await access(path).catch((cause) => {
    throw new MediaError('MEDIA_READ_FAILED', 'cannot read file: no such file', { cause });
  });
  const ffprobe = options.ffprobePath ?? 'ffprobe';
  const result = await run(ffprobe, [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height,r_frame_rate,codec_name',
    '-of',
    'json',
    path,
  ]).catch((cause) => {
    throw missingTool(ffprobe, cause);
  });
  const stream = (() => {
    try {
      return (JSON.parse(result.stdout) as { streams?: Array<Record<string, unknown>> }).streams?.[0];
    } catch {
      return undefined;
    }
  })();
  if (result.code !== 0 || !stream) {
    const why = firstLine(result.stderr) || 'no video stream';
    throw new MediaError('MEDIA_VIDEO_DECODE_FAILED', `not a decodable video: ${why}`);
  }
  const [num, den] = String(stream.r_frame_rate ?? '0/1')
    .split('/')
    .map(Number);
  const frameRate = (num ?? 0) / (den || 1);
  const width = Number(stream.width);
  const height = Number(stream.height);
  if (!(width > 0 && height > 0 && frameRate > 0)) {
    throw new MediaError(
      'MEDIA_VIDEO_DECODE_FAILED',
      `video stream has no usable size or frame rate (${width}x${height} @ ${frameRate})`,
    );
  }
  return { width, height, frameRate, codec: String(stream.codec_name ?? 'unknown') };
}

/** Decodes the selected frames as RGB, one at a time (only one frame is held in memory). */
export async function* decodeVideoFrames(
  path: string,
  options: VideoOptions = {},
): AsyncGenerator<VideoFrame> {
  const info = await probeVideo(path, options);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (info.width * info.height > maxPixels) {
    throw new MediaError(
      'MEDIA_TOO_MANY_PIXELS',
      `video frames are ${info.width}x${info.height}, over the limit of ${maxPixels} pixels`,
    );
  }
  const secondsPerHash = options.secondsPerHash ?? 0;
  if (!(secondsPerHash >= 0) || !Number.isFinite(secondsPerHash)) {
    throw new MediaError(
      'MEDIA_INVALID_OPTION',
      `secondsPerHash must be a non-negative number, got ${secondsPerHash}`,
    );
  }
  const step = Math.max(1, Math.trunc(secondsPerHash * info.frameRate));
  const maxFrames = options.maxFrames ?? 1_000_000;
  const ffmpeg = options.ffmpegPath ?? 'ffmpeg';
  const args = ['-nostdin', '-v', 'error', '-noautorotate', '-i', path, '-map', '0:v:0'];
  if (step > 1) args.push('-vf', `select=not(mod(n\\,${step}))`);
  args.push('-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');

  const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.on('error', (cause) => reject(missingTool(ffmpeg, cause))),
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  spawnError.catch(() => {}); // observed below through the iterator

  const frameBytes = info.width * info.height * 3;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let index = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          const frameNumber = index * step;
          yield {
            frameNumber,
            timestampSeconds: frameNumber / info.frameRate,
            data: frame,
            width: info.width,
            height: info.height,
            channels: 3,
          };
          index++;
          if (index >= maxFrames) return;
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    const code = await Promise.race([exited, spawnError]);
    if (code !== 0) {
      throw new MediaError(
        'MEDIA_VIDEO_DECODE_FAILED',
        `ffmpeg could not decode the video: ${firstLine(stderr) || `exit code ${code}`}`,
      );
    }
    if (filled !== 0) {
      throw new MediaError(
        'MEDIA_VIDEO_DECODE_FAILED',
        `ffmpeg ended in the middle of a frame (${filled} of ${frameBytes} bytes)`,
      );
    }
    if (index === 0) throw new MediaError('MEDIA_VIDEO_DECODE_FAILED', 'the video has no decodable frames');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** vPDQ of a video file: PDQ and quality of each selected frame, in frame order. */
export async function hashVideoFile(
  path: string,
  options: VideoOptions = {},
  hasher = new PdqHasher(),
): Promise<VpdqFeature[]> {
  const features: VpdqFeature[] = [];
  for await (const frame of decodeVideoFrames(path, options)) {
    const { hash, quality } = hasher.hash(frame);
    features.push({
      frameNumber: frame.frameNumber,
      quality,
      hash,
      timestampSeconds: frame.timestampSeconds,
    });
  }
  return options.dedupeDistance === undefined
    ? features
    : dedupeConsecutiveFrames(features, options.dedupeDistance);
}
