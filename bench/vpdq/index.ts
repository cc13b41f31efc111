/**
 * bench/vpdq: seconds of video hashed per second of wall time (vPDQ, every frame, as the
 * reference hashes), on the reference sample videos. Printed against two limits: real time
 * (1.0x = as fast as the video plays) and ffmpeg's decode of the same frames to RGB with no
 * hashing (the most any ffmpeg-based hasher can reach). Median of several runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeVideoFrames, hashVideoFile, probeVideo } from '@safelight/media';
import { describeMachine, median } from '../machine.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const videosDir = resolve(root, '..', 'shared', 'data', 'pdq', 'tmk', 'sample-videos');
const rounds = process.argv.includes('--quick') ? 1 : 3;
const secondsPerHashArg = process.argv.indexOf('--seconds-per-hash');
const secondsPerHash = secondsPerHashArg > 0 ? Number(process.argv[secondsPerHashArg + 1]) : 0;

if (spawnSync('ffmpeg', ['-version']).status !== 0) {
  console.error('bench/vpdq needs ffmpeg (apt-get install ffmpeg)');
  process.exit(1);
}
const videos = ['doorknob-hd-no-bar.mp4', 'test-padded-dimensions.mp4']
  .map((n) => join(videosDir, n))
  .filter(existsSync);
if (videos.length === 0) {
  console.error(`no sample videos in ${videosDir}`);
  process.exit(1);
}

const machine = describeMachine();
console.log(`bench/vpdq on ${machine}; secondsPerHash ${secondsPerHash} (0 = every frame)`);
const rows = [];
for (const path of videos) {
  const info = await probeVideo(path);
  const frames = (await hashVideoFile(path, { secondsPerHash })).length;
  const duration = (await hashVideoFile(path)).length / info.frameRate;
  const hashSeconds: number[] = [];
  const decodeSeconds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let start = performance.now();
    for await (const _frame of decodeVideoFrames(path, { secondsPerHash })) {
      // decode only
    }
    decodeSeconds.push((performance.now() - start) / 1000);
    start = performance.now();
    await hashVideoFile(path, { secondsPerHash });
    hashSeconds.push((performance.now() - start) / 1000);
  }
  const hashWall = median(hashSeconds);
  const decodeWall = median(decodeSeconds);
  const row = {
    video: path.split('/').pop(),
    size: `${info.width}x${info.height}`,
    frameRate: info.frameRate,
    durationSeconds: duration,
    framesHashed: frames,
    wallSeconds: hashWall,
    videoSecondsPerWallSecond: duration / hashWall,
    decodeOnlyVideoSecondsPerWallSecond: duration / decodeWall,
  };
  rows.push(row);
  console.log(
    `${row.video} (${row.size} @ ${row.frameRate.toFixed(2)} fps, ${duration.toFixed(1)} s, ${frames} frames hashed): ` +
      `${row.videoSecondsPerWallSecond.toFixed(2)}x real time; decode-only ${row.decodeOnlyVideoSecondsPerWallSecond.toFixed(2)}x ` +
      `(hashing at ${((row.videoSecondsPerWallSecond / row.decodeOnlyVideoSecondsPerWallSecond) * 100).toFixed(0)}% of the decode limit)`,
  );
}
const outDir = join(root, 'bench/results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'vpdq.json'),
  `${JSON.stringify({ machine, date: new Date().toISOString(), secondsPerHash, rounds, rows }, null, 2)}\n`,
);
console.log(`results: ${join(outDir, 'vpdq.json')}`);
