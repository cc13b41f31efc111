// The server's pending state between the two steps of an he-fuzzy evaluation: `start` (query ->
// challenge) and `finish` (answer -> verdicts). It is everything `finish` needs and nothing else:
//
//   'SLHP' | version | config digest (16) | query id (16) | context (3 × u32-length UTF-8)
//   | copies (u8) | ciphertexts (u16)
//   | per ciphertext: n (u16), then n × (unit u16 | bank entry index u32 | copies × token u32)
//
// Only units that carry a bank entry are stored (dummy units can never earn a verdict). No key,
// no ciphertext, nothing the device sent beyond the context: finish checks tokens, so any server
// holding the same bank can finish what another started — without the device's evaluation keys.
//
// CONFIDENTIAL: the tokens are what a device must present to claim a match, and the unit -> entry
// map says which bank entries sat in the device's bucket. A device that read this state could
// claim any candidate entry (frame itself or another sender sharing its session) and learn its
// bucket's entries; it is server-side secret state and must never reach a device or a log.
import { createHash } from 'node:crypto';
import type { BankSnapshot, DetectionContext } from '../mode.js';
import { HeError } from './errors.js';
import { equalBytes, MAGIC_PENDING, Reader, Writer } from './wire.js';

/** What finish needs, per result ciphertext, in the layout the answer names (ciphertext, slot). */
export interface Pending {
  readonly queryId: Uint8Array;
  readonly context: DetectionContext;
  /** Per result ciphertext: the token expected in each token slot. */
  readonly tokens: Uint32Array[];
  /** Per result ciphertext: which bank entry each token slot stands for (-1: none). */
  readonly entries: Int32Array[];
}

/** The server configuration a pending state is only valid under. */
export interface PendingShape {
  /** Digest of the bank and the layout parameters (configDigest). */
  readonly digest: Uint8Array;
  readonly copies: number;
  /** Start slot of every unit. */
  readonly bases: readonly number[];
  readonly slots: number;
  readonly ciphertexts: number;
}

const DIGEST_DOMAIN = 'safelight/detection/he-fuzzy/pending/v1';

/**
 * 16 bytes naming the bank (name, entry ids and hashes, in order) and the layout (BFV parameter
 * fingerprint, radius, bucket bits, result ciphertexts, entries per ciphertext). A state made
 * under another configuration would point its entry indexes at other entries: finish refuses it.
 */
export function configDigest(
  bank: BankSnapshot,
  layout: {
    fingerprint: Uint8Array;
    radius: number;
    bucketBits: number;
    ciphertexts: number;
    entriesPerCiphertext: number;
  },
): Uint8Array {
  const hash = createHash('sha256').update(DIGEST_DOMAIN).update(layout.fingerprint);
  const numbers = new Uint32Array([
    layout.radius,
    layout.bucketBits,
    layout.ciphertexts,
    layout.entriesPerCiphertext,
    bank.entries.length,
  ]);
  hash.update(new Uint8Array(numbers.buffer));
  const text = (value: string) => {
    const bytes = Buffer.from(value, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  text(bank.bankName);
  for (const entry of bank.entries) {
    text(entry.id);
    hash.update(new Uint8Array(entry.pdq.buffer, entry.pdq.byteOffset, entry.pdq.byteLength));
  }
  return new Uint8Array(hash.digest().subarray(0, 16));
}

export function encodePending(pending: Pending, shape: PendingShape): Uint8Array {
  const writer = new Writer().magic(MAGIC_PENDING).bytes(shape.digest).bytes(pending.queryId);
  const text = (value: string) => writer.blob(new TextEncoder().encode(value));
  text(pending.context.accountId);
  text(pending.context.conversationId);
  text(pending.context.messageId);
  writer.u8(shape.copies).u16(pending.tokens.length);
  pending.tokens.forEach((tokens, c) => {
    const entries = pending.entries[c]!;
    const units: number[] = [];
    shape.bases.forEach((base, u) => {
      if (entries[base + shape.copies]! >= 0) units.push(u);
    });
    writer.u16(units.length);
    for (const u of units) {
      const first = shape.bases[u]! + shape.copies;
      writer.u16(u).u32(entries[first]!);
      for (let k = 0; k < shape.copies; k++) writer.u32(tokens[first + k]!);
    }
  });
  return writer.finish();
}

export function decodePending(state: Uint8Array, shape: PendingShape): Pending {
  try {
    const reader = new Reader(state, 'he-fuzzy pending state', 'HE_MALFORMED_STATE');
    reader.expectMagic(MAGIC_PENDING);
    if (!equalBytes(reader.bytes(16), shape.digest)) {
      throw new HeError(
        'HE_MALFORMED_STATE',
        'he-fuzzy pending state: made under another bank or configuration',
      );
    }
    const queryId = reader.bytes(16).slice();
    const text = () => new TextDecoder('utf-8', { fatal: true }).decode(reader.blob());
    const context: DetectionContext = { accountId: text(), conversationId: text(), messageId: text() };
    const copies = reader.u8();
    const count = reader.u16();
    if (copies !== shape.copies || count !== shape.ciphertexts) {
      throw new HeError('HE_MALFORMED_STATE', 'he-fuzzy pending state: another layout');
    }
    const tokens: Uint32Array[] = [];
    const entries: Int32Array[] = [];
    for (let c = 0; c < count; c++) {
      const slotTokens = new Uint32Array(shape.slots);
      const slotEntries = new Int32Array(shape.slots).fill(-1);
      const units = reader.u16();
      for (let i = 0; i < units; i++) {
        const u = reader.u16();
        const entry = reader.u32();
        const base = shape.bases[u];
        if (base === undefined || entry > 0x7fffffff) {
          throw new HeError('HE_MALFORMED_STATE', 'he-fuzzy pending state: a unit out of range');
        }
        for (let k = 0; k < copies; k++) {
          slotTokens[base + copies + k] = reader.u32();
          slotEntries[base + copies + k] = entry;
        }
      }
      tokens.push(slotTokens);
      entries.push(slotEntries);
    }
    reader.end();
    return { queryId, context, tokens, entries };
  } catch (error) {
    if (error instanceof HeError && error.code === 'HE_MALFORMED_STATE') throw error;
    throw new HeError('HE_MALFORMED_STATE', 'he-fuzzy pending state: corrupt', { cause: error });
  }
}
