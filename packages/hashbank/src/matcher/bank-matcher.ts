import {
  matchVpdq,
  PDQ_MATCH_THRESHOLD,
  PDQ_QUALITY_THRESHOLD,
  type PdqHash,
  parsePdqHex,
  type VpdqFeature,
} from '@safelight/pdq';
import type { BankKind } from '../bank/bank.js';
import type { SignalType } from '../bank/signal.js';
import { parseVpdq } from '../bank/vpdq.js';
import { ExactDigestIndex } from '../index/exact-index.js';
import { PdqIndex } from '../index/pdq-index.js';
import type { BankRepository } from '../storage/repository.js';

/**
 * Matching content against every enabled bank: PDQ by Hamming radius, MD5/SHA-256 exactly,
 * videos by vPDQ frame shares. Allow-list banks ("negative" banks) suppress hits: content that
 * matches an allow-list entry is reported as suppressed, not as a match, so a noisy list's false
 * positives can be silenced without editing the list.
 *
 * The matcher is a snapshot of the banks when it was loaded; reload it to see later changes.
 */
export interface EntryRef {
  entryId: number;
  bank: string;
  bankKind: BankKind;
  signalType: SignalType;
  externalId: string | null;
  source: string | null;
  labels: string[];
}

export interface BankHit extends EntryRef {
  /** Hamming distance for PDQ, 0 for exact digests; for vPDQ the best of the two shares below. */
  distance: number;
  /** vPDQ only: share (0..100) of the query's frames found in the entry, and of the entry's in the query. */
  queryMatchPercent?: number;
  targetMatchPercent?: number;
}

export interface MatchVerdict {
  /** Hits in match banks that no allow-list entry overrides. */
  matches: BankHit[];
  /** Hits in match banks dropped because the content also matched an allow-list entry. */
  suppressed: BankHit[];
  /** The allow-list entries the content matched. */
  allowed: BankHit[];
}

export interface ImageSignals {
  pdq?: PdqHash | string;
  md5?: string;
  sha256?: string;
}

export interface MatcherOptions {
  /** PDQ match radius (default 31). */
  radius?: number;
  /** vPDQ: frame distance threshold (default 31) and quality floor (default 50). */
  frameDistance?: number;
  qualityFloor?: number;
  /** vPDQ: a video matches an entry when either share reaches this percentage (default 80). */
  videoMatchPercent?: number;
}

export interface MatcherStats {
  banks: number;
  pdq: number;
  md5: number;
  sha256: number;
  vpdq: number;
}

function sortHits(hits: BankHit[]): BankHit[] {
  return hits.sort(
    (a, b) => a.distance - b.distance || a.bank.localeCompare(b.bank) || a.entryId - b.entryId,
  );
}

export class BankMatcher {
  private readonly pdq = new PdqIndex();
  private readonly md5 = new ExactDigestIndex('md5');
  private readonly sha256 = new ExactDigestIndex('sha256');
  /** vPDQ frames live in their own PDQ index; frame id -> entry id through this table. */
  private readonly videoFrames = new PdqIndex();
  private frameOwners = new Int32Array(1024);
  private frameCount = 0;
  private readonly videos = new Map<number, VpdqFeature[]>();
  private readonly entries = new Map<number, EntryRef>();
  private bankCount = 0;

  private constructor(private readonly options: Required<MatcherOptions>) {}

  /** Loads the active entries of every enabled bank. */
  static async load(repository: BankRepository, options: MatcherOptions = {}): Promise<BankMatcher> {
    const matcher = new BankMatcher({
      radius: options.radius ?? PDQ_MATCH_THRESHOLD,
      frameDistance: options.frameDistance ?? PDQ_MATCH_THRESHOLD,
      qualityFloor: options.qualityFloor ?? PDQ_QUALITY_THRESHOLD,
      videoMatchPercent: options.videoMatchPercent ?? 80,
    });
    for (const bank of await repository.listBanks()) {
      if (!bank.enabled) continue;
      matcher.bankCount++;
      for await (const entry of repository.entries(bank.name)) {
        if (entry.disabled || entry.removedAt !== null) continue;
        matcher.add(
          {
            entryId: entry.id,
            bank: bank.name,
            bankKind: bank.kind,
            signalType: entry.signalType,
            externalId: entry.externalId,
            source: entry.source,
            labels: entry.labels,
          },
          entry.value,
        );
      }
    }
    return matcher;
  }

  private add(ref: EntryRef, value: string): void {
    this.entries.set(ref.entryId, ref);
    switch (ref.signalType) {
      case 'pdq':
        this.pdq.add(ref.entryId, parsePdqHex(value));
        break;
      case 'md5':
        this.md5.add(ref.entryId, value);
        break;
      case 'sha256':
        this.sha256.add(ref.entryId, value);
        break;
      case 'vpdq': {
        const features = parseVpdq(value).map((frame, index) => ({
          frameNumber: index,
          quality: frame.quality,
          hash: parsePdqHex(frame.pdqHex),
          timestampSeconds: frame.seconds,
        }));
        this.videos.set(ref.entryId, features);
        for (const feature of features) {
          if (this.frameCount === this.frameOwners.length) {
            const grown = new Int32Array(this.frameOwners.length * 2);
            grown.set(this.frameOwners);
            this.frameOwners = grown;
          }
          this.frameOwners[this.frameCount] = ref.entryId;
          this.videoFrames.add(this.frameCount++, feature.hash);
        }
        break;
      }
    }
  }

  stats(): MatcherStats {
    return {
      banks: this.bankCount,
      pdq: this.pdq.size,
      md5: this.md5.size,
      sha256: this.sha256.size,
      vpdq: this.videos.size,
    };
  }

  /** Matches an image's PDQ hash and file digests against the banks. */
  matchImage(signals: ImageSignals): MatchVerdict {
    const hits: BankHit[] = [];
    const hit = (entryId: number, distance: number): void => {
      const ref = this.entries.get(entryId);
      if (ref) hits.push({ ...ref, distance });
    };
    if (signals.pdq !== undefined) {
      const hash = typeof signals.pdq === 'string' ? parsePdqHex(signals.pdq) : signals.pdq;
      for (const match of this.pdq.query(hash, this.options.radius)) hit(match.id, match.distance);
    }
    if (signals.md5) for (const id of this.md5.lookup(signals.md5)) hit(id, 0);
    if (signals.sha256) for (const id of this.sha256.lookup(signals.sha256)) hit(id, 0);
    return this.verdict(hits);
  }

  /** Matches a video's vPDQ frames against the banks' vPDQ entries. */
  matchVideo(features: readonly VpdqFeature[]): MatchVerdict {
    const { frameDistance, qualityFloor, videoMatchPercent } = this.options;
    // The frame index finds candidate entries; the exact shares come from matchVpdq on each.
    const candidates = new Set<number>();
    for (const feature of features) {
      if (feature.quality < qualityFloor) continue;
      for (const match of this.videoFrames.query(feature.hash, frameDistance)) {
        candidates.add(this.frameOwners[match.id] as number);
      }
    }
    const hits: BankHit[] = [];
    for (const entryId of candidates) {
      const ref = this.entries.get(entryId);
      const target = this.videos.get(entryId);
      if (!ref || !target) continue;
      const result = matchVpdq(features, target, { distanceThreshold: frameDistance, qualityFloor });
      const best = Math.max(result.queryMatchPercent, result.targetMatchPercent);
      if (best >= videoMatchPercent) {
        hits.push({
          ...ref,
          distance: 100 - best,
          queryMatchPercent: result.queryMatchPercent,
          targetMatchPercent: result.targetMatchPercent,
        });
      }
    }
    return this.verdict(hits);
  }

  private verdict(hits: BankHit[]): MatchVerdict {
    const allowed = hits.filter((h) => h.bankKind === 'allow');
    const matching = hits.filter((h) => h.bankKind !== 'allow');
    return allowed.length > 0
      ? { matches: [], suppressed: sortHits(matching), allowed: sortHits(allowed) }
      : { matches: sortHits(matching), suppressed: [], allowed: [] };
  }
}
