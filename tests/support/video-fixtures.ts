import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** CI installs Debian's ffmpeg (.ci/run); elsewhere video tests say why they did not run. */
export const ffmpegSkip: string | false =
  spawnSync('ffmpeg', ['-version']).status === 0 ? false : 'ffmpeg is not installed (apt-get install ffmpeg)';

/**
 * Writes a benign test-pattern video made by ffmpeg's own generator (`testsrc2` unless another
 * lavfi source is given); `extra` output options such as ['-ss', '1', '-t', '2'] cut a clip.
 */
export function makeTestVideo(
  path: string,
  {
    seconds = 2,
    rate = 10,
    source,
    extra = [],
  }: { seconds?: number; rate?: number; source?: string; extra?: readonly string[] } = {},
): string {
  const input = source ?? `testsrc2=size=160x120:rate=${rate}:duration=${seconds}`;
  const made = spawnSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    input,
    ...extra,
    '-pix_fmt',
    'yuv420p',
    '-y',
    path,
  ]);
  assert.equal(made.status, 0, made.stderr.toString());
  return path;
}
