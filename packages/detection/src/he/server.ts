// Server side of he-fuzzy. Holds the bank in the clear and only public evaluation keys. Per query
// it computes, under encryption, the Hamming distance d between the client's hash and every bank
// entry of the client's bucket, turns each d into zero-tests r·Π(d − j) over the offsets
// j = 0..radius (split over `copies` slots of depth-2 products, offsets shuffled per entry), hides
// a fresh token beside each flag that survives only when the flag is zero, shuffles entries over
// slots, and asks the client which flags decrypted to zero. The distance (distance.ts) runs on
// worker threads by default (worker-pool.ts); the zero tests (zero-test.ts) on this thread.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
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
import { bucketKey, popcount } from './bits.js';
import { keyIdOf } from './client.js';
import { Diagonals } from './diagonals.js';
import { babySteps, giantStepSum } from './distance.js';
import { HeError } from './errors.js';
import { HASH_WORDS, type Placement, placeEntries, slotUnits } from './layout.js';
import { copiesFor, HASH_BITS, type HeRuntime, heRuntime, MAX_CLAIMS, unitBases } from './params.js';
import { configDigest, decodePending, encodePending, type Pending, type PendingShape } from './pending.js';
import { GIANT_STEPS } from './split.js';
import {
  equalBytes,
  MAGIC_ANSWER,
  MAGIC_CHALLENGE,
  MAGIC_KEYS,
  MAGIC_QUERY,
  Reader,
  Writer,
} from './wire.js';
import { HeWorkerPool } from './worker-pool.js';
import { type ZeroTestShape, zeroTestAndMask } from './zero-test.js';

export interface HeServerOptions {
  readonly radius?: number;
  /** Ciphertexts per query the bucketing aims at (bank / bucket size); default 4. */
  readonly maxCiphertexts?: number;
  /**
   * Worker threads for the encrypted distance (default os.availableParallelism()); 0 computes it on
   * the calling thread. Verdicts, bytes and what each party learns are the same either way.
   */
  readonly threads?: number;
}

/** Sends a challenge to the sender's device and returns its answer (a network round trip). */
export type AnswerChannel = (challenge: Uint8Array) => Promise<Uint8Array>;

/** Step one of an evaluation (`start`): the challenge for the device, the state for `finish`. */
export interface HeStarted {
  /** Goes to the sender's device. */
  readonly challenge: Uint8Array;
  /** Stays on the server (secret: it holds the tokens); pending.ts has its layout. */
  readonly pending: Uint8Array;
  readonly exchange: Omit<HeExchange, 'answerBytes'>;
}

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
  /** Held here only when the distance runs on this thread; the workers hold their own copies. */
  readonly galois: GaloisKeys | undefined;
  readonly relin: RelinKeys;
  channel: AnswerChannel | undefined;
}

interface Query {
  readonly keyId: string;
  readonly keys: KeySet;
  readonly bucketKey: number;
  /** The ciphertext as sent, for the workers. */
  readonly bytes: Uint8Array;
  readonly ciphertext: CipherText;
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
  private readonly slotUnit: Int32Array;
  private readonly shape: ZeroTestShape;
  private readonly pendingShape: PendingShape;
  /** Worker threads for the distance; 0 = this thread. */
  readonly threads: number;
  /** Started with the first key registration, so a server nobody registers with spawns nothing. */
  private pool: HeWorkerPool | undefined;
  private closed = false;

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
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 0) {
      throw new HeError('HE_INVALID_OPTION', `threads must be a non-negative integer, got ${threads}`);
    }
    this.threads = Math.min(threads, GIANT_STEPS);
    this.radius = radius;
    this.copies = copiesFor(radius);
    this.bases = unitBases(this.copies);
    this.slotUnit = slotUnits(this.bases, this.copies);
    this.entriesPerCiphertext = this.bases.length;
    const n = bank.entries.length;
    const target = this.entriesPerCiphertext * maxCiphertexts;
    this.words = new Uint32Array(n * HASH_WORDS);
    this.weights = new Uint16Array(n);
    bank.entries.forEach((entry, i) => {
      this.words.set(entry.pdq, i * HASH_WORDS);
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
    this.shape = { radius, copies: this.copies, bases: this.bases, weights: this.weights };
    this.pendingShape = {
      digest: configDigest(bank, {
        fingerprint: rt.fingerprint,
        radius,
        bucketBits: this.bucketBits,
        ciphertexts: this.ciphertextsPerQuery,
        entriesPerCiphertext: this.entriesPerCiphertext,
      }),
      copies: this.copies,
      bases: this.bases,
      slots: rt.slots,
      ciphertexts: this.ciphertextsPerQuery,
    };
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
    if (this.closed) throw new HeError('HE_CLOSED', 'he-fuzzy server is closed');
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
    const id = hex(keyId);
    const existing = this.keys.get(id);
    if (existing) {
      // The key id hashes the registration: the same keys again (an evaluation may be using them).
      galois.delete();
      relin.delete();
      existing.channel = channel ?? existing.channel;
      return keyId;
    }
    if (this.threads > 0) {
      this.pool ??= new HeWorkerPool(this.threads);
      // A copy: the registration buffer belongs to the caller.
      this.pool.register(id, galoisBytes.slice());
      galois.delete();
      this.keys.set(id, { galois: undefined, relin, channel });
    } else this.keys.set(id, { galois, relin, channel });
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

  /**
   * The whole round trip in one call, over the channel registered for the query's keys: `start`,
   * the channel (the sender's device), `finish`. Tests, benches and the in-process mode use it.
   */
  async evaluateDetailed(
    payload: Uint8Array,
    context: DetectionContext,
  ): Promise<{ verdicts: DetectionVerdict[]; exchange: HeExchange }> {
    const started = await this.startDetailed(payload, context);
    const channel = started.keys.channel;
    if (!channel) throw new HeError('HE_UNKNOWN_KEYS', 'he-fuzzy: no channel to this client');
    const answer = await channel(started.challenge);
    const resumed = performance.now();
    const verdicts = this.finish(started.pending, answer);
    return {
      verdicts,
      exchange: {
        ...started.exchange,
        answerBytes: answer.length,
        serverMs: started.exchange.serverMs + performance.now() - resumed,
      },
    };
  }

  /**
   * Step one of an evaluation: the query's encrypted zero tests as the challenge for the device,
   * and the pending state `finish` needs to judge the answer (pending.ts: query id, context,
   * tokens and the bank entry behind each token slot; no keys, no ciphertext). The state is
   * server-side secret (the tokens prove a match): keep it from devices and logs. Any server with
   * the same bank and options can finish it; this one does not remember it.
   */
  async start(payload: Uint8Array, context: DetectionContext): Promise<HeStarted> {
    const { challenge, pending, exchange } = await this.startDetailed(payload, context);
    return { challenge, pending, exchange };
  }

  private async startDetailed(
    payload: Uint8Array,
    context: DetectionContext,
  ): Promise<HeStarted & { keys: KeySet }> {
    const started = performance.now();
    if (this.closed) throw new HeError('HE_CLOSED', 'he-fuzzy server is closed');
    const query = this.parseQuery(payload);
    const candidates = this.buckets.get(query.bucketKey) ?? [];
    let challenge: Uint8Array;
    let pending: Pending;
    try {
      ({ challenge, pending } = await this.challengeFor(query, candidates, context));
    } finally {
      query.ciphertext.delete();
    }
    return {
      challenge,
      pending: encodePending(pending, this.pendingShape),
      keys: query.keys,
      exchange: {
        queryBytes: payload.length,
        challengeBytes: challenge.length,
        candidates: candidates.length,
        ciphertexts: pending.tokens.length,
        serverMs: performance.now() - started,
      },
    };
  }

  /**
   * Step two: judges the device's answer against a pending state from `start` (of this server or
   * of another one holding the same bank and options). Verdicts name the context the state was
   * started with; none for an honest non-match. `HE_MALFORMED_ANSWER` for a malformed answer or
   * one naming another query, `HE_MALFORMED_STATE` for a state this server cannot finish.
   */
  finish(pendingState: Uint8Array, answer: Uint8Array): DetectionVerdict[] {
    if (this.closed) throw new HeError('HE_CLOSED', 'he-fuzzy server is closed');
    const pending = decodePending(pendingState, this.pendingShape);
    const matched = this.verifyAnswer(answer, pending);
    return [...matched].map((index) => ({
      mode: 'he-fuzzy',
      context: pending.context,
      bankEntryId: this.bank.entries[index]!.id,
      bankName: this.bank.bankName,
    }));
  }

  private parseQuery(payload: Uint8Array): Query {
    const { seal, context, fingerprint } = this.rt;
    const reader = new Reader(payload, 'he-fuzzy payload', 'HE_MALFORMED_CIPHERTEXT');
    reader.expectMagic(MAGIC_QUERY);
    if (!equalBytes(reader.bytes(8), fingerprint)) {
      throw new HeError('HE_WRONG_PARAMETERS', 'he-fuzzy payload: encrypted under other BFV parameters');
    }
    const keyId = hex(reader.bytes(16));
    const keys = this.keys.get(keyId);
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
    return { keyId, keys, bucketKey: key, bytes, ciphertext };
  }

  private async challengeFor(
    query: Query,
    candidates: readonly number[],
    detectionContext: DetectionContext,
  ): Promise<{ challenge: Uint8Array; pending: Pending }> {
    const { seal, evaluator, context } = this.rt;
    const placements = Array.from({ length: this.ciphertextsPerQuery }, (_, c) =>
      placeEntries(
        candidates.slice(c * this.entriesPerCiphertext, (c + 1) * this.entriesPerCiphertext),
        this.bases.length,
        this.words,
      ),
    );
    const distances = await this.distances(query, placements);
    if (this.closed) {
      for (const ct of distances) ct?.delete();
      throw new HeError('HE_CLOSED', 'he-fuzzy server was closed during an evaluation');
    }
    const queryId = new Uint8Array(randomBytes(16));
    const writer = new Writer()
      .magic(MAGIC_CHALLENGE)
      .bytes(this.rt.fingerprint)
      .bytes(queryId)
      .u8(this.copies)
      .u16(this.ciphertextsPerQuery);
    const pending: Pending = { queryId, context: detectionContext, tokens: [], entries: [] };
    try {
      for (let c = 0; c < placements.length; c++) {
        const distance = distances[c]!;
        distances[c] = undefined;
        const { ciphertext, tokens, entries } = zeroTestAndMask(
          this.rt,
          distance,
          query.keys.relin,
          placements[c]!,
          this.shape,
        );
        try {
          evaluator.cipherModSwitchTo(ciphertext, context.lastParmsId, ciphertext);
          writer.blob(ciphertext.saveArray(seal.ComprModeType.zstd));
        } finally {
          ciphertext.delete();
        }
        pending.tokens.push(tokens);
        pending.entries.push(entries);
      }
    } finally {
      for (const ct of distances) ct?.delete();
    }
    return { challenge: writer.finish(), pending };
  }

  /** Σ w·x per slot for every placement: on the worker threads, or here when threads is 0. */
  private async distances(
    query: Query,
    placements: readonly Placement[],
  ): Promise<Array<CipherText | undefined>> {
    const { seal, evaluator, context } = this.rt;
    if (!this.pool) {
      const galois = query.keys.galois!;
      const baby = babySteps(this.rt, query.ciphertext, galois);
      try {
        return placements.map((p) => {
          const diagonals = new Diagonals(this.rt, this.slotUnit, p.unitWords, 0, GIANT_STEPS);
          try {
            return giantStepSum(this.rt, baby, galois, diagonals);
          } finally {
            diagonals.delete();
          }
        });
      } finally {
        for (const ct of baby) ct.delete();
      }
    }
    const perWorker = await this.pool.distances(
      query.keyId,
      query.bytes,
      this.copies,
      placements.map((p) => p.unitWords),
    );
    const sums: CipherText[] = [];
    const part = seal.CipherText();
    try {
      for (let c = 0; c < placements.length; c++) {
        const sum = seal.CipherText();
        sums.push(sum);
        perWorker.forEach((partials, w) => {
          (w === 0 ? sum : part).loadArray(context, partials[c]!);
          if (w > 0) evaluator.add(sum, part, sum);
        });
      }
      return sums;
    } catch (error) {
      for (const ct of sums) ct.delete();
      throw error;
    } finally {
      part.delete();
    }
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

  /** Test hook: the worker threads (none before the first key registration or with threads 0). */
  workersForTest(): readonly Worker[] {
    return this.pool?.workersForTest() ?? [];
  }

  /** Frees the keys and ends the worker threads; an evaluation still running is rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.keys.values()) {
      set.galois?.delete();
      set.relin.delete();
    }
    this.keys.clear();
    await this.pool?.close();
  }
}

function largestBucket(buckets: Map<number, number[]>): number {
  let largest = 0;
  for (const list of buckets.values()) largest = Math.max(largest, list.length);
  return largest;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
