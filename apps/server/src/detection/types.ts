// The shapes a detection deployment is written in, shared by config.ts, deployment.ts and the
// mode modules. Imports no mode module and nothing of the server (types only, plus the list of
// mode names), so every import between the detection files points one way (a DAG; checked with
// dpdm, see docs/detection-modes.md).
import type { BankSnapshot, DetectionModeName, MatchParameters } from '@safelight/detection';

export interface DetectionDeployment {
  readonly mode: DetectionModeName;
  /** The bank every mode matches against (entry ids and PDQ hashes). */
  readonly bank: BankSnapshot;
  /** Hamming radius (default 31) and PDQ quality floor (default 50). */
  readonly radius?: number;
  readonly qualityFloor?: number;
  readonly psi?: PsiDeploymentOptions;
  readonly he?: HeDeploymentOptions;
  readonly enclave?: EnclaveDeploymentOptions;
}

/** A validated deployment with its matching parameters resolved (deployment.ts checkDeployment). */
export interface CheckedDeployment extends DetectionDeployment {
  readonly parameters: MatchParameters;
}

export const DETECTION_MODE_NAMES: readonly DetectionModeName[] = [
  'server-plaintext',
  'client-match',
  'psi-threshold',
  'he-fuzzy',
  'enclave',
];

export interface PsiDeploymentOptions {
  /** t: matching vouchers per account before the server learns anything (default 10). */
  readonly threshold?: number;
  /** Share of images whose voucher is synthetic, hiding the match count below t (default 0.05). */
  readonly syntheticRate?: number;
  /** Worker threads opening vouchers (default: available cores). */
  readonly threads?: number;
  /**
   * Worker threads building the table at start-up (default: available cores for banks of 10,000
   * entries and more, the calling thread below that, where starting workers costs more).
   */
  readonly buildThreads?: number;
}

export interface HeDeploymentOptions {
  /** Result ciphertexts per query the bucketing aims at (default 4); fewer leaks more bucket bits. */
  readonly maxCiphertexts?: number;
  /** How long a challenge can be answered (60 s); a later answer is 410, with no verdict. */
  readonly answerTimeoutMs?: number;
  /**
   * Key sets kept per device (default 4). Each holds several MB of SEAL memory for as long as the
   * server runs (HeFuzzyServer has no way to drop one), so a device cannot register without bound.
   */
  readonly maxKeySetsPerDevice?: number;
  /** Worker threads for the encrypted distance (default: available cores; 0 = the server's thread). */
  readonly threads?: number;
  /**
   * AES-256 key (32 bytes) sealing the pending state of each challenge while it is stored (the
   * state holds the tokens that prove a match). Every server process sharing the challenge store
   * must use the same key. Default: generated on first start into `<dataDir>/he-challenge-key`
   * (0600) and reused.
   */
  readonly stateKey?: Uint8Array;
}

export interface EnclaveDeploymentOptions {
  /**
   * The software attestation platform's Ed25519 secret key (32 bytes). Default: generated on first
   * start into `<dataDir>/enclave-platform-key` (0600) and reused, so devices can keep trusting its
   * public key across restarts.
   */
  readonly platformSecretKey?: Uint8Array;
}

/** What the server hands a mode factory (taken as parameters: the detection files import no server module). */
export interface ModeFactoryContext {
  /** Ed25519 keys of an account's registered devices (client-match verifies reports with them). */
  readonly devicePublicKeys: (accountId: string) => Promise<Uint8Array[]>;
  /**
   * A secret of the server's data folder by file name, created on first use and reused (config.ts
   * loadOrCreateSecret over the data dir): the enclave's software platform key, he-fuzzy's state key.
   */
  readonly secret: (fileName: string) => Promise<Uint8Array>;
}
