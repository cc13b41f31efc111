// One interface for every way of finding known images in end-to-end encrypted messaging. A mode
// has a client half (on the sender's device, before encryption) and a server half (on the
// delivery server, which never sees the image). Each states what it leaks, to whom.
import type { PdqHash } from '@safelight/pdq';

export type DetectionModeName =
  | 'server-plaintext'
  | 'client-match'
  | 'psi-threshold'
  | 'he-fuzzy'
  | 'enclave';

/** What the device computed from one image before encrypting it. */
export interface ImageSignals {
  /** PDQ hash of the image (packages/pdq) and its quality (0..100). */
  readonly pdq: PdqHash;
  readonly quality: number;
  /** The image bytes: only the server-plaintext baseline ever sends them. */
  readonly bytes?: Uint8Array | undefined;
  /** Where the image is going: lets a mode bind its payload to one message. */
  readonly context: DetectionContext;
}

export interface DetectionContext {
  readonly accountId: string;
  readonly conversationId: string;
  readonly messageId: string;
}

/** A match the server learned. Fields beyond `bankEntryId` are what the mode's leakage allows. */
export interface DetectionVerdict {
  readonly mode: DetectionModeName;
  readonly context: DetectionContext;
  /** The matched bank entry, when the mode reveals it to the server. */
  readonly bankEntryId?: string | undefined;
  readonly bankName?: string | undefined;
  /** Hamming distance, when the mode reveals it (he-fuzzy deliberately does not). */
  readonly distance?: number | undefined;
  /** Mode-specific evidence (e.g. decrypted voucher payloads for psi-threshold). */
  readonly evidence?: Readonly<Record<string, unknown>> | undefined;
}

/** Plain statement of what a mode lets each party learn; printed by docs and the bench. */
export interface LeakageStatement {
  readonly server: string;
  readonly client: string;
  readonly subversion: string;
}

/** Sender side: turns one image's signals into the payload that travels with the message. */
export interface ClientDetector {
  readonly mode: DetectionModeName;
  /** Undefined when this mode sends nothing for the image (e.g. below the quality floor). */
  prepare(signals: ImageSignals): Promise<Uint8Array | undefined>;
}

/** Server side: judges one payload. Undefined = nothing learned (no match, or below threshold). */
export interface ServerEvaluator {
  readonly mode: DetectionModeName;
  evaluate(payload: Uint8Array, context: DetectionContext): Promise<DetectionVerdict[] | undefined>;
}

/** A bank's entries as the modes consume them (built from packages/hashbank). */
export interface BankSnapshot {
  readonly bankName: string;
  readonly entries: ReadonlyArray<{ readonly id: string; readonly pdq: PdqHash }>;
  /** Hex Merkle root (packages/hashbank commitment) the client can check the snapshot against. */
  readonly commitment?: string | undefined;
}

export interface DetectionModeFactory {
  readonly name: DetectionModeName;
  readonly leakage: LeakageStatement;
  /** Builds both halves over one bank; a mode may set up keys, tables or processes here. */
  setup(options: DetectionSetupOptions): Promise<DetectionModeInstance>;
}

export interface DetectionModeInstance {
  readonly client: ClientDetector;
  readonly server: ServerEvaluator;
  close(): Promise<void>;
  /**
   * Bytes each device downloads once per bank version before it can prepare payloads (the
   * client-match snapshot, a PSI blinded table, an attestation document), when the mode has any.
   */
  readonly clientDownloadBytes?: number | undefined;
}

export interface DetectionSetupOptions {
  readonly bank: BankSnapshot;
  /** Matching radius in PDQ bits (default 31, the PDQ reference threshold). */
  readonly radius?: number;
  /** Images with PDQ quality below this are ignored (default 50). */
  readonly qualityFloor?: number;
}

export const DEFAULT_RADIUS = 31;
export const DEFAULT_QUALITY_FLOOR = 50;
