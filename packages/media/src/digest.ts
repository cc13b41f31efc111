import { createHash } from 'node:crypto';

/** Exact-match digests of a file's bytes, lowercase hex, as hash lists exchange them. */
export interface FileDigests {
  md5: string;
  sha256: string;
}

export function digestBytes(bytes: Uint8Array): FileDigests {
  return {
    md5: createHash('md5').update(bytes).digest('hex'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
