// Sender side of he-fuzzy. Holds the BFV secret key (it never leaves this object), registers
// public evaluation keys once, encrypts each image's 256 PDQ bits, and answers the server's
// challenge by decrypting the masked results and returning only the tokens under zero flags.
import { createHash } from 'node:crypto';
import type { Decryptor } from 'node-seal/implementation/decryptor.js';
import type { Encryptor } from 'node-seal/implementation/encryptor.js';
import type { SecretKey } from 'node-seal/implementation/secret-key.js';
import type { ClientDetector, ImageSignals } from '../mode.js';
import { DEFAULT_QUALITY_FLOOR } from '../mode.js';
import { bitOf, bucketKey } from './bits.js';
import { HeError } from './errors.js';
import { HASH_BITS, type HeRuntime, heRuntime, MAX_CLAIMS, ROW_SLOTS, unitBases } from './params.js';
import {
  equalBytes,
  MAGIC_ANSWER,
  MAGIC_CHALLENGE,
  MAGIC_KEYS,
  MAGIC_QUERY,
  Reader,
  Writer,
} from './wire.js';

/** Rotation steps the server's circuit needs: 1 (baby steps) and 16 (giant steps). */
export const GALOIS_STEPS = [1, 16] as const;

export interface HeClientOptions {
  readonly qualityFloor?: number;
  /** How many PDQ bits the server's bucketing reads (published by the server at setup). */
  readonly bucketBits: number;
}

export interface DecryptedChallenge {
  readonly queryId: Uint8Array;
  readonly copies: number;
  /** One array of t-residues per result ciphertext, as the client sees them after decryption. */
  readonly slots: Uint32Array[];
}

export class HeFuzzyClient implements ClientDetector {
  readonly mode = 'he-fuzzy' as const;
  /** One-time message carrying the Galois and relinearisation keys (public material only). */
  readonly registration: Uint8Array;
  readonly keyId: Uint8Array;
  private readonly encryptor: Encryptor;
  private readonly decryptor: Decryptor;

  private constructor(
    private readonly rt: HeRuntime,
    private readonly secretKey: SecretKey,
    private readonly options: HeClientOptions,
  ) {
    const keygen = rt.seal.KeyGenerator(rt.context, secretKey);
    const compression = rt.seal.ComprModeType.zstd;
    const galois = keygen.createGaloisKeysSerializable(Int32Array.from(GALOIS_STEPS));
    const relin = keygen.createRelinKeysSerializable();
    this.registration = new Writer()
      .magic(MAGIC_KEYS)
      .bytes(rt.fingerprint)
      .blob(galois.saveArray(compression))
      .blob(relin.saveArray(compression))
      .finish();
    galois.delete();
    relin.delete();
    this.keyId = keyIdOf(this.registration);
    // Only symmetric (secret-key) encryption is used; SEAL's constructor still wants a public key.
    const publicKey = keygen.createPublicKey();
    this.encryptor = rt.seal.Encryptor(rt.context, publicKey, secretKey);
    publicKey.delete();
    this.decryptor = rt.seal.Decryptor(rt.context, secretKey);
    keygen.delete();
  }

  static async create(options: HeClientOptions): Promise<HeFuzzyClient> {
    const rt = await heRuntime();
    const keygen = rt.seal.KeyGenerator(rt.context);
    const secretKey = keygen.secretKey();
    keygen.delete();
    return new HeFuzzyClient(rt, secretKey, options);
  }

  /** Query: encrypted bits (repeated every 256 slots of each row) + the bucket key bits. */
  async prepare(signals: ImageSignals): Promise<Uint8Array | undefined> {
    if (signals.quality < (this.options.qualityFloor ?? DEFAULT_QUALITY_FLOOR)) return undefined;
    const { seal, encoder } = this.rt;
    const values = new Int32Array(this.rt.slots);
    for (let s = 0; s < values.length; s++) values[s] = bitOf(signals.pdq, (s % ROW_SLOTS) % HASH_BITS);
    const plain = encoder.encode(values) as ReturnType<typeof seal.PlainText>;
    const serializable = this.encryptor.encryptSymmetricSerializable(plain);
    const ciphertext = serializable.saveArray(seal.ComprModeType.zstd);
    serializable.delete();
    plain.delete();
    return new Writer()
      .magic(MAGIC_QUERY)
      .bytes(this.rt.fingerprint)
      .bytes(this.keyId)
      .u8(this.options.bucketBits)
      .u32(bucketKey(signals.pdq, this.options.bucketBits))
      .blob(ciphertext)
      .finish();
  }

  /** Decrypts a challenge. Exposed so tests can check what the client gets to see. */
  decryptChallenge(challenge: Uint8Array): DecryptedChallenge {
    const { seal, encoder, context } = this.rt;
    const reader = new Reader(challenge, 'he-fuzzy challenge', 'HE_MALFORMED_CIPHERTEXT');
    reader.expectMagic(MAGIC_CHALLENGE);
    if (!equalBytes(reader.bytes(8), this.rt.fingerprint)) {
      throw new HeError('HE_WRONG_PARAMETERS', 'he-fuzzy challenge: made under other BFV parameters');
    }
    const queryId = reader.bytes(16).slice();
    const copies = reader.u8();
    const count = reader.u16();
    const slots: Uint32Array[] = [];
    for (let c = 0; c < count; c++) {
      const bytes = reader.blob();
      const ct = seal.CipherText();
      try {
        ct.loadArray(context, bytes);
      } catch (cause) {
        ct.delete();
        throw new HeError('HE_MALFORMED_CIPHERTEXT', `he-fuzzy challenge: ciphertext ${c} refused`, {
          cause,
        });
      }
      const plain = seal.PlainText();
      this.decryptor.decrypt(ct, plain);
      slots.push(Uint32Array.from(encoder.decode(plain, false)));
      plain.delete();
      ct.delete();
    }
    reader.end();
    return { queryId, copies, slots };
  }

  /**
   * The second half of the round trip: for every flag slot that decrypted to zero, return the
   * value of its paired token slot. Nothing else leaves the device (not the flags, not the other
   * slots), so the server learns nothing about non-matching entries.
   */
  async answer(challenge: Uint8Array): Promise<Uint8Array> {
    const { queryId, copies, slots } = this.decryptChallenge(challenge);
    const found: Array<[number, number, number]> = [];
    const bases = unitBases(copies);
    slots.forEach((values, c) => {
      for (const base of bases) {
        for (let k = 0; k < copies; k++) {
          if (values[base + k] === 0) found.push([c, base + copies + k, values[base + copies + k]!]);
        }
      }
    });
    // The server refuses answers with more than MAX_CLAIMS claims (token-guessing bound); more zero
    // flags than that would mean that many bank entries within the radius: any of them will do.
    const claims = found.slice(0, MAX_CLAIMS);
    const writer = new Writer().magic(MAGIC_ANSWER).bytes(queryId).u16(claims.length);
    for (const [c, slot, value] of claims) writer.u16(c).u16(slot).u32(value);
    return writer.finish();
  }

  /** Test hook: the secret key's serialisation, to prove it never reaches the server. */
  secretKeyBytesForTest(): Uint8Array {
    return this.secretKey.saveArray(this.rt.seal.ComprModeType.none);
  }

  close(): void {
    this.encryptor.delete();
    this.decryptor.delete();
    this.secretKey.delete();
  }
}

export function keyIdOf(registration: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(registration).digest().subarray(0, 16));
}
