// Where round-trip detection modes (he-fuzzy) keep a challenge between POST /v1/detection/evaluate
// and the device's POST /v1/detection/he/answer: the mode's pending state, which device may answer
// and until when. Stored, so any server process can finish what another started (the pending state
// needs no device keys, packages/detection/src/he/pending.ts).
//
// `take` is the one atomic step: it hands the state out to exactly one caller (a guarded UPDATE
// that only one of two racing answers can win) and leaves the row as an "answered" marker; an
// expired row stays as an "expired" marker. Markers are kept `keepMarkersMs` after expiry (default
// 1 hour), so a late or repeated answer is told 410 / 409 rather than 404; `sweep` drops the states
// of expired challenges (they hold secret tokens) and then the old markers.
import type { Db } from '../storage/schema.js';

export interface PendingChallenge {
  /** The only device that may answer. */
  readonly deviceId: string;
  /** The mode's pending state (sealed by the mode; never sent to a device). */
  readonly state: Uint8Array;
  /** ms since the epoch; an answer at or after it is expired. */
  readonly expiresAt: number;
}

export type ChallengeTake =
  | { readonly status: 'found'; readonly state: Uint8Array }
  /** No such challenge, or another device's (a device cannot probe others' ids). */
  | { readonly status: 'unknown' }
  | { readonly status: 'expired' }
  | { readonly status: 'answered' };

export interface ChallengeSweep {
  /** Expired challenges whose state was dropped (the row stays as a marker). */
  readonly expired: number;
  /** Markers older than the retention, deleted. */
  readonly forgotten: number;
}

export interface ChallengeStore {
  put(id: string, challenge: PendingChallenge): Promise<void>;
  /**
   * Takes the pending state of challenge `id` for `deviceId` at time `now`, at most once over all
   * callers and processes: `found` (and from then on `answered`), `expired` at or after its
   * expiry, `unknown` for an id that never existed, belongs to another device or was swept.
   */
  take(id: string, deviceId: string, now: number): Promise<ChallengeTake>;
  /** Drops expired states and markers older than the retention (the server's housekeeping). */
  sweep(now: number): Promise<ChallengeSweep>;
}

export interface ChallengeStoreOptions {
  /** How long answered / expired markers outlive a challenge's expiry (default 1 hour). */
  readonly keepMarkersMs?: number;
}

export const DEFAULT_KEEP_MARKERS_MS = 60 * 60 * 1000;

const bytes = (value: Uint8Array): Uint8Array =>
  value instanceof Buffer ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;

/**
 * The store over the server's database (SQLite or PostgreSQL), table detection_challenges: the
 * database itself or an open transaction (the detection service passes its scope's).
 */
export class KyselyChallengeStore implements ChallengeStore {
  private readonly keepMarkersMs: number;

  constructor(
    private readonly db: Db,
    options: ChallengeStoreOptions = {},
  ) {
    this.keepMarkersMs = checkKeep(options.keepMarkersMs);
  }

  async put(id: string, challenge: PendingChallenge): Promise<void> {
    await this.db
      .insertInto('detection_challenges')
      .values({
        challenge_id: id,
        device_id: challenge.deviceId,
        state: Buffer.from(challenge.state),
        expires_at: challenge.expiresAt,
        answered_at: null,
      })
      .execute();
  }

  async take(id: string, deviceId: string, now: number): Promise<ChallengeTake> {
    const row = await this.db
      .selectFrom('detection_challenges')
      .select(['device_id', 'state', 'expires_at', 'answered_at'])
      .where('challenge_id', '=', id)
      .executeTakeFirst();
    if (row === undefined || row.device_id !== deviceId) return { status: 'unknown' };
    if (row.answered_at !== null) return { status: 'answered' };
    if (row.state === null || Number(row.expires_at) <= now) return { status: 'expired' };
    // The state never changes except to null, so the one caller whose guarded update lands
    // owns the state it read; a racing answer (or a sweep) in between makes the update miss.
    const taken = await this.db
      .updateTable('detection_challenges')
      .set({ state: null, answered_at: now })
      .where('challenge_id', '=', id)
      .where('answered_at', 'is', null)
      .where('state', 'is not', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (taken.numUpdatedRows === 1n) return { status: 'found', state: bytes(row.state) };
    return this.take(id, deviceId, now);
  }

  async sweep(now: number): Promise<ChallengeSweep> {
    const expired = await this.db
      .updateTable('detection_challenges')
      .set({ state: null })
      .where('expires_at', '<=', now)
      .where('state', 'is not', null)
      .executeTakeFirst();
    const forgotten = await this.db
      .deleteFrom('detection_challenges')
      .where('expires_at', '<=', now - this.keepMarkersMs)
      .executeTakeFirst();
    return { expired: Number(expired.numUpdatedRows), forgotten: Number(forgotten.numDeletedRows) };
  }
}

interface MemoryRow {
  readonly deviceId: string;
  state: Uint8Array | null;
  readonly expiresAt: number;
  answeredAt: number | null;
}

/** The same semantics in memory: unit tests, and embedding code with one process. */
export class MemoryChallengeStore implements ChallengeStore {
  private readonly rows = new Map<string, MemoryRow>();
  private readonly keepMarkersMs: number;

  constructor(options: ChallengeStoreOptions = {}) {
    this.keepMarkersMs = checkKeep(options.keepMarkersMs);
  }

  /** Rows held (pending and markers). */
  get size(): number {
    return this.rows.size;
  }

  async put(id: string, challenge: PendingChallenge): Promise<void> {
    if (this.rows.has(id)) throw new Error(`challenge ${id} exists`);
    this.rows.set(id, {
      deviceId: challenge.deviceId,
      state: challenge.state.slice(),
      expiresAt: challenge.expiresAt,
      answeredAt: null,
    });
  }

  async take(id: string, deviceId: string, now: number): Promise<ChallengeTake> {
    const row = this.rows.get(id);
    if (row === undefined || row.deviceId !== deviceId) return { status: 'unknown' };
    if (row.answeredAt !== null) return { status: 'answered' };
    if (row.state === null || row.expiresAt <= now) return { status: 'expired' };
    const state = row.state;
    row.state = null;
    row.answeredAt = now;
    return { status: 'found', state };
  }

  async sweep(now: number): Promise<ChallengeSweep> {
    let expired = 0;
    let forgotten = 0;
    for (const [id, row] of this.rows) {
      if (row.expiresAt <= now && row.state !== null) {
        row.state = null;
        expired++;
      }
      if (row.expiresAt <= now - this.keepMarkersMs) {
        this.rows.delete(id);
        forgotten++;
      }
    }
    return { expired, forgotten };
  }
}

function checkKeep(value: number | undefined): number {
  const keep = value ?? DEFAULT_KEEP_MARKERS_MS;
  if (!Number.isSafeInteger(keep) || keep < 0) {
    throw new RangeError('keepMarkersMs must be a non-negative integer (ms)');
  }
  return keep;
}
