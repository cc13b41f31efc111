// Voucher wire format (version 3), fixed layout so every voucher of an account looks alike:
//   version u8 | voucherId 16 | keyCheck 8 | slots u8 = L | L × (Q 32 | ct0 16 | ct1 16) |
//   shareCt 48 (share y 32 + tag 16) | payloadLen u16 | payloadCt payloadLen (≥ 16)
// Q = u(β·H(key_j)); ct_c = voucherKey ⊕ mask_c, with mask_0 ‖ mask_1 = BLAKE2b keyed with
// u(β·T[pos_c(key_j)]) for the two cuckoo positions (derive.ts). The server opens slot j, choice c
// iff u(k·Q) equals the client's u(β·T[pos_c]), i.e. iff T[pos_c] = k·H(key_j): the key is in the
// bank's table. Everything else is pseudorandom to it. keyCheck = BLAKE2b_voucherKey(domain ‖ id)
// truncated to 8 bytes lets the server discard a wrong candidate key with one hash instead of a
// KDF + AEAD trial (2L candidates per voucher); the share AEAD still authenticates the one candidate
// that passes. Version 1 (no keyCheck, one HKDF per candidate) cost ~55 µs per candidate here;
// version 2 (HKDF-SHA-256 per slot, SHA-256 key checks) ~10 µs of KDF per slot, a third of the
// slot's X25519; version 3 ~1 µs.
import type { PdqHash } from '@safelight/pdq';
import { AEAD_OVERHEAD } from './crypto.js';
import { PsiError } from './errors.js';

export const VOUCHER_VERSION = 3;
export const VOUCHER_ID_BYTES = 16;
export const VOUCHER_KEY_BYTES = 16;
export const KEY_CHECK_BYTES = 8;
export const SLOT_BYTES = 32 + 2 * VOUCHER_KEY_BYTES;
export const SHARE_CT_BYTES = 32 + AEAD_OVERHEAD;
const HEADER_BYTES = 1 + VOUCHER_ID_BYTES + KEY_CHECK_BYTES + 1;
const MAX_PAYLOAD_BYTES = 4096;

export interface VoucherSlot {
  readonly q: Uint8Array;
  readonly ct: readonly [Uint8Array, Uint8Array];
}

export interface Voucher {
  readonly id: Uint8Array;
  /** Check value of the voucher key (see the format note above). */
  readonly keyCheck: Uint8Array;
  readonly slots: readonly VoucherSlot[];
  readonly shareCt: Uint8Array;
  readonly payloadCt: Uint8Array;
}

export function voucherBytes(slots: number, payloadCtBytes: number): number {
  return HEADER_BYTES + slots * SLOT_BYTES + SHARE_CT_BYTES + 2 + payloadCtBytes;
}

export function encodeVoucher(v: Voucher): Uint8Array {
  const out = new Uint8Array(voucherBytes(v.slots.length, v.payloadCt.length));
  let o = 0;
  out[o++] = VOUCHER_VERSION;
  out.set(v.id, o);
  o += VOUCHER_ID_BYTES;
  out.set(v.keyCheck, o);
  o += KEY_CHECK_BYTES;
  out[o++] = v.slots.length;
  for (const slot of v.slots) {
    out.set(slot.q, o);
    out.set(slot.ct[0], o + 32);
    out.set(slot.ct[1], o + 32 + VOUCHER_KEY_BYTES);
    o += SLOT_BYTES;
  }
  out.set(v.shareCt, o);
  o += SHARE_CT_BYTES;
  out[o++] = v.payloadCt.length >>> 8;
  out[o++] = v.payloadCt.length & 0xff;
  out.set(v.payloadCt, o);
  return out;
}

const malformed = (field: string): PsiError =>
  new PsiError('PSI_MALFORMED_VOUCHER', `voucher field ${field} is missing or invalid`);

/** Strict parse: exact lengths, known version, expected slot count. */
export function decodeVoucher(bytes: Uint8Array, expectedSlots: number): Voucher {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER_BYTES) throw malformed('header');
  if (bytes[0] !== VOUCHER_VERSION) throw malformed('version');
  const id = bytes.slice(1, 1 + VOUCHER_ID_BYTES);
  const keyCheck = bytes.slice(1 + VOUCHER_ID_BYTES, 1 + VOUCHER_ID_BYTES + KEY_CHECK_BYTES);
  const slotCount = bytes[HEADER_BYTES - 1];
  if (slotCount !== expectedSlots) throw malformed('slots');
  let o = HEADER_BYTES;
  const fixedEnd = o + slotCount * SLOT_BYTES + SHARE_CT_BYTES + 2;
  if (bytes.length < fixedEnd) throw malformed('slots');
  const slots: VoucherSlot[] = [];
  for (let j = 0; j < slotCount; j++) {
    slots.push({
      // Views, not copies: a voucher is parsed once per evaluation and never mutated.
      q: bytes.subarray(o, o + 32),
      ct: [
        bytes.subarray(o + 32, o + 32 + VOUCHER_KEY_BYTES),
        bytes.subarray(o + 32 + VOUCHER_KEY_BYTES, o + SLOT_BYTES),
      ],
    });
    o += SLOT_BYTES;
  }
  const shareCt = bytes.slice(o, o + SHARE_CT_BYTES);
  o += SHARE_CT_BYTES;
  const payloadLen = ((bytes[o] ?? 0) << 8) | (bytes[o + 1] ?? 0);
  o += 2;
  if (payloadLen < AEAD_OVERHEAD || payloadLen > MAX_PAYLOAD_BYTES) throw malformed('payloadLength');
  if (bytes.length !== o + payloadLen) throw malformed('payload');
  return { id, keyCheck, slots, shareCt, payloadCt: bytes.slice(o) };
}

/** What the server reads once the account key is reconstructed (inner-most layer). */
export interface VoucherPayload {
  readonly pdq: PdqHash;
  readonly quality: number;
  /** The image's attachment key (or an application placeholder): what a reviewer would need. */
  readonly attachmentKey: Uint8Array;
  readonly conversationId: string;
  readonly messageId: string;
}

const PAYLOAD_VERSION = 1;

export function encodePayload(p: VoucherPayload): Uint8Array {
  const enc = new TextEncoder();
  const conv = enc.encode(p.conversationId);
  const msg = enc.encode(p.messageId);
  if (conv.length > 0xffff || msg.length > 0xffff) throw malformed('context');
  const out = new Uint8Array(1 + 32 + 1 + 32 + 2 + conv.length + 2 + msg.length);
  const view = new DataView(out.buffer);
  let o = 0;
  out[o++] = PAYLOAD_VERSION;
  for (let i = 0; i < 8; i++, o += 4) view.setUint32(o, p.pdq[i] ?? 0);
  out[o++] = p.quality;
  out.set(p.attachmentKey.subarray(0, 32), o);
  o += 32;
  view.setUint16(o, conv.length);
  out.set(conv, o + 2);
  o += 2 + conv.length;
  view.setUint16(o, msg.length);
  out.set(msg, o + 2);
  return out;
}

export function decodePayload(bytes: Uint8Array): VoucherPayload {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 70 || bytes[0] !== PAYLOAD_VERSION) throw malformed('payload');
  const pdq = new Uint32Array(8);
  let o = 1;
  for (let i = 0; i < 8; i++, o += 4) pdq[i] = view.getUint32(o);
  const quality = bytes[o++] ?? 0;
  const attachmentKey = bytes.slice(o, o + 32);
  o += 32;
  const dec = new TextDecoder('utf-8', { fatal: true });
  const convLen = view.getUint16(o);
  const conversationId = dec.decode(bytes.subarray(o + 2, o + 2 + convLen));
  o += 2 + convLen;
  const msgLen = view.getUint16(o);
  const messageId = dec.decode(bytes.subarray(o + 2, o + 2 + msgLen));
  return { pdq, quality, attachmentKey, conversationId, messageId };
}
