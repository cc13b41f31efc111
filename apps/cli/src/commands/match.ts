import { extname } from 'node:path';
import { type BankHit, BankMatcher, HashbankError, type MatchVerdict } from '@safelight/hashbank';
import { hashImageFile, hashVideoFile } from '@safelight/media';
import { PDQ_MATCH_THRESHOLD } from '@safelight/pdq';
import { failure } from '../hash-job.js';
import { expandInputs, VIDEO_FILE_EXTENSIONS } from '../inputs.js';
import { formatTable } from '../table.js';
import { type Io, processIo, type StoreOptions, withRepository } from './bank/context.js';

export interface MatchCommandOptions {
  format: 'jsonl' | 'table';
  radius: number;
  videoMatchPercent: number;
  secondsPerHash: number;
  store: StoreOptions;
}

export interface MatchRunResult {
  matched: number;
  checked: number;
  failed: number;
  /** 0 something matched, 1 nothing matched, 2 a file could not be checked or bad usage (as grep). */
  exitCode: 0 | 1 | 2;
}

function hitRecord(path: string, hit: BankHit, status: 'match' | 'suppressed' | 'allowed') {
  return {
    path,
    status,
    bank: hit.bank,
    entry: hit.entryId,
    externalId: hit.externalId,
    signalType: hit.signalType,
    distance: hit.distance,
    ...(hit.queryMatchPercent !== undefined
      ? { queryMatchPercent: hit.queryMatchPercent, targetMatchPercent: hit.targetMatchPercent }
      : {}),
    labels: hit.labels,
  };
}

/**
 * `safelight match PATH...`: hashes images (PDQ, MD5, SHA-256) and videos (vPDQ) and looks them
 * up in every enabled bank. One record per hit (path, bank, entry, distance); hits overridden by
 * an allow-list bank are shown as suppressed and do not count as matches.
 */
export async function runMatch(
  operands: readonly string[],
  options: MatchCommandOptions,
  io: Io = processIo,
): Promise<MatchRunResult> {
  const files = await expandInputs(operands, { includeVideos: true });
  if (files.length === 0) {
    io.stderr('safelight match: no image or video files found in the given paths\n');
    return { matched: 0, checked: 0, failed: 0, exitCode: 2 };
  }
  return withRepository(options.store, async (repository): Promise<MatchRunResult> => {
    const matcher = await BankMatcher.load(repository, {
      radius: options.radius,
      videoMatchPercent: options.videoMatchPercent,
    });
    const rows: string[][] = [];
    let matched = 0;
    let failed = 0;
    for (const path of files) {
      let verdict: MatchVerdict;
      try {
        if (VIDEO_FILE_EXTENSIONS.has(extname(path).toLowerCase())) {
          verdict = matcher.matchVideo(await hashVideoFile(path, { secondsPerHash: options.secondsPerHash }));
        } else {
          const hashes = await hashImageFile(path);
          verdict = matcher.matchImage({
            pdq: hashes.quality > 0 ? hashes.pdq : undefined,
            md5: hashes.md5,
            sha256: hashes.sha256,
          });
        }
      } catch (error) {
        const outcome = failure(path, error);
        failed++;
        if (!outcome.ok) {
          io.stderr(`safelight match: ${path}: ${outcome.message} (${outcome.code})\n`);
          if (options.format === 'jsonl')
            io.stdout(
              `${JSON.stringify({ path, error: { code: outcome.code, message: outcome.message } })}\n`,
            );
        }
        continue;
      }
      if (verdict.matches.length > 0) matched++;
      const records = [
        ...verdict.matches.map((h) => hitRecord(path, h, 'match')),
        ...verdict.suppressed.map((h) => hitRecord(path, h, 'suppressed')),
        ...verdict.allowed.map((h) => hitRecord(path, h, 'allowed')),
      ];
      if (records.length === 0) {
        if (options.format === 'jsonl') io.stdout(`${JSON.stringify({ path, status: 'no-match' })}\n`);
        rows.push([path, 'no match', '', '', '', '']);
      }
      for (const r of records) {
        if (options.format === 'jsonl') io.stdout(`${JSON.stringify(r)}\n`);
        rows.push([path, r.status, r.bank, String(r.entry), r.signalType, String(r.distance)]);
      }
    }
    if (options.format === 'table') {
      io.stdout(formatTable([['path', 'status', 'bank', 'entry', 'signal', 'distance'], ...rows]));
    }
    io.stderr(`safelight match: ${files.length - failed} checked, ${matched} matched, ${failed} failed\n`);
    return {
      matched,
      checked: files.length - failed,
      failed,
      exitCode: failed > 0 ? 2 : matched > 0 ? 0 : 1,
    };
  }).catch((error: unknown): MatchRunResult => {
    if (error instanceof HashbankError) {
      io.stderr(`safelight match: ${error.message} (${error.code})\n`);
      return { matched: 0, checked: 0, failed: 0, exitCode: 2 };
    }
    throw error;
  });
}

export const MATCH_DEFAULTS = { radius: PDQ_MATCH_THRESHOLD, videoMatchPercent: 80, secondsPerHash: 0 };
