// The psi-threshold DetectionModeFactory.

import { randomBytes } from 'node:crypto';
import { DetectionError } from '../errors.js';
import {
  type BankSnapshot,
  DEFAULT_QUALITY_FLOOR,
  DEFAULT_RADIUS,
  type DetectionModeFactory,
  type DetectionSetupOptions,
  type LeakageStatement,
} from '../mode.js';
import { readHeader, withHeader } from '../wire.js';
import { type X25519Secret, x25519Base, x25519PrivateKey } from './crypto.js';
import { PsiError } from './errors.js';
import {
  bitsPerKeyFor,
  DEFAULT_KEY_PARAMETERS,
  type RobustKeyParameters,
  robustKeys,
  validateKeyParameters,
} from './keys.js';
import { PsiServerPool, type PsiServerPoolOptions } from './pool.js';
import { type PsiBankIndex, PsiClient, type PsiPublicParameters, PsiServer } from './protocol.js';
import { type PsiPublication, publishPsiParameters } from './publication.js';
import { buildBlindedTable, buildBlindedTableParallel, type ParallelBuildOptions } from './table.js';

export interface PsiThresholdOptions {
  /** t: matching vouchers an account needs before the server learns anything (default 10). */
  readonly threshold?: number;
  /** Fraction of images whose voucher is synthetic (default 0.05). */
  readonly syntheticRate?: number;
  /** Robust-key parameters; bitsPerKey defaults to bitsPerKeyFor(bank size, L, targetFalseOpenRate). */
  readonly keys?: Partial<RobustKeyParameters>;
  /** Share of unrelated images allowed to open their outer layer (default 0.01); sizes b. */
  readonly targetFalseOpenRate?: number;
  /** Scripted randomness for the synthetic decision (tests); default crypto-random. */
  readonly random?: () => number;
  readonly maxCombinations?: number;
}

export const DEFAULT_THRESHOLD = 10;
/** Distinct keys above which setup builds the table on worker threads. */
const PARALLEL_BUILD_KEYS = 20_000;
export const DEFAULT_SYNTHETIC_RATE = 0.05;

export const PSI_THRESHOLD_LEAKAGE: LeakageStatement = {
  server:
    "Below t matching vouchers per account: nothing about any image, not even how many matched (synthetic vouchers open like matches and carry dummy shares); it sees each voucher's size, time and account. At t it reconstructs the account key and decrypts exactly the vouchers whose robust key hit the bank (PDQ hash, quality, conversation/message id, attachment key), then confirms the distance; a robust-key collision (an unrelated image sharing one sampled-bit key) is decrypted too and then discarded.",
  client:
    'The blinded table (u(k·H(key)) per bank key, cuckoo-placed, random padding) reveals nothing about entries without the server key; it reveals the table size (≈ 2.2 × bank size × L) and the public key-sampling parameters. The client never learns whether any of its images matched.',
  subversion:
    'The server can put any hash into the table: a device cannot check entries, only that its table and parameters are the ones published beside the bank commitment (verifyPsiParameters), so every device gets the same table; whether that table holds exactly the committed bank is checked by an auditor who rebuilds it with the bank and the server key (auditPsiTable). A subverted bank still matches whatever it targets; the threshold and synthetic vouchers hold it to t matches per account before anything decrypts. A subverted client can withhold or forge vouchers.',
};

function validate(threshold: number, syntheticRate: number): void {
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 1000)
    throw new PsiError('PSI_INVALID_THRESHOLD', 'threshold must be an integer in 1..1000');
  if (!(syntheticRate >= 0 && syntheticRate < 1))
    throw new PsiError('PSI_INVALID_SYNTHETIC_RATE', 'syntheticRate must be in [0, 1)');
}

/** The bank's key index and its distinct robust keys (the table's contents). */
function indexBank(bank: BankSnapshot, keys: RobustKeyParameters) {
  if (bank.entries.length === 0) throw new PsiError('PSI_EMPTY_BANK', 'bank.entries is empty');
  validateKeyParameters(keys);
  const keyIndex = new Map<string, number[]>();
  const distinct: Uint8Array[] = [];
  bank.entries.forEach((entry, index) => {
    for (const key of robustKeys(entry.pdq, keys)) {
      const id = Buffer.from(key).toString('hex');
      const list = keyIndex.get(id);
      if (list) {
        if (list[list.length - 1] !== index) list.push(index);
      } else {
        keyIndex.set(id, [index]);
        distinct.push(key);
      }
    }
  });
  const index: PsiBankIndex = { bankName: bank.bankName, entries: bank.entries, keyIndex };
  return { index, distinct };
}

/** Builds the server's secret key, the bank's key index and the blinded table (one thread). */
export function buildPsiBank(bank: BankSnapshot, keys: RobustKeyParameters) {
  const { index, distinct } = indexBank(bank, keys);
  const serverKey = x25519PrivateKey(randomBytes(32));
  const table = buildBlindedTable(distinct, serverKey);
  return { serverKey, serverPublic: x25519Base(serverKey), table, index, distinctKeys: distinct.length };
}

/** buildPsiBank with the table's group operations on worker threads (banks of 100k and more). */
export async function buildPsiBankParallel(
  bank: BankSnapshot,
  keys: RobustKeyParameters,
  options: ParallelBuildOptions = {},
) {
  const { index, distinct } = indexBank(bank, keys);
  const serverKey = x25519PrivateKey(randomBytes(32));
  const table = await buildBlindedTableParallel(distinct, serverKey, options);
  return { serverKey, serverPublic: x25519Base(serverKey), table, index, distinctKeys: distinct.length };
}

export function createPsiThresholdMode(options: PsiThresholdOptions = {}): DetectionModeFactory & {
  /**
   * Both halves as PsiClient / PsiServer (raw vouchers, no shared header), for tests and benches;
   * `pool()` wraps the server in worker threads for throughput (caller closes it).
   */
  setupDetailed(
    setup: DetectionSetupOptions,
    /** Build the table over worker threads (banks of 100k and more; a deployment's start-up). */
    build?: ParallelBuildOptions,
  ): Promise<{
    client: PsiClient;
    server: PsiServer;
    pool(options?: PsiServerPoolOptions): PsiServerPool;
    /** What devices download (checked against `publication`). */
    params: PsiPublicParameters;
    publication: PsiPublication;
    /** For audits (auditPsiTable) and tests; a deployment keeps it on the server. */
    serverKey: X25519Secret;
  }>;
} {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const syntheticRate = options.syntheticRate ?? DEFAULT_SYNTHETIC_RATE;
  const base: RobustKeyParameters = { ...DEFAULT_KEY_PARAMETERS, ...options.keys };
  validate(threshold, syntheticRate);
  validateKeyParameters(base);
  const target = options.targetFalseOpenRate;
  if (target !== undefined) bitsPerKeyFor(1, 1, target); // validates
  const setupDetailed = async (setup: DetectionSetupOptions, build?: ParallelBuildOptions) => {
    const radius = setup.radius ?? DEFAULT_RADIUS;
    const qualityFloor = setup.qualityFloor ?? DEFAULT_QUALITY_FLOOR;
    const keys: RobustKeyParameters = {
      ...base,
      bitsPerKey:
        options.keys?.bitsPerKey ??
        bitsPerKeyFor(setup.bank.entries.length, base.keysPerImage, options.targetFalseOpenRate),
    };
    // Worker threads pay off once the bank has more than a few thousand keys (10k entries: 67 s on
    // one thread, 33 s on two workers here); small test banks stay on this thread unless the
    // caller asks for workers.
    const built =
      build || setup.bank.entries.length * keys.keysPerImage > PARALLEL_BUILD_KEYS
        ? await buildPsiBankParallel(setup.bank, keys, build)
        : buildPsiBank(setup.bank, keys);
    const params: PsiPublicParameters = {
      keys,
      table: built.table,
      serverPublic: built.serverPublic,
      threshold,
    };
    // What the platform publishes beside the bank commitment (publication.ts). Devices check
    // their download against it (verifyPsiParameters, in the SDK's provisioning); the in-process
    // client below holds these very params, so re-hashing the table here would only cost time.
    const publication = await publishPsiParameters(params, setup.bank);
    const client = new PsiClient(params, { syntheticRate, qualityFloor, random: options.random });
    const server = new PsiServer(built.serverKey, params, built.index, {
      radius,
      qualityFloor,
      maxCombinations: options.maxCombinations,
    });
    const pool = (poolOptions?: PsiServerPoolOptions) =>
      new PsiServerPool(server, built.serverKey, keys.keysPerImage, poolOptions);
    return { client, server, pool, params, publication, serverKey: built.serverKey };
  };
  return {
    name: 'psi-threshold',
    leakage: PSI_THRESHOLD_LEAKAGE,
    setupDetailed,
    async setup(setup: DetectionSetupOptions) {
      const { client, server, params } = await setupDetailed(setup);
      // Through the system vouchers carry the shared detection header (registry, send path), so
      // a payload from another mode is refused the same way everywhere; the voucher sits inside.
      return {
        client: {
          mode: 'psi-threshold' as const,
          prepare: async (signals: Parameters<typeof client.prepare>[0]) => {
            const voucher = await client.prepare(signals);
            return voucher === undefined ? undefined : withHeader('psi-threshold', voucher);
          },
        },
        server: {
          mode: 'psi-threshold' as const,
          evaluate: async (payload: Uint8Array, context: Parameters<typeof server.evaluate>[1]) => {
            const voucher = readHeader('psi-threshold', payload);
            try {
              return await server.evaluate(voucher, context);
            } catch (error) {
              if (error instanceof PsiError && error.code === 'PSI_MALFORMED_VOUCHER') {
                throw new DetectionError(
                  'DETECTION_MALFORMED_PAYLOAD',
                  'psi-threshold voucher refused (PSI_MALFORMED_VOUCHER)',
                );
              }
              throw error;
            }
          },
        },
        close: async () => {},
        // A device downloads the blinded table (and a publication of a few hundred bytes).
        clientDownloadBytes: params.table.elements.length,
      };
    },
  };
}

/**
 * The per-image configuration (t = 1, no synthetic vouchers) that the shared acceptance suite and
 * a one-image-at-a-time registry exercise: every matching image is revealed at once. Production
 * deployments use createPsiThresholdMode({ threshold: t > 1, syntheticRate > 0 }).
 */
export const psiThresholdMode: DetectionModeFactory = createPsiThresholdMode({
  threshold: 1,
  syntheticRate: 0,
});
