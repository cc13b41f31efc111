// Attestation documents for the enclave matcher, and the pluggable verifier a client checks them
// with. THIS MACHINE HAS NO ENCLAVE HARDWARE: the shipped provider is a software one. Its
// "platform" is an Ed25519 key held by whoever launches the matcher (the host), so a document
// proves only that the holder of that key vouches for the measurement; it does not prove, as SEV-SNP,
// TDX or Nitro would, that the host cannot read the matcher's memory. A hardware verifier plugs
// in behind the same AttestationVerifier interface.
//
// Document format (all integers big-endian):
//   'S' 'L' 'A' 'T' | u8 version (1) | 32 measurement | 32 X25519 public key | 32 bank Merkle root |
//   u32 bank tree size | u64 issued-at (ms since epoch) | 32 platform Ed25519 public key |
//   64 Ed25519 signature over ("safelight/detection/attestation/v1" || everything before it)
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { bytesEqual } from '../bytes.js';
import { DetectionError } from '../errors.js';
import { concat, Reader } from '../wire.js';

const MAGIC = [0x53, 0x4c, 0x41, 0x54] as const;
const VERSION = 1;
const SIGNATURE_DOMAIN = new TextEncoder().encode('safelight/detection/attestation/v1');
export const ATTESTATION_BYTES = 4 + 1 + 32 + 32 + 32 + 4 + 8 + 32 + 64;

/** What the matcher reports about itself and the platform vouches for. */
export interface MatcherReport {
  /** Hex SHA-256 over the matcher's code and configuration (see measureMatcher). */
  readonly measurement: string;
  /** The matcher's HPKE (X25519) public key; its private key never leaves the matcher. */
  readonly publicKey: Uint8Array;
  /** The Merkle root (packages/hashbank scheme) of the bank the matcher loaded, and its size. */
  readonly bankRoot: string;
  readonly bankTreeSize: number;
}

export interface AttestedMatcher extends MatcherReport {
  readonly issuedAt: number;
  /** Which provider verified it ('software' for the one shipped here). */
  readonly provider: string;
}

/** Pluggable: a hardware TEE's verifier (SEV-SNP report, Nitro COSE document) implements this. */
export interface AttestationVerifier {
  readonly provider: string;
  /** Parses and verifies the document's signature chain; does NOT judge the measurement. */
  verify(document: Uint8Array): Promise<AttestedMatcher>;
}

/** The software platform: signs matcher reports with an Ed25519 key. Not hardware; see above. */
export class SoftwareAttestationPlatform {
  readonly publicKey: Uint8Array;
  private readonly secretKey: Uint8Array;
  constructor(secretKey: Uint8Array = ed25519.utils.randomSecretKey()) {
    this.secretKey = secretKey;
    this.publicKey = ed25519.getPublicKey(secretKey);
  }

  attest(report: MatcherReport, issuedAt = Date.now()): Uint8Array {
    const body = new Uint8Array(ATTESTATION_BYTES - 64);
    const view = new DataView(body.buffer);
    body.set(MAGIC, 0);
    body[4] = VERSION;
    body.set(hex32(report.measurement, 'measurement'), 5);
    if (report.publicKey.length !== 32) {
      throw new DetectionError('DETECTION_INVALID_OPTION', 'publicKey must be a 32-byte X25519 key');
    }
    body.set(report.publicKey, 37);
    body.set(hex32(report.bankRoot, 'bankRoot'), 69);
    view.setUint32(101, report.bankTreeSize);
    view.setBigUint64(105, BigInt(issuedAt));
    body.set(this.publicKey, 113);
    return concat(body, ed25519.sign(concat(SIGNATURE_DOMAIN, body), this.secretKey));
  }
}

/** Verifies software attestation documents signed by one of the trusted platform keys. */
export class SoftwareAttestationVerifier implements AttestationVerifier {
  readonly provider = 'software';
  constructor(private readonly trustedPlatformKeys: readonly Uint8Array[]) {}

  async verify(document: Uint8Array): Promise<AttestedMatcher> {
    if (!(document instanceof Uint8Array) || document.length !== ATTESTATION_BYTES) {
      throw new DetectionError(
        'DETECTION_ATTESTATION_MALFORMED',
        `an attestation document is ${ATTESTATION_BYTES} bytes, got ${document?.length}`,
      );
    }
    const reader = new Reader(document, 'attestation document');
    const magic = reader.take(4, 'magic');
    const version = reader.u8('version');
    if (MAGIC.some((b, i) => magic[i] !== b) || version !== VERSION) {
      throw new DetectionError(
        'DETECTION_ATTESTATION_MALFORMED',
        'not a version 1 software attestation document',
      );
    }
    const measurement = bytesToHex(reader.take(32, 'measurement'));
    const publicKey = Uint8Array.from(reader.take(32, 'publicKey'));
    const bankRoot = bytesToHex(reader.take(32, 'bankRoot'));
    const bankTreeSize = reader.u32('bankTreeSize');
    const issuedAt = Number(new DataView(reader.take(8, 'issuedAt').slice().buffer).getBigUint64(0));
    const platformKey = reader.take(32, 'platformKey');
    const signed = document.subarray(0, reader.offset);
    const signature = reader.take(64, 'signature');
    if (!this.trustedPlatformKeys.some((key) => bytesEqual(key, platformKey))) {
      throw new DetectionError(
        'DETECTION_ATTESTATION_BAD_SIGNATURE',
        'the document is signed by an untrusted platform key',
      );
    }
    let valid = false;
    try {
      valid = ed25519.verify(signature, concat(SIGNATURE_DOMAIN, signed), platformKey);
    } catch {
      valid = false;
    }
    if (!valid) {
      throw new DetectionError(
        'DETECTION_ATTESTATION_BAD_SIGNATURE',
        'the platform signature does not verify',
      );
    }
    return { measurement, publicKey, bankRoot, bankTreeSize, issuedAt, provider: this.provider };
  }
}

/**
 * Verifies the document and checks its measurement is allowed. The error for a wrong measurement
 * names neither the attested nor the allowed values (they are public, but an error is no place to
 * compare them).
 */
export async function checkAttestation(
  document: Uint8Array,
  verifier: AttestationVerifier,
  allowedMeasurements: readonly string[],
): Promise<AttestedMatcher> {
  if (allowedMeasurements.length === 0) {
    throw new DetectionError(
      'DETECTION_INVALID_OPTION',
      'allowedMeasurements is empty: no matcher could be trusted',
    );
  }
  const attested = await verifier.verify(document);
  if (!allowedMeasurements.some((m) => m.toLowerCase() === attested.measurement)) {
    throw new DetectionError(
      'DETECTION_MEASUREMENT_NOT_ALLOWED',
      `the matcher's measurement is not among the ${allowedMeasurements.length} allowed; refusing to send it anything`,
    );
  }
  return attested;
}

function hex32(hex: string, field: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/i.test(hex))
    throw new DetectionError('DETECTION_INVALID_OPTION', `${field} must be 64 hex digits`);
  return Uint8Array.from(hex.match(/../g) as string[], (b) => Number.parseInt(b, 16));
}
