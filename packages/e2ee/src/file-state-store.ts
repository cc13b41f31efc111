// Node-only store: kept out of the main entry (`@safelight/e2ee`) so browser bundles never see
// node:fs. Import it from `@safelight/e2ee/node`.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkStoreKey, type DeviceStateStore } from './state-store.js';

/**
 * One file per key in `dir` (created 0700). `set` writes a temporary file (mode 0600), fsyncs it,
 * renames it over the old file (atomic on POSIX) and fsyncs the directory, so a crash leaves the
 * old or the new value.
 */
export class FileStateStore implements DeviceStateStore {
  constructor(readonly dir: string) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    checkStoreKey(key);
    try {
      return new Uint8Array(await readFile(join(this.dir, key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    checkStoreKey(key);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = join(this.dir, key);
    const temp = join(this.dir, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(value);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await syncDirectory(this.dir);
  }

  async delete(key: string): Promise<void> {
    checkStoreKey(key);
    await rm(join(this.dir, key), { force: true });
    await syncDirectory(this.dir);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}
