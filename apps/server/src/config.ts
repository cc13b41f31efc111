import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerEvaluator } from '@safelight/detection';
import type { ServerFrankingKey } from '@safelight/franking';
import type { AgeAssurance } from '@safelight/safety';
import type { DetectionDeployment } from './detection/deployment.js';
import { ServerError } from './errors.js';
import type { WebConfig } from './routes/web.js';
import type { ModerationConfig } from './services/moderation/config.js';
import type { RiskConfig } from './services/risk.js';
import type { SurfacesConfig } from './services/surfaces.js';

export const DEFAULT_DATA_DIR = '.safelight/data';
export const FRANKING_KEY_FILE = 'franking-key';

export type StorageConfig =
  | { kind: 'sqlite'; dataDir: string }
  | { kind: 'postgres'; url: string; schema?: string };

export interface ServerLimits {
  /** Largest JSON body of a message or commit request, and largest MLS message (default 1 MiB). */
  messageBytes: number;
  /** Largest blob (default 25 MiB). */
  blobBytes: number;
  /** Key packages stored per device (default 500). */
  keyPackagesPerDevice: number;
  /** Largest inbox page (default 500). */
  inboxPage: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  messageBytes: 1024 * 1024,
  blobBytes: 25 * 1024 * 1024,
  keyPackagesPerDevice: 500,
  inboxPage: 500,
};

/** Where log lines go: a pino level and any object with write(line). */
export interface LoggerConfig {
  level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  stream?: { write(line: string): unknown };
}

export interface ServerConfig {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port (see `url` after listen()). */
  port?: number;
  /** Default SQLite in .safelight/data. */
  storage?: StorageConfig;
  /**
   * Folder for the server's own files (franking key, default blob dir). Default: the SQLite
   * dataDir, else .safelight/data.
   */
  dataDir?: string;
  /** Default `<dataDir>/blobs`. */
  blobDir?: string;
  limits?: Partial<ServerLimits>;
  /**
   * Franking root secret (>= 32 bytes) and its key id. Default: 32 random bytes generated on first
   * start into `<dataDir>/franking-key` (mode 0600) and reused after; key id from its hash.
   */
  franking?: ServerFrankingKey;
  /** false silences logging; default info level to stdout. */
  logger?: LoggerConfig | false;
  /** Session lifetime (default 30 days). */
  sessionTtlMs?: number;
  /** For tests: the clock (ms since the epoch). */
  now?: () => number;
  /** Safety by design (services/safety/, docs/safety.md). */
  safety?: SafetyConfig;
  /** Reports and moderation: staff accounts and report limits (services/moderation.ts, docs/reporting.md). */
  moderation?: ModerationConfig;
  /**
   * The detection mode the platform runs (docs/detection-modes.md). A deployment
   * (`{ mode, bank, radius?, qualityFloor?, psi?, he?, enclave? }`, detection/deployment.ts): the
   * server builds the mode's server half and provisions its client half to devices at
   * GET /v1/detection/device (plus the PSI table, he-fuzzy keys and answers). Or a bare server half
   * (a ServerEvaluator) when the embedding code hands devices their half itself; devices then read
   * `{ mode: null }`. Without it POST /v1/detection/evaluate answers NOT_FOUND.
   */
  detection?: DetectionDeployment | ServerEvaluator;
  /** Serves the built web app (apps/web) at / and /console (routes/web.ts). */
  web?: WebConfig;
  /** Checks on the unencrypted surfaces: term lists for names, a bank for avatars (services/surfaces.ts). */
  surfaces?: SurfacesConfig;
  /** The metadata risk engine on live events: its thresholds (services/risk.ts, subscribers/risk.ts). */
  risk?: RiskConfig;
}

export interface SafetyConfig {
  /**
   * Registration must declare `dateOfBirth` (default false, so clients that predate it keep
   * working). When true, an account without a declared age (made before the flag) is treated as
   * 13-15, the most protected band; when false, as an adult (docs/safety.md, "Undeclared ages").
   */
  requireBirthDate?: boolean;
  /**
   * The age-assurance hook (ID document, facial estimation, parent vouching...), run when a
   * declared birth date would move an account to another band. Without it such changes are refused.
   */
  ageAssurance?: AgeAssurance;
}

export interface ResolvedConfig {
  host: string;
  port: number;
  storage: StorageConfig;
  dataDir: string;
  blobDir: string;
  limits: ServerLimits;
  logger: LoggerConfig | false;
  sessionTtlMs: number;
  now: () => number;
}

export function resolveConfig(config: ServerConfig): ResolvedConfig {
  const storage = config.storage ?? { kind: 'sqlite', dataDir: DEFAULT_DATA_DIR };
  const dataDir = config.dataDir ?? (storage.kind === 'sqlite' ? storage.dataDir : DEFAULT_DATA_DIR);
  const limits = { ...DEFAULT_LIMITS, ...config.limits };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ServerError('VALIDATION_FAILED', `limits.${name} must be a positive integer`);
    }
  }
  return {
    host: config.host ?? '127.0.0.1',
    port: config.port ?? 8080,
    storage,
    dataDir,
    blobDir: config.blobDir ?? join(dataDir, 'blobs'),
    limits,
    logger: config.logger ?? {},
    sessionTtlMs: config.sessionTtlMs ?? 30 * 24 * 3600 * 1000,
    now: config.now ?? Date.now,
  };
}

/** The configured franking key, or the one persisted in dataDir (created on first start). */
export async function loadFrankingKey(
  configured: ServerFrankingKey | undefined,
  dataDir: string,
): Promise<ServerFrankingKey> {
  if (configured !== undefined) {
    if (!(configured.key instanceof Uint8Array) || configured.key.length < 32) {
      throw new ServerError('VALIDATION_FAILED', 'franking.key must be at least 32 bytes');
    }
    return configured;
  }
  const key = await loadOrCreateSecret(dataDir, FRANKING_KEY_FILE);
  // Public and stable: derived from the secret by a one-way hash with its own label.
  const keyId = `fk-${createHash('sha256').update('safelight franking key id\n').update(key).digest('hex').slice(0, 16)}`;
  return { keyId, key };
}

/**
 * A 32-byte secret kept in `dataDir/name` (created 0600 on first start, reused after): the
 * franking root key and the evidence key live this way on the embedded default.
 */
export async function loadOrCreateSecret(dataDir: string, name: string): Promise<Uint8Array> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, name);
  let key: Uint8Array;
  try {
    const handle = await open(path, 'wx', 0o600);
    key = randomBytes(32);
    try {
      await handle.writeFile(key);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    key = new Uint8Array(await readFile(path));
    if (key.length < 32) {
      throw new ServerError('STORAGE_FAILED', `${path} holds ${key.length} bytes, need at least 32`);
    }
  }
  return key;
}
