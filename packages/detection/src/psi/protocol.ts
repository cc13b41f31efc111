// psi-threshold, both halves. Apple's 2021 PSI + threshold secret sharing design, adapted to PDQ:
// an image yields L robust keys (keys.ts) instead of one exact NeuralHash; its voucher has one
// slot per key, and the outer layer opens if any slot's key is in the server's blinded table.
import { randomBytes } from 'node:crypto';
import { hammingDistance, type PdqHash } from '@safelight/pdq';
import type {
  ClientDetector,
  DetectionContext,
  DetectionVerdict,
  ImageSignals,
  ServerEvaluator,
} from '../mode.js';
import {
  hashToGroupBatch,
  open,
  seal,
  type X25519Secret,
  x25519,
  x25519Base,
  x25519PrivateKey,
  xor,
} from './crypto.js';
import {
  accountTag,
  keyCheck,
  layerAad,
  payloadKey,
  payloadNonce,
  shareKey,
  shareX,
  slotMasks,
  ZERO_NONCE,
} from './derive.js';
import { PsiError } from './errors.js';
import { type RobustKeyParameters, robustKeys } from './keys.js';
import { openOuterLayer } from './opener.js';
import {
  randomScalar,
  reconstructSecret,
  ShamirPolynomial,
  scalarFromBytes,
  scalarToBytes,
} from './shamir.js';
import { type BlindedTable, cuckooPositions, tableElement } from './table.js';
import {
  decodePayload,
  decodeVoucher,
  encodePayload,
  encodeVoucher,
  KEY_CHECK_BYTES,
  SHARE_CT_BYTES,
  VOUCHER_ID_BYTES,
  VOUCHER_KEY_BYTES,
  type Voucher,
  type VoucherPayload,
  type VoucherSlot,
} from './voucher.js';

/** What the server publishes to clients: no bank entry in the clear. */
export interface PsiPublicParameters {
  readonly keys: RobustKeyParameters;
  readonly table: BlindedTable;
  /** u(k·B): lets clients make synthetic vouchers that open (Apple's trick). */
  readonly serverPublic: Uint8Array;
  readonly threshold: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// ---- client ----------------------------------------------------------------------------------

export interface PsiClientOptions {
  /** Probability that an image's voucher is synthetic (opens, carries a dummy share). */
  readonly syntheticRate: number;
  readonly qualityFloor: number;
  /** Uniform [0,1) source for the synthetic decision (tests script it); default crypto-random. */
  readonly random?: (() => number) | undefined;
  /** The attachment key the payload carries; default: 32 zero bytes (placeholder). */
  readonly attachmentKey?: ((signals: ImageSignals) => Uint8Array) | undefined;
}

const cryptoRandom = (): number => randomBytes(4).readUInt32BE(0) / 2 ** 32;

export class PsiClient implements ClientDetector {
  readonly mode = 'psi-threshold' as const;
  private readonly polynomials = new Map<string, ShamirPolynomial>();

  constructor(
    private readonly params: PsiPublicParameters,
    private readonly options: PsiClientOptions,
  ) {}

  async prepare(signals: ImageSignals): Promise<Uint8Array> {
    return this.prepareSync(signals);
  }

  /** One voucher per image, always (even below the quality floor: a decoy that never opens). */
  prepareSync(signals: ImageSignals): Uint8Array {
    const tag = accountTag(signals.context.accountId);
    const payloadLength = encodePayload(this.payloadOf(signals)).length + 16;
    if (signals.quality < this.options.qualityFloor) return this.decoy(payloadLength);
    if ((this.options.random ?? cryptoRandom)() < this.options.syntheticRate)
      return this.synthetic(tag, payloadLength);
    return this.real(signals, tag);
  }

  private payloadOf(signals: ImageSignals): VoucherPayload {
    return {
      pdq: signals.pdq,
      quality: Math.max(0, Math.min(255, Math.round(signals.quality))),
      attachmentKey: this.options.attachmentKey?.(signals) ?? new Uint8Array(32),
      conversationId: signals.context.conversationId,
      messageId: signals.context.messageId,
    };
  }

  private polynomial(accountId: string): ShamirPolynomial {
    let poly = this.polynomials.get(accountId);
    if (!poly) {
      poly = new ShamirPolynomial(this.params.threshold);
      this.polynomials.set(accountId, poly);
    }
    return poly;
  }

  private real(signals: ImageSignals, tag: Uint8Array): Uint8Array {
    const id = new Uint8Array(randomBytes(VOUCHER_ID_BYTES));
    const voucherKey = new Uint8Array(randomBytes(VOUCHER_KEY_BYTES));
    const { table } = this.params;
    const keys = robustKeys(signals.pdq, this.params.keys);
    const hashed = hashToGroupBatch(keys);
    const slots: VoucherSlot[] = keys.map((key, j) => {
      const beta = x25519PrivateKey(randomBytes(32));
      const q = x25519(beta, hashed[j] as Uint8Array) ?? new Uint8Array(32);
      const positions = cuckooPositions(table.seed, key, table.size);
      const ct = positions.map((position, c) => {
        const shared = x25519(beta, tableElement(table, position));
        // A small-order table element can only come from a malicious table: mask with noise.
        if (!shared) return new Uint8Array(randomBytes(VOUCHER_KEY_BYTES));
        const mask = slotMasks(shared, id, tag, j, q).subarray(
          c * VOUCHER_KEY_BYTES,
          (c + 1) * VOUCHER_KEY_BYTES,
        );
        return xor(voucherKey, mask);
      }) as [Uint8Array, Uint8Array];
      return { q, ct };
    });
    const poly = this.polynomial(signals.context.accountId);
    const y = poly.evaluate(shareX(tag, id));
    const aad = layerAad(id, tag);
    const shareCt = seal(shareKey(voucherKey, id), ZERO_NONCE, scalarToBytes(y), aad);
    const payloadCt = seal(
      payloadKey(poly.secret, tag),
      payloadNonce(id),
      encodePayload(this.payloadOf(signals)),
      aad,
    );
    return encodeVoucher({ id, keyCheck: keyCheck(voucherKey, id), slots, shareCt, payloadCt });
  }

  /** Opens at the server like a match (via u(k·B)), but its share is random: never reconstructs. */
  private synthetic(tag: Uint8Array, payloadLength: number): Uint8Array {
    const id = new Uint8Array(randomBytes(VOUCHER_ID_BYTES));
    const voucherKey = new Uint8Array(randomBytes(VOUCHER_KEY_BYTES));
    const L = this.params.keys.keysPerImage;
    const chosen = Math.floor(cryptoRandom() * L);
    const choice = cryptoRandom() < 0.5 ? 0 : 1;
    const slots: VoucherSlot[] = [];
    for (let j = 0; j < L; j++) {
      if (j !== chosen) {
        slots.push(randomSlot());
        continue;
      }
      const beta = x25519PrivateKey(randomBytes(32));
      const q = x25519Base(beta);
      const shared = x25519(beta, this.params.serverPublic) ?? new Uint8Array(32);
      const ct: [Uint8Array, Uint8Array] = [
        new Uint8Array(randomBytes(VOUCHER_KEY_BYTES)),
        new Uint8Array(randomBytes(VOUCHER_KEY_BYTES)),
      ];
      const masks = slotMasks(shared, id, tag, j, q);
      ct[choice] = xor(
        voucherKey,
        masks.subarray(choice * VOUCHER_KEY_BYTES, (choice + 1) * VOUCHER_KEY_BYTES),
      );
      slots.push({ q, ct });
    }
    const aad = layerAad(id, tag);
    const dummy = scalarToBytes(randomScalar());
    const shareCt = seal(shareKey(voucherKey, id), ZERO_NONCE, dummy, aad);
    const payloadCt = new Uint8Array(randomBytes(payloadLength));
    return encodeVoucher({ id, keyCheck: keyCheck(voucherKey, id), slots, shareCt, payloadCt });
  }

  /** Below the quality floor: same shape, opens for nobody. */
  private decoy(payloadLength: number): Uint8Array {
    const slots = Array.from({ length: this.params.keys.keysPerImage }, randomSlot);
    return encodeVoucher({
      id: new Uint8Array(randomBytes(VOUCHER_ID_BYTES)),
      keyCheck: new Uint8Array(randomBytes(KEY_CHECK_BYTES)),
      slots,
      shareCt: new Uint8Array(randomBytes(SHARE_CT_BYTES)),
      payloadCt: new Uint8Array(randomBytes(payloadLength)),
    });
  }
}

function randomSlot(): VoucherSlot {
  return {
    q: x25519Base(x25519PrivateKey(randomBytes(32))),
    ct: [new Uint8Array(randomBytes(VOUCHER_KEY_BYTES)), new Uint8Array(randomBytes(VOUCHER_KEY_BYTES))],
  };
}

// ---- server ----------------------------------------------------------------------------------

export interface PsiBankIndex {
  readonly bankName: string;
  readonly entries: ReadonlyArray<{ readonly id: string; readonly pdq: PdqHash }>;
  /** hex(robust key) → indices of entries having it. */
  readonly keyIndex: ReadonlyMap<string, readonly number[]>;
}

export interface PsiServerOptions {
  readonly radius: number;
  readonly qualityFloor: number;
  /** Upper bound on share subsets tried per reconstruction attempt (synthetic noise search). */
  readonly maxCombinations?: number;
}

/** A voucher past parsing and replay checks, waiting for its outer layer to be tried. */
export interface AdmittedVoucher {
  readonly voucher: Voucher;
  readonly tag: Uint8Array;
  readonly accountId: string;
  readonly stored: StoredVoucher;
}

/** What the server holds for one stored voucher. */
export interface StoredVoucher {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly context: DetectionContext;
  /** Set when the outer layer opened (a robust key matched, or the voucher is synthetic). */
  share?: { readonly x: bigint; readonly y: bigint } | undefined;
  /** Set only after the account key is reconstructed, for real matching vouchers. */
  payload?: VoucherPayload | undefined;
  /** Outer layer opened, account key known, payload did not decrypt: a synthetic voucher. */
  synthetic?: boolean;
}

interface AccountState {
  readonly tag: Uint8Array;
  readonly seen: Set<string>;
  readonly vouchers: StoredVoucher[];
  key?: Uint8Array | undefined;
}

/** A read-only view of one account's server state (what a breach of the server would expose). */
export interface PsiAccountView {
  readonly stored: number;
  readonly voucherSizes: readonly number[];
  readonly outerOpened: number;
  readonly accountKeyReconstructed: boolean;
  readonly decryptedPayloads: readonly VoucherPayload[];
  /** Decrypted vouchers whose hash was not within the radius of any entry (robust-key collisions). */
  readonly keyCollisions: number;
}

export class PsiServer implements ServerEvaluator {
  readonly mode = 'psi-threshold' as const;
  private readonly accounts = new Map<string, AccountState>();

  constructor(
    private readonly serverKey: X25519Secret,
    private readonly params: PsiPublicParameters,
    private readonly bank: PsiBankIndex,
    private readonly options: PsiServerOptions,
  ) {}

  async evaluate(payload: Uint8Array, context: DetectionContext): Promise<DetectionVerdict[] | undefined> {
    return this.evaluateSync(payload, context);
  }

  evaluateSync(payload: Uint8Array, context: DetectionContext): DetectionVerdict[] | undefined {
    const admitted = this.admit(payload, context);
    return this.settle(admitted, openOuterLayer(this.serverKey, admitted.voucher, admitted.tag));
  }

  /**
   * First half of an evaluation: strict parse, replay refusal, storage. Synchronous, so a replay
   * is refused even while an earlier copy is still being opened by a PsiServerPool worker.
   */
  admit(payload: Uint8Array, context: DetectionContext): AdmittedVoucher {
    const voucher = decodeVoucher(payload, this.params.keys.keysPerImage);
    const account = this.account(context.accountId);
    const id = hex(voucher.id);
    if (account.seen.has(id))
      throw new PsiError('PSI_REPLAYED_VOUCHER', 'voucher id was already submitted for this account');
    account.seen.add(id);
    const stored: StoredVoucher = { id, bytes: payload.slice(), context };
    account.vouchers.push(stored);
    return { voucher, tag: account.tag, accountId: context.accountId, stored };
  }

  /** Second half: given the outer layer's share bytes (or undefined), count it and maybe decrypt. */
  settle(admitted: AdmittedVoucher, shareBytes: Uint8Array | undefined): DetectionVerdict[] | undefined {
    const y = shareBytes ? scalarFromBytes(shareBytes) : undefined;
    if (y === undefined) return undefined;
    const account = this.account(admitted.accountId);
    const { stored } = admitted;
    stored.share = { x: shareX(account.tag, admitted.voucher.id), y };
    if (account.key) {
      const verdict = this.decryptOne(account, stored);
      return verdict ? [verdict] : undefined;
    }
    if (!this.tryReconstruct(account, stored)) return undefined;
    const verdicts: DetectionVerdict[] = [];
    for (const v of account.vouchers) {
      if (!v.share) continue;
      const verdict = this.decryptOne(account, v);
      if (verdict) verdicts.push(verdict);
    }
    return verdicts.length > 0 ? verdicts : undefined;
  }

  /** Server-side state for one account, for audits and tests. */
  inspect(accountId: string): PsiAccountView {
    const a = this.accounts.get(accountId);
    const vouchers = a?.vouchers ?? [];
    const decrypted = vouchers.flatMap((v) => (v.payload ? [v.payload] : []));
    return {
      stored: vouchers.length,
      voucherSizes: vouchers.map((v) => v.bytes.length),
      outerOpened: vouchers.filter((v) => v.share).length,
      accountKeyReconstructed: a?.key !== undefined,
      decryptedPayloads: decrypted,
      keyCollisions: decrypted.filter((p) => this.nearest(p.pdq) === undefined).length,
    };
  }

  private account(accountId: string): AccountState {
    let a = this.accounts.get(accountId);
    if (!a) {
      a = { tag: accountTag(accountId), seen: new Set(), vouchers: [] };
      this.accounts.set(accountId, a);
    }
    return a;
  }

  /** Tries every t-subset of opened shares that includes the newest one. */
  private tryReconstruct(account: AccountState, newest: StoredVoucher): boolean {
    const t = this.params.threshold;
    const older = account.vouchers.filter((v) => v.share && v !== newest);
    if (older.length + 1 < t) return false;
    const limit = this.options.maxCombinations ?? 100_000;
    let tried = 0;
    const pick: StoredVoucher[] = [];
    const search = (start: number): boolean => {
      if (pick.length === t - 1) {
        if (tried++ >= limit) return false;
        const subset = [...pick, newest];
        const secret = reconstructSecret(subset.map((v) => v.share as { x: bigint; y: bigint }));
        const key = payloadKey(secret, account.tag);
        if (subset.some((v) => this.decryptPayload(account, v, key) !== undefined)) {
          account.key = key;
          return true;
        }
        return false;
      }
      for (let i = start; i < older.length; i++) {
        pick.push(older[i] as StoredVoucher);
        if (search(i + 1)) return true;
        pick.pop();
      }
      return false;
    };
    return search(0);
  }

  private decryptPayload(
    account: AccountState,
    v: StoredVoucher,
    key: Uint8Array,
  ): VoucherPayload | undefined {
    const voucher = decodeVoucher(v.bytes, this.params.keys.keysPerImage);
    const plain = open(key, payloadNonce(voucher.id), voucher.payloadCt, layerAad(voucher.id, account.tag));
    return plain ? decodePayload(plain) : undefined;
  }

  private decryptOne(account: AccountState, v: StoredVoucher): DetectionVerdict | undefined {
    if (v.payload || v.synthetic || !account.key) return undefined;
    const payload = this.decryptPayload(account, v, account.key);
    if (!payload) {
      v.synthetic = true;
      return undefined;
    }
    v.payload = payload;
    if (payload.quality < this.options.qualityFloor) return undefined;
    const match = this.nearest(payload.pdq);
    if (!match) return undefined;
    return {
      mode: 'psi-threshold',
      context: {
        accountId: v.context.accountId,
        conversationId: payload.conversationId,
        messageId: payload.messageId,
      },
      bankEntryId: match.id,
      bankName: this.bank.bankName,
      distance: match.distance,
      evidence: {
        voucherId: v.id,
        attachmentKey: hex(payload.attachmentKey),
        threshold: this.params.threshold,
      },
    };
  }

  /** The nearest bank entry within the radius among entries sharing a robust key. */
  private nearest(pdq: PdqHash): { id: string; distance: number } | undefined {
    let best: { id: string; distance: number } | undefined;
    for (const key of robustKeys(pdq, this.params.keys)) {
      for (const index of this.bank.keyIndex.get(hex(key)) ?? []) {
        const entry = this.bank.entries[index];
        if (!entry) continue;
        const distance = hammingDistance(pdq, entry.pdq);
        if (distance <= this.options.radius && (!best || distance < best.distance))
          best = { id: entry.id, distance };
      }
    }
    return best;
  }
}
