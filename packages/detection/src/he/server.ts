// Server side of he-fuzzy. Holds the bank in the clear and only public evaluation keys. Per query
// it computes, under encryption, the Hamming distance d between the client's hash and every bank
// entry of the client's bucket, turns each d into zero-tests r·Π(d − j) over the offsets
// j = 0..radius (split over `copies` slots of depth-2 products, offsets shuffled per entry), hides
// a fresh token beside each flag that survives only when the flag is zero, shuffles entries over
// slots, and asks the client which flags decrypted to zero.
import { randomBytes } from 'node:crypto';
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys.js';
import type { RelinKeys } from 'node-seal/implementation/relin-keys.js';
import {
  type BankSnapshot,
  DEFAULT_RADIUS,
  type DetectionContext,
  type DetectionVerdict,
  type ServerEvaluator,
} from '../mode.js';
import { bucketKey, popcount, randomPermutation, uniformBelow } from './bits.js';
import { keyIdOf } from './client.js';
import { HeError } from './errors.js';
import {
  BABY_STEPS,
  copiesFor,
  FACTORS_PER_COPY,
  HASH_BITS,
  type HeRuntime,
  heRuntime,
  MAX_CLAIMS,
  ROW_SLOTS,
  unitBases,
} from './params.js';
import {
  equalBytes,
  MAGIC_ANSWER,
  MAGIC_CHALLENGE,
  MAGIC_KEYS,
  MAGIC_QUERY,
  Reader,
  Writer,
} from './wire.js';

export interface HeServerOptions {
  readonly radius?: number;
  /** Ciphertexts per query the bucketing aims at (bank / bucket size); default 4. */
  readonly maxCiphertexts?: number;
}

/** Sends a challenge to the sender's device and returns its answer (a network round trip). */
export type AnswerChannel = (challenge: Uint8Array) => Promise<Uint8Array>;

/** What one evaluation cost: bytes each way and where the time went. */
export interface HeExchange {
  readonly queryBytes: number;
  readonly challengeBytes: number;
  readonly answerBytes: number;
  readonly candidates: number;
  readonly ciphertexts: number;
  readonly serverMs: number;
}

interface KeySet {
  readonly galois: GaloisKeys;
  readonly relin: RelinKeys;
  channel: AnswerChannel | undefined;
}

export class HeFuzzyServer implements ServerEvaluator {
  readonly mode = 'he-fuzzy' as const;
  readonly radius: number;
  readonly copies: number;
  /** Bank entries per result ciphertext. */
  readonly entriesPerCiphertext: number;
  /** PDQ bits the client reveals as its bucket key (0 = no bucketing). */
  readonly bucketBits: number;
  /** Result ciphertexts per query: fixed, so the client cannot tell bucket sizes apart. */
  readonly ciphertextsPerQuery: number;
  private readonly keys = new Map<string, KeySet>();
  private readonly words: Uint32Array;
  private readonly weights: Uint16Array;
  private readonly buckets: Map<number, number[]>;
  private readonly bases: number[];

  private constructor(
    private readonly rt: HeRuntime,
    private readonly bank: BankSnapshot,
    options: HeServerOptions,
  ) {
    const radius = options.radius ?? DEFAULT_RADIUS;
    if (!Number.isInteger(radius) || radius < 0 || radius >= HASH_BITS) {
      throw new HeError('HE_INVALID_OPTION', `radius must be an integer in 0..255, got ${radius}`);
    }
    const maxCiphertexts = options.maxCiphertexts ?? 4;
    if (!Number.isInteger(maxCiphertexts) || maxCiphertexts < 1) {
      throw new HeError(
        'HE_INVALID_OPTION',
        `maxCiphertexts must be a positive integer, got ${maxCiphertexts}`,
      );
    }
    this.radius = radius;
    this.copies = copiesFor(radius);
    this.bases = unitBases(this.copies);
    this.entriesPerCiphertext = this.bases.length;
    const n = bank.entries.length;
    const target = this.entriesPerCiphertext * maxCiphertexts;
    this.words = new Uint32Array(n * 8);
    this.weights = new Uint16Array(n);
    bank.entries.forEach((entry, i) => {
      this.words.set(entry.pdq, i * 8);
      this.weights[i] = popcount(entry.pdq);
    });
    // k starts at the average-size estimate and grows until the LARGEST bucket fits the target:
    // the ciphertext count per query is fixed by the largest bucket, so an average-sized k could
    // overshoot maxCiphertexts (at 1M entries and maxCiphertexts 1, k = 11 gave 2 ciphertexts).
    let bits = n <= target ? 0 : Math.ceil(Math.log2(n / target));
    let buckets = this.bucketise(bank, bits);
    while (bits < 24 && largestBucket(buckets) > target) buckets = this.bucketise(bank, ++bits);
    this.bucketBits = bits;
    this.buckets = buckets;
    this.ciphertextsPerQuery = Math.ceil(Math.max(1, largestBucket(buckets)) / this.entriesPerCiphertext);
  }

  private bucketise(bank: BankSnapshot, bits: number): Map<number, number[]> {
    const buckets = new Map<number, number[]>();
    bank.entries.forEach((entry, i) => {
      const key = bucketKey(entry.pdq, bits);
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    });
    return buckets;
  }

  static async create(bank: BankSnapshot, options: HeServerOptions = {}): Promise<HeFuzzyServer> {
    return new HeFuzzyServer(await heRuntime(), bank, options);
  }

  /** Accepts a client's one-time key registration; returns the key id its queries will name. */
  register(registration: Uint8Array, channel?: AnswerChannel): Uint8Array {
    const { seal, context, fingerprint } = this.rt;
    const reader = new Reader(registration, 'he-fuzzy key registration', 'HE_MALFORMED_KEYS');
    reader.expectMagic(MAGIC_KEYS);
    if (!equalBytes(reader.bytes(8), fingerprint)) {
      throw new HeError('HE_WRONG_PARAMETERS', 'he-fuzzy key registration: other BFV parameters');
    }
    const galoisBytes = reader.blob();
    const relinBytes = reader.blob();
    reader.end();
    const galois = seal.GaloisKeys();
    const relin = seal.RelinKeys();
    try {
      galois.loadArray(context, galoisBytes);
      relin.loadArray(context, relinBytes);
    } catch (cause) {
      galois.delete();
      relin.delete();
      throw new HeError('HE_MALFORMED_KEYS', 'he-fuzzy key registration: SEAL refused the keys', { cause });
    }
    const keyId = keyIdOf(registration);
    this.keys.set(hex(keyId), { galois, relin, channel });
    return keyId;
  }

  /** Where challenges for this key go (the sender's device). */
  connect(keyId: Uint8Array, channel: AnswerChannel): void {
    const set = this.keys.get(hex(keyId));
    if (!set) throw new HeError('HE_UNKNOWN_KEYS', 'he-fuzzy: no keys registered under this id');
    set.channel = channel;
  }

  async evaluate(payload: Uint8Array, context: DetectionContext): Promise<DetectionVerdict[] | undefined> {
    const { verdicts } = await this.evaluateDetailed(payload, context);
    return verdicts.length > 0 ? verdicts : undefined;
  }

  async evaluateDetailed(
    payload: Uint8Array,
    context: DetectionContext,
  ): Promise<{ verdicts: DetectionVerdict[]; exchange: HeExchange }> {
    const started = performance.now();
    const query = this.parseQuery(payload);
    const candidates = this.buckets.get(query.bucketKey) ?? [];
    let challenge: Uint8Array;
    let pending: Pending;
    try {
      ({ challenge, pending } = this.challengeFor(query.ciphertext, query.keys, candidates));
    } finally {
      query.ciphertext.delete();
    }
    let serverMs = performance.now() - started;
    if (!query.keys.channel) throw new HeError('HE_UNKNOWN_KEYS', 'he-fuzzy: no channel to this client');
    const answer = await query.keys.channel(challenge);
    const resumed = performance.now();
    const matched = this.verifyAnswer(answer, pending);
    serverMs += performance.now() - resumed;
    const verdicts: DetectionVerdict[] = [...matched].map((index) => ({
      mode: 'he-fuzzy',
      context,
      bankEntryId: this.bank.entries[index]!.id,
      bankName: this.bank.bankName,
    }));
    return {
      verdicts,
      exchange: {
        queryBytes: payload.length,
        challengeBytes: challenge.length,
        answerBytes: answer.length,
        candidates: candidates.length,
        ciphertexts: pending.tokens.length,
        serverMs,
      },
    };
  }

  private parseQuery(payload: Uint8Array): { keys: KeySet; bucketKey: number; ciphertext: CipherText } {
    const { seal, context, fingerprint } = this.rt;
    const reader = new Reader(payload, 'he-fuzzy payload', 'HE_MALFORMED_CIPHERTEXT');
    reader.expectMagic(MAGIC_QUERY);
    if (!equalBytes(reader.bytes(8), fingerprint)) {
      throw new HeError('HE_WRONG_PARAMETERS', 'he-fuzzy payload: encrypted under other BFV parameters');
    }
    const keys = this.keys.get(hex(reader.bytes(16)));
    if (!keys)
      throw new HeError('HE_UNKNOWN_KEYS', 'he-fuzzy payload: names evaluation keys never registered');
    const bits = reader.u8();
    if (bits !== this.bucketBits) {
      throw new HeError(
        'HE_WRONG_PARAMETERS',
        `he-fuzzy payload: ${bits} bucket bits, server uses ${this.bucketBits}`,
      );
    }
    const key = reader.u32();
    const bytes = reader.blob();
    reader.end();
    const ciphertext = seal.CipherText();
    try {
      ciphertext.loadArray(context, bytes);
    } catch (cause) {
      ciphertext.delete();
      throw new HeError('HE_MALFORMED_CIPHERTEXT', 'he-fuzzy payload: SEAL refused the ciphertext', {
        cause,
      });
    }
    const first = context.firstParmsId.values;
    const got = ciphertext.parmsId.values;
    if (ciphertext.size !== 2 || got.length !== first.length || got.some((v, i) => v !== first[i])) {
      ciphertext.delete();
      throw new HeError('HE_MALFORMED_CIPHERTEXT', 'he-fuzzy payload: not a fresh two-part ciphertext');
    }
    return { keys, bucketKey: key, ciphertext };
  }

  private challengeFor(
    query: CipherText,
    keys: KeySet,
    candidates: readonly number[],
  ): { challenge: Uint8Array; pending: Pending } {
    const { seal, evaluator, context } = this.rt;
    const baby: CipherText[] = [];
    const babyNtt: CipherText[] = [];
    try {
      baby.push(query);
      for (let b = 1; b < BABY_STEPS; b++) {
        baby.push(evaluator.rotateRows(baby[b - 1]!, 1, keys.galois) as CipherText);
      }
      for (const ct of baby) babyNtt.push(evaluator.cipherTransformToNtt(ct) as CipherText);
      const queryId = new Uint8Array(randomBytes(16));
      const writer = new Writer()
        .magic(MAGIC_CHALLENGE)
        .bytes(this.rt.fingerprint)
        .bytes(queryId)
        .u8(this.copies)
        .u16(this.ciphertextsPerQuery);
      const pending: Pending = { queryId, tokens: [], entries: [] };
      for (let c = 0; c < this.ciphertextsPerQuery; c++) {
        const chunk = candidates.slice(c * this.entriesPerCiphertext, (c + 1) * this.entriesPerCiphertext);
        const { ciphertext, tokens, entries } = this.resultCiphertext(babyNtt, keys, chunk);
        evaluator.cipherModSwitchTo(ciphertext, context.lastParmsId, ciphertext);
        writer.blob(ciphertext.saveArray(seal.ComprModeType.zstd));
        ciphertext.delete();
        pending.tokens.push(tokens);
        pending.entries.push(entries);
      }
      return { challenge: writer.finish(), pending };
    } finally {
      for (const ct of baby.slice(1)) ct.delete();
      for (const ct of babyNtt) ct.delete();
    }
  }

  /** One result ciphertext over up to entriesPerCiphertext bank entries. */
  private resultCiphertext(
    babyNtt: readonly CipherText[],
    keys: KeySet,
    chunk: readonly number[],
  ): { ciphertext: CipherText; tokens: Uint32Array; entries: Int32Array } {
    const { seal, evaluator, encoder, context, t, slots } = this.rt;
    const copies = this.copies;
    // Which bank entry each slot works on (-1: dummy), entries placed on randomly chosen units.
    const slotEntry = new Int32Array(slots).fill(-1);
    const order = randomPermutation(this.bases.length);
    chunk.forEach((entry, i) => {
      const base = this.bases[order[i]!]!;
      slotEntry.fill(entry, base, base + 2 * copies);
    });
    // Signs w = 1 − 2·y for entry bits: Σ w·x + |y| = Hamming distance.
    // Dummy slots use the all-ones row (d' = |x|, factor d' + 1 ≠ 0): never a transparent product.
    const sign = (slot: number, bit: number): number => {
      const entry = slotEntry[slot]!;
      if (entry < 0) return 1;
      return ((this.words[entry * 8 + (bit >>> 5)]! >>> (bit & 31)) & 1) === 1 ? -1 : 1;
    };
    const giant = HASH_BITS / BABY_STEPS;
    const values = new Int32Array(slots);
    let acc: CipherText | undefined;
    for (let g = giant - 1; g >= 0; g--) {
      let inner: CipherText | undefined;
      for (let b = 0; b < BABY_STEPS; b++) {
        for (let s = 0; s < slots; s++) {
          const row = s - (s % ROW_SLOTS);
          const col = s % ROW_SLOTS;
          const source = row + ((col - BABY_STEPS * g + ROW_SLOTS) % ROW_SLOTS);
          values[s] = sign(source, (col + b) % HASH_BITS);
        }
        const plain = encoder.encode(values) as ReturnType<typeof seal.PlainText>;
        evaluator.plainTransformToNtt(plain, context.firstParmsId, plain);
        const product = evaluator.multiplyPlain(babyNtt[b]!, plain) as CipherText;
        plain.delete();
        if (inner) {
          evaluator.add(inner, product, inner);
          product.delete();
        } else inner = product;
      }
      evaluator.cipherTransformFromNtt(inner!, inner!);
      if (acc) {
        evaluator.rotateRows(acc, BABY_STEPS, keys.galois, acc);
        evaluator.add(acc, inner!, acc);
        inner!.delete();
      } else acc = inner!;
    }
    // acc holds Σ w·x per slot; the factor l of copy k is d − j = acc − (j − |y|).
    const groups = this.bases.map(() => randomPermutation(copies));
    const factors: CipherText[] = [];
    const offsets = new Uint32Array(slots);
    for (let l = 0; l < FACTORS_PER_COPY; l++) {
      offsets.fill(t - 1); // dummies: acc − (−1) = |x| + 1 ≠ 0
      this.bases.forEach((base, u) => {
        const entry = slotEntry[base]!;
        if (entry < 0) return;
        const weight = this.weights[entry]!;
        for (let k = 0; k < copies; k++) {
          const j = groups[u]![k]! * FACTORS_PER_COPY + l;
          const offset = j <= this.radius ? j : -1; // −1: padding factor d + 1, never zero
          const value = (((offset - weight) % t) + t) % t;
          offsets[base + k] = value;
          offsets[base + copies + k] = value;
        }
      });
      const plain = encoder.encode(offsets) as ReturnType<typeof seal.PlainText>;
      factors.push(evaluator.subPlain(acc!, plain) as CipherText);
      plain.delete();
    }
    acc!.delete();
    let level = factors;
    while (level.length > 1) {
      const next: CipherText[] = [];
      for (let i = 0; i < level.length; i += 2) {
        const product = evaluator.multiply(level[i]!, level[i + 1]!) as CipherText;
        evaluator.relinearize(product, keys.relin, product);
        level[i]!.delete();
        level[i + 1]!.delete();
        next.push(product);
      }
      level = next;
    }
    const result = level[0]!;
    // Masks: every slot times a fresh uniform nonzero r; token slots get a fresh τ added.
    const masks = uniformBelow(t, slots, 1);
    const tokenValues = uniformBelow(t, slots);
    const addend = new Uint32Array(slots);
    const tokens = new Uint32Array(slots);
    const entries = new Int32Array(slots).fill(-1);
    for (const base of this.bases) {
      for (let k = 0; k < copies; k++) {
        const slot = base + copies + k;
        addend[slot] = tokenValues[slot]!;
        tokens[slot] = tokenValues[slot]!;
        entries[slot] = slotEntry[slot]!;
      }
    }
    const maskPlain = encoder.encode(masks) as ReturnType<typeof seal.PlainText>;
    evaluator.multiplyPlain(result, maskPlain, result);
    maskPlain.delete();
    const addPlain = encoder.encode(addend) as ReturnType<typeof seal.PlainText>;
    evaluator.addPlain(result, addPlain, result);
    addPlain.delete();
    return { ciphertext: result, tokens, entries };
  }

  private verifyAnswer(answer: Uint8Array, pending: Pending): Set<number> {
    const reader = new Reader(answer, 'he-fuzzy answer', 'HE_MALFORMED_ANSWER');
    reader.expectMagic(MAGIC_ANSWER);
    if (!equalBytes(reader.bytes(16), pending.queryId)) {
      throw new HeError('HE_MALFORMED_ANSWER', 'he-fuzzy answer: names another query');
    }
    const count = reader.u16();
    // An honest client claims one token per bank entry within the radius (normally 0 or 1); a
    // cap keeps the chance of guessing a token (1/t per claim) negligible per query.
    if (count > MAX_CLAIMS) {
      throw new HeError('HE_MALFORMED_ANSWER', `he-fuzzy answer: ${count} claims, at most ${MAX_CLAIMS}`);
    }
    const matched = new Set<number>();
    for (let i = 0; i < count; i++) {
      const c = reader.u16();
      const slot = reader.u16();
      const value = reader.u32();
      const entry = pending.entries[c]?.[slot];
      // A claim counts only with the exact token: it survives decryption only where r·Π(d − j) = 0.
      if (entry !== undefined && entry >= 0 && pending.tokens[c]![slot] === value) matched.add(entry);
    }
    reader.end();
    return matched;
  }

  close(): void {
    for (const set of this.keys.values()) {
      set.galois.delete();
      set.relin.delete();
    }
    this.keys.clear();
  }
}

function largestBucket(buckets: Map<number, number[]>): number {
  let largest = 0;
  for (const list of buckets.values()) largest = Math.max(largest, list.length);
  return largest;
}

interface Pending {
  readonly queryId: Uint8Array;
  /** Per result ciphertext: the token expected in each token slot. */
  readonly tokens: Uint32Array[];
  /** Per result ciphertext: which bank entry each token slot stands for (-1: none). */
  readonly entries: Int32Array[];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
