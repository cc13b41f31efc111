// The audit log: append-only and hash-chained. Every view, reveal and decision is an entry whose
// hash covers the previous entry's hash, so deleting, reordering or editing any entry breaks
// every hash after it — and verifyAuditChain says where.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { ReportingError } from './errors.js';

export interface AuditEntryInput {
  readonly at: number;
  readonly actorId: string;
  readonly role: string;
  /** e.g. "case.view", "media.reveal", "case.decide". */
  readonly action: string;
  readonly caseId?: string | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

export interface AuditEntry extends AuditEntryInput {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hash before the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);

/** JSON with object keys sorted at every level: one byte string per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new ReportingError('AUDIT_CHAIN_BROKEN', 'non-finite number');
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

function entryHash(seq: number, prevHash: string, input: AuditEntryInput): string {
  const body = canonicalJson({
    seq,
    prevHash,
    at: input.at,
    actorId: input.actorId,
    role: input.role,
    action: input.action,
    caseId: input.caseId,
    details: input.details,
  });
  return bytesToHex(sha256(utf8ToBytes(`safelight-audit-v1\n${body}`)));
}

/** The next entry after `previous` (undefined for the first). */
export function chainAuditEntry(previous: AuditEntry | undefined, input: AuditEntryInput): AuditEntry {
  const seq = previous ? previous.seq + 1 : 1;
  const prevHash = previous ? previous.hash : AUDIT_GENESIS;
  return { ...input, seq, prevHash, hash: entryHash(seq, prevHash, input) };
}

export type AuditChainCheck =
  | { readonly ok: true; readonly head: string }
  | { readonly ok: false; readonly brokenAt: number; readonly reason: string };

/** Recomputes every hash and link; reports the first entry that does not fit. */
export function verifyAuditChain(entries: readonly AuditEntry[]): AuditChainCheck {
  let prevHash = AUDIT_GENESIS;
  let expectedSeq = 1;
  for (const entry of entries) {
    if (entry.seq !== expectedSeq)
      return {
        ok: false,
        brokenAt: entry.seq,
        reason: `expected entry ${expectedSeq}, found ${entry.seq} (missing or reordered)`,
      };
    if (entry.prevHash !== prevHash)
      return { ok: false, brokenAt: entry.seq, reason: 'does not link to the previous entry' };
    if (entryHash(entry.seq, entry.prevHash, entry) !== entry.hash)
      return { ok: false, brokenAt: entry.seq, reason: 'content does not match its hash (edited)' };
    prevHash = entry.hash;
    expectedSeq++;
  }
  return { ok: true, head: prevHash };
}
