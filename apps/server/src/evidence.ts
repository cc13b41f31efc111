import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ServerError } from './errors.js';

/** File in the data directory holding the evidence encryption key. */
export const EVIDENCE_KEY_FILE = 'evidence-key';

/**
 * Report contents are what users chose to reveal — plaintext the server otherwise never holds —
 * so they are kept encrypted at rest (AES-256-GCM, Node's crypto), bound to their report id, and
 * deleted when the preservation period ends. Format: "ev1:" + base64url(nonce || ciphertext || tag).
 * (A production deployment would keep this key in a KMS; the file is the embedded default.)
 */
export class EvidenceVault {
  constructor(private readonly key: Uint8Array) {
    if (key.length !== 32) throw new Error('evidence key must be 32 bytes');
  }

  seal(reportId: string, value: unknown): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(`safelight-evidence-v1\n${reportId}`));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return `ev1:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  open(reportId: string, sealed: string): unknown {
    if (!sealed.startsWith('ev1:'))
      throw new ServerError('STORAGE_FAILED', `report ${reportId}: evidence is not sealed`);
    const bytes = Buffer.from(sealed.slice(4), 'base64url');
    if (bytes.length < 28)
      throw new ServerError('STORAGE_FAILED', `report ${reportId}: evidence is truncated`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(`safelight-evidence-v1\n${reportId}`));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      const text = Buffer.concat([
        decipher.update(bytes.subarray(12, bytes.length - 16)),
        decipher.final(),
      ]).toString('utf8');
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new ServerError(
        'STORAGE_FAILED',
        `report ${reportId}: evidence does not open (wrong key or altered)`,
        {},
        { cause },
      );
    }
  }
}

/**
 * Reported media, sealed one file per attachment under `<dataDir>/evidence/<reportId>/<n>`
 * (write to a temp file, fsync, rename), bound to report id and index. Deleted with the report's
 * contents when the preservation period ends.
 */
export class EvidenceFiles {
  constructor(
    private readonly dir: string,
    private readonly key: Uint8Array,
  ) {}

  private path(reportId: string, index: number): string {
    if (!/^rep_[A-Za-z0-9_-]+$/.test(reportId) || !Number.isSafeInteger(index) || index < 0) {
      throw new ServerError('VALIDATION_FAILED', 'bad evidence file name');
    }
    return join(this.dir, reportId, String(index));
  }

  async put(reportId: string, index: number, bytes: Uint8Array): Promise<void> {
    const path = this.path(reportId, index);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(`safelight-evidence-file-v1\n${reportId}\n${index}`));
    const sealed = Buffer.concat([nonce, cipher.update(bytes), cipher.final(), cipher.getAuthTag()]);
    const temp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(sealed);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  }

  async get(reportId: string, index: number): Promise<Uint8Array> {
    let sealed: Buffer;
    try {
      sealed = await readFile(this.path(reportId, index));
    } catch {
      throw new ServerError('NOT_FOUND', `no preserved file ${index} for report ${reportId}`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(`safelight-evidence-file-v1\n${reportId}\n${index}`));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      return new Uint8Array(
        Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]),
      );
    } catch (cause) {
      throw new ServerError(
        'STORAGE_FAILED',
        `preserved file ${index} of ${reportId} does not open`,
        {},
        { cause },
      );
    }
  }

  async deleteReport(reportId: string): Promise<void> {
    if (!/^rep_[A-Za-z0-9_-]+$/.test(reportId)) return;
    await rm(join(this.dir, reportId), { recursive: true, force: true });
  }
}
