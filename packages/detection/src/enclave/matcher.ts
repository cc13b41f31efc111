// The matcher that runs inside the enclave (here: its own child process, see enclave.ts). It owns
// the HPKE private key, opens payloads, refuses replays, and returns verdicts only: never the
// hash, the quality or the distance to anything but a match.
import { PDQ_HASH_WORDS, type PdqHash } from '@safelight/pdq';
import { BankIndex, type BankMatch, type MatchParameters } from '../bank-match.js';
import { bytesEqual, pdqFromBytes } from '../bytes.js';
import { DetectionError } from '../errors.js';
import type { DetectionContext } from '../mode.js';
import { commitBankSnapshot } from '../snapshot.js';
import { assertSameContext, HEADER_BYTES, Reader, readHeader } from '../wire.js';
import {
  enclaveSuite,
  HPKE_ENC_BYTES,
  HPKE_INFO,
  HPKE_TAG_BYTES,
  type HpkeKeyPair,
  KEY_ID_BYTES,
  keyIdOf,
} from './hpke.js';

/** Plaintext sealed by the client: context | 32-byte PDQ hash | u8 quality. */
export const PDQ_BYTES = 32;

export interface MatcherBank {
  readonly ids: readonly string[];
  /** 8 words per entry. */
  readonly hashes: Uint32Array;
}

export class EnclaveMatcher {
  private readonly suite = enclaveSuite();
  /**
   * The HPKE encapsulated keys (fresh per seal) of payloads already opened: the same payload
   * twice is a replay. A message may carry several images, so a fresh seal for the same message
   * is not. (A production matcher would window this set by message time.)
   */
  private readonly seen = new Set<string>();

  private constructor(
    private readonly index: BankIndex,
    private readonly keyPair: HpkeKeyPair,
    readonly publicKey: Uint8Array,
    readonly keyId: Uint8Array,
    readonly bankRoot: string,
    readonly bankTreeSize: number,
  ) {}

  static async create(bank: MatcherBank, parameters: MatchParameters): Promise<EnclaveMatcher> {
    if (bank.hashes.length !== bank.ids.length * PDQ_HASH_WORDS) {
      throw new DetectionError('DETECTION_INVALID_OPTION', 'the bank needs 8 hash words per id');
    }
    const entries = bank.ids.map((id, i) => ({
      id,
      pdq: bank.hashes.subarray(i * PDQ_HASH_WORDS, (i + 1) * PDQ_HASH_WORDS) as PdqHash,
    }));
    const index = new BankIndex(entries, parameters);
    const commitment = await commitBankSnapshot(entries);
    const suite = enclaveSuite();
    const keyPair = await suite.kem.generateKeyPair();
    const publicKey = new Uint8Array(await suite.kem.serializePublicKey(keyPair.publicKey));
    return new EnclaveMatcher(
      index,
      keyPair,
      publicKey,
      keyIdOf(publicKey),
      commitment.root,
      commitment.treeSize,
    );
  }

  /** Opens one payload delivered with `context`; a match or undefined. Errors carry codes only. */
  async evaluate(payload: Uint8Array, context: DetectionContext): Promise<BankMatch | undefined> {
    const body = readHeader('enclave', payload);
    const reader = new Reader(body, 'enclave payload');
    const keyId = reader.take(KEY_ID_BYTES, 'keyId');
    const enc = reader.take(HPKE_ENC_BYTES, 'enc');
    if (reader.remaining < HPKE_TAG_BYTES + 6 + PDQ_BYTES + 1) {
      throw new DetectionError('DETECTION_MALFORMED_PAYLOAD', 'enclave payload is truncated at ciphertext');
    }
    const ciphertext = reader.take(reader.remaining, 'ciphertext');
    if (!bytesEqual(keyId, this.keyId)) {
      throw new DetectionError('DETECTION_WRONG_KEY', 'the payload is sealed to another matcher key');
    }
    let plaintext: Uint8Array;
    try {
      const recipient = await this.suite.createRecipientContext({
        recipientKey: this.keyPair,
        enc: enc.slice().buffer,
        info: HPKE_INFO,
      });
      const aad = payload.subarray(0, HEADER_BYTES + KEY_ID_BYTES);
      plaintext = new Uint8Array(await recipient.open(ciphertext.slice().buffer, aad.slice().buffer));
    } catch {
      throw new DetectionError('DETECTION_DECRYPT_FAILED', 'the payload does not open under the matcher key');
    }
    const inner = new Reader(plaintext, 'enclave plaintext');
    const bound = inner.context();
    const hash = inner.take(PDQ_BYTES, 'pdq');
    const quality = inner.u8('quality');
    inner.end();
    assertSameContext(bound, context);
    const replayKey = Buffer.from(enc).toString('base64');
    if (this.seen.has(replayKey)) {
      throw new DetectionError('DETECTION_REPLAY', 'this payload was already evaluated');
    }
    this.seen.add(replayKey);
    return this.index.match(pdqFromBytes(hash), quality);
  }
}
