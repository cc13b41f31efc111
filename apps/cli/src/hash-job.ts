import type { HashFileOptions, ImageFileHashes } from '@safelight/media';

/** What hashing one file produced: the hashes, or the reason it failed. */
export type HashOutcome =
  | { ok: true; path: string; hashes: ImageFileHashes }
  | { ok: false; path: string; code: string; message: string };

export interface HashJob {
  path: string;
  options: HashFileOptions;
}

/** Turns any thrown value into a per-file failure with a stable code. */
export function failure(path: string, error: unknown): HashOutcome {
  const code = (error as { code?: unknown })?.code;
  return {
    ok: false,
    path,
    code: typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'HASH_FAILED',
    message: error instanceof Error ? error.message : String(error),
  };
}
