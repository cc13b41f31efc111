// client-match: the device downloads the bank (PDQ hashes + entry ids) with the bank's Merkle
// commitment, checks the snapshot against the commitment, matches on the device and sends a
// signed match report only when an image matches. Non-matches send nothing.
import { ed25519 } from '@noble/curves/ed25519.js';
import { BankIndex, type MatchParameters, matchParameters } from './bank-match.js';
import { bytesEqual } from './bytes.js';
import { DetectionError } from './errors.js';
import type {
  BankSnapshot,
  ClientDetector,
  DetectionContext,
  DetectionModeFactory,
  DetectionVerdict,
  ImageSignals,
  LeakageStatement,
  ServerEvaluator,
} from './mode.js';
import {
  commitBankSnapshot,
  encodeBankSnapshot,
  openBankSnapshot,
  type PublishedCommitment,
} from './snapshot.js';
import { assertSameContext, concat, encodeContext, payloadHeader, Reader, readHeader } from './wire.js';

const MODE = 'client-match' as const;
const SIGNATURE_DOMAIN = new TextEncoder().encode('safelight/detection/client-match/report/v1');
const encoder = new TextEncoder();

export const clientMatchLeakage: LeakageStatement = {
  server:
    'Only what the client chooses to send: for a match, a signed report naming the bank entry, the Hamming ' +
    'distance, the image quality and the message it belongs to; for a non-match, nothing at all (not even ' +
    'that the check ran). The server never sees the image or its hash.',
  client:
    'The whole hash list: every device downloads every PDQ hash and entry id of the bank, so anyone can ' +
    'test their own images offline against it, learn which ones are known, and alter them until they no ' +
    'longer match (PDQ near-duplicates within radius 31 are found, but the list itself is disclosed). The ' +
    'Merkle commitment lets the device check it got the same list as everyone else, not what is on it.',
  subversion:
    'A modified client simply never reports (or reports for images it never sent): the server cannot tell a ' +
    'silent non-match from a suppressed match, so this mode only catches users who run the unmodified app. ' +
    'A server that hands out a different list than the published commitment is caught by the device; a ' +
    'server that publishes a list with non-abuse images in it is not (audits of the list are the only check).',
};

/** The device side: holds a verified bank snapshot and the device's Ed25519 signing key. */
export class ClientMatchDevice implements ClientDetector {
  readonly mode = MODE;
  private constructor(
    private readonly index: BankIndex,
    private readonly bankName: string,
    private readonly secretKey: Uint8Array,
    readonly publicKey: Uint8Array,
  ) {}

  /**
   * Opens a downloaded snapshot after checking it against the published commitment (refuses a
   * tampered entry or a wrong root with DETECTION_SNAPSHOT_COMMITMENT_MISMATCH).
   */
  static async fromSnapshot(
    snapshot: Uint8Array,
    commitment: PublishedCommitment,
    options: { secretKey: Uint8Array; radius?: number; qualityFloor?: number },
  ): Promise<ClientMatchDevice> {
    const parameters = matchParameters(options);
    if (!(options.secretKey instanceof Uint8Array) || options.secretKey.length !== 32) {
      throw new DetectionError('DETECTION_INVALID_OPTION', 'secretKey must be a 32-byte Ed25519 secret key');
    }
    const bank = await openBankSnapshot(snapshot, commitment);
    return new ClientMatchDevice(
      new BankIndex(bank.entries, parameters),
      bank.bankName,
      options.secretKey,
      ed25519.getPublicKey(options.secretKey),
    );
  }

  async prepare(signals: ImageSignals): Promise<Uint8Array | undefined> {
    const match = this.index.match(signals.pdq, signals.quality);
    if (match === undefined) return undefined;
    const body = concat(
      payloadHeader(MODE),
      encodeContext(signals.context),
      lengthPrefixed(this.bankName),
      lengthPrefixed(match.bankEntryId),
      Uint8Array.of(match.distance, Math.max(0, Math.min(100, Math.round(signals.quality)))),
      this.publicKey,
    );
    return concat(body, ed25519.sign(concat(SIGNATURE_DOMAIN, body), this.secretKey));
  }
}

/** Which Ed25519 keys belong to the account's devices (the server's directory). */
export type DeviceKeyResolver = (accountId: string) => Promise<readonly Uint8Array[]> | readonly Uint8Array[];

/** The server side: verifies a report and turns it into a verdict; it never sees images or hashes. */
export class ClientMatchEvaluator implements ServerEvaluator {
  readonly mode = MODE;
  private readonly entryIds: Set<string>;
  constructor(
    private readonly bankName: string,
    entryIds: Iterable<string>,
    private readonly parameters: MatchParameters,
    private readonly deviceKeys: DeviceKeyResolver,
  ) {
    this.entryIds = new Set(entryIds);
  }

  async evaluate(payload: Uint8Array, context: DetectionContext): Promise<DetectionVerdict[] | undefined> {
    const body = readHeader(MODE, payload);
    const reader = new Reader(body, 'client-match report');
    const bound = reader.context();
    const bankName = reader.string('bankName');
    const entryId = reader.string('bankEntryId');
    const distance = reader.u8('distance');
    const quality = reader.u8('quality');
    const publicKey = reader.take(32, 'devicePublicKey');
    const signed = payload.subarray(0, payload.length - body.length + reader.offset);
    const signature = reader.take(64, 'signature');
    reader.end();
    assertSameContext(bound, context);
    const known = await this.deviceKeys(context.accountId);
    if (!known.some((key) => bytesEqual(key, publicKey))) {
      throw new DetectionError(
        'DETECTION_BAD_SIGNATURE',
        'the report is signed by a key not registered to the account',
      );
    }
    let valid = false;
    try {
      valid = ed25519.verify(signature, concat(SIGNATURE_DOMAIN, signed), publicKey);
    } catch {
      valid = false;
    }
    if (!valid) throw new DetectionError('DETECTION_BAD_SIGNATURE', 'the report signature does not verify');
    if (bankName !== this.bankName || !this.entryIds.has(entryId)) {
      throw new DetectionError(
        'DETECTION_MALFORMED_PAYLOAD',
        'the report names an entry this bank does not hold',
      );
    }
    if (distance > this.parameters.radius || quality < this.parameters.qualityFloor) {
      throw new DetectionError(
        'DETECTION_MALFORMED_PAYLOAD',
        'the report is outside the radius or quality floor',
      );
    }
    return [{ mode: MODE, context, bankName, bankEntryId: entryId, distance, evidence: { quality } }];
  }
}

function distinctHashes(entries: BankSnapshot['entries']): number {
  return new Set(entries.map((e) => Buffer.from(e.pdq.buffer, e.pdq.byteOffset, 32).toString('base64'))).size;
}

function lengthPrefixed(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (bytes.length > 0xffff) throw new DetectionError('DETECTION_INVALID_OPTION', 'a name is too long');
  return concat(Uint8Array.of(bytes.length >> 8, bytes.length & 0xff), bytes);
}

export const clientMatchMode: DetectionModeFactory = {
  name: MODE,
  leakage: clientMatchLeakage,
  async setup(options) {
    const parameters = matchParameters(options);
    // The bank operator publishes the commitment (a root given with the bank is the published one;
    // otherwise it is computed here, as the operator would); the server serves the snapshot bytes;
    // the device downloads both and checks one against the other.
    const published =
      options.bank.commitment === undefined
        ? await commitBankSnapshot(options.bank.entries)
        : { root: options.bank.commitment, treeSize: distinctHashes(options.bank.entries) };
    const device = ed25519.keygen();
    const snapshot = encodeBankSnapshot(options.bank);
    const client = await ClientMatchDevice.fromSnapshot(snapshot, published, {
      secretKey: device.secretKey,
      radius: parameters.radius,
      qualityFloor: parameters.qualityFloor,
    });
    const server = new ClientMatchEvaluator(
      options.bank.bankName,
      options.bank.entries.map((e) => e.id),
      parameters,
      () => [device.publicKey],
    );
    return { client, server, async close() {}, clientDownloadBytes: snapshot.length };
  },
};
