import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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
