import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ServerError } from './errors.js';

const BLOB_ID = /^[0-9a-f]{64}$/;

/**
 * Content-addressed encrypted blobs on disk: `<dir>/<aa>/<sha256 hex>`. An upload streams to a
 * temporary file while hashing and counting, is fsynced, then renamed into place (atomic: a blob
 * is either absent or complete). Uploading the same bytes twice is a no-op.
 */
export class BlobStore {
  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  async init(): Promise<void> {
    await mkdir(join(this.dir, 'tmp'), { recursive: true });
  }

  pathOf(blobId: string): string {
    return join(this.dir, blobId.slice(0, 2), blobId);
  }

  async put(body: AsyncIterable<Uint8Array> | Readable): Promise<{ blobId: string; size: number }> {
    const tmp = join(this.dir, 'tmp', `${randomBytes(12).toString('hex')}.part`);
    const hash = createHash('sha256');
    const file = await open(tmp, 'wx', 0o600);
    let size = 0;
    let ok = false;
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > this.maxBytes) {
          throw new ServerError('BLOB_TOO_LARGE', `blob is over the ${this.maxBytes}-byte limit`, {
            limit: this.maxBytes,
          });
        }
        hash.update(chunk);
        await file.write(chunk);
      }
      await file.sync();
      ok = true;
    } finally {
      await file.close();
      if (!ok) await rm(tmp, { force: true });
    }
    const blobId = hash.digest('hex');
    const target = this.pathOf(blobId);
    await mkdir(join(this.dir, blobId.slice(0, 2)), { recursive: true });
    await rename(tmp, target);
    await syncDir(join(this.dir, blobId.slice(0, 2)));
    return { blobId, size };
  }

  async get(blobId: string): Promise<{ size: number; stream: Readable }> {
    if (!BLOB_ID.test(blobId)) {
      throw new ServerError('VALIDATION_FAILED', 'blobId must be 64 lowercase hex digits');
    }
    const path = this.pathOf(blobId);
    try {
      const info = await stat(path);
      return { size: info.size, stream: createReadStream(path) };
    } catch {
      throw new ServerError('BLOB_NOT_FOUND', `no blob ${blobId}`);
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the file itself is already synced.
  } finally {
    await handle.close();
  }
}
