// Tables of server-side detection (apps/server/src/detection), created by migration
// 0008_detection_challenges. Times are ms since the epoch (bigint in PostgreSQL, parsed to number),
// bytes are BLOB / bytea.

export interface DetectionDatabase {
  detection_challenges: DetectionChallengeTable;
}

/**
 * A round-trip mode's challenge (he-fuzzy) between evaluate and the device's answer. The row
 * outlives its state: once answered or expired the state is dropped and the row stays as a marker
 * (answered / expired, for 409 / 410 instead of 404) until swept.
 */
export interface DetectionChallengeTable {
  /** Random, 16 bytes base64url (not the mode's own query id). */
  challenge_id: string;
  /** Only this device can answer it. */
  device_id: string;
  /** The mode's pending state (sealed); null once answered or expired. */
  state: Uint8Array | null;
  expires_at: number;
  /** When it was answered; null while pending or when it expired unanswered. */
  answered_at: number | null;
}
