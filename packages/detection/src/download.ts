// What a device downloads from `GET /v1/detection/device` to build the platform's client half: one
// JSON shape per mode, shared by the server that serves it (apps/server/src/detection) and the
// client SDK that consumes it (packages/client/src/detection). Types only, so browser code can
// import them (through ./device) without pulling in any mode's implementation.
// Type-only: psi/publication.ts itself is Node code, its JSON shape is not.
import type { PsiPublication } from './psi/publication.js';
import type { PublishedCommitment } from './snapshot.js';

/** The path the psi-threshold blinded table is served at (binary, see psi/table-file.ts). */
export const PSI_TABLE_PATH = '/v1/detection/psi/table';

/** The server runs no detection mode (or one whose client half it does not provision). */
export interface NoDetectionDownload {
  readonly mode: null;
}

/**
 * server-plaintext: nothing to download. The device sends the image bytes themselves: the
 * non-E2EE baseline, not an option for an end-to-end encrypted messenger.
 */
export interface ServerPlaintextDownload {
  readonly mode: 'server-plaintext';
}

/** client-match: the whole bank snapshot (b64url) and the published commitment it must match. */
export interface ClientMatchDownload {
  readonly mode: 'client-match';
  readonly bankName: string;
  readonly snapshot: string;
  readonly commitment: PublishedCommitment;
  readonly radius: number;
  readonly qualityFloor: number;
}

/**
 * psi-threshold: the publication that ties the blinded table to the bank's commitment, and where
 * to fetch the table (binary; a 1M-entry bank's table is ~800 MB). The device checks the table
 * against the publication (verifyPsiParameters) before it makes any voucher.
 */
export interface PsiThresholdDownload {
  readonly mode: 'psi-threshold';
  readonly publication: PsiPublication;
  readonly radius: number;
  readonly qualityFloor: number;
  /** Share of images whose voucher is synthetic (hides the match count below t). */
  readonly syntheticRate: number;
  readonly table: { readonly url: string; readonly bytes: number };
}

/**
 * he-fuzzy: the BFV parameter fingerprint (hex, he/params.ts) the device's keys must be made
 * under, how many PDQ bits it reveals as its bucket key, and the matching parameters. The device
 * then registers its evaluation keys once (POST /v1/detection/he/keys).
 */
export interface HeFuzzyDownload {
  readonly mode: 'he-fuzzy';
  readonly parameters: string;
  readonly bucketBits: number;
  readonly radius: number;
  readonly qualityFloor: number;
}

/**
 * enclave: the matcher's attestation document (b64url; it carries the HPKE public key the device
 * seals to). What the device trusts — the allowed measurements and the attestation verifier — is
 * never part of this download: it comes with the device's build.
 */
export interface EnclaveDownload {
  readonly mode: 'enclave';
  readonly provider: string;
  readonly attestation: string;
  readonly bankName: string;
  readonly radius: number;
  readonly qualityFloor: number;
}

export type DeviceDetectionDownload =
  | NoDetectionDownload
  | ServerPlaintextDownload
  | ClientMatchDownload
  | PsiThresholdDownload
  | HeFuzzyDownload
  | EnclaveDownload;
