import type { FrankingKeyring, ServerFrankingKey } from '@safelight/franking';
import { DEFAULT_RETENTION_MS } from '@safelight/reporting';
import type { BlobStore } from '../../blobs.js';
import { loadOrCreateSecret } from '../../config.js';
import { EVIDENCE_KEY_FILE, EvidenceFiles, EvidenceVault } from '../../evidence.js';
import type { ModerationConfig } from './config.js';
import { type FilerAccess, NcmecFiler } from './ncmec.js';
import { StaffDirectory } from './staff.js';

/** What the moderation service shares across transactions (built once, at start). */
export interface ModerationDeps {
  readonly config: ModerationConfig;
  /** Who may call the staff API (the staff plugin's hook). */
  readonly staff: StaffDirectory;
  readonly vault: EvidenceVault;
  readonly files: EvidenceFiles;
  readonly blobs: BlobStore;
  /** The franking keys a report's franks are verified with. */
  readonly keyring: FrankingKeyring;
  readonly retentionMs: number;
  /** The CyberTipline filer, when `moderation.ncmec` is configured. */
  readonly ncmec: NcmecFiler | undefined;
}

export async function createModerationDeps(options: {
  config: ModerationConfig | undefined;
  dataDir: string;
  frankingKey: ServerFrankingKey;
  blobs: BlobStore;
  access: FilerAccess;
}): Promise<ModerationDeps> {
  const config = options.config ?? {};
  const evidenceKey = await loadOrCreateSecret(options.dataDir, EVIDENCE_KEY_FILE);
  const { frankingKey } = options;
  return {
    config,
    staff: new StaffDirectory(config.staff),
    vault: new EvidenceVault(evidenceKey),
    files: new EvidenceFiles(`${options.dataDir}/evidence`, evidenceKey),
    blobs: options.blobs,
    keyring: { [frankingKey.keyId]: { key: frankingKey.key, notAfter: Number.MAX_SAFE_INTEGER } },
    retentionMs: config.retentionMs ?? DEFAULT_RETENTION_MS,
    ncmec: config.ncmec ? new NcmecFiler(config.ncmec, options.access) : undefined,
  };
}
