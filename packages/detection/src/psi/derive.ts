// Key derivations shared by the client, the server and the opening workers (one definition, so
// the two sides cannot drift apart). Every derivation binds the voucher id and the account tag.
import { createHash } from 'node:crypto';
import { hkdf, utf8 } from './crypto.js';
import { hashToScalar, scalarToBytes } from './shamir.js';
import { KEY_CHECK_BYTES, VOUCHER_ID_BYTES, VOUCHER_KEY_BYTES, VOUCHER_VERSION } from './voucher.js';

export const ZERO_NONCE = new Uint8Array(12);

export function accountTag(accountId: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update('safelight-psi account|').update(accountId).digest());
}

const SLOT_INFO = utf8('safelight-psi slot2|'); // 20 bytes

/**
 * Both cuckoo choices' masks of slot j from one HKDF call: bytes [16c, 16c + 16) mask choice c.
 * Each choice's mask comes from its own shared secret S_c = u(β·T[pos_c]); the server computes one
 * candidate S = u(k·Q) per slot, so it derives once and tries both halves.
 */
export function slotMasks(
  shared: Uint8Array,
  voucherId: Uint8Array,
  tag: Uint8Array,
  slot: number,
  q: Uint8Array,
): Uint8Array {
  const info = new Uint8Array(20 + 32 + 1 + 32);
  info.set(SLOT_INFO, 0);
  info.set(tag, 20);
  info[52] = slot;
  info.set(q, 53);
  return hkdf(shared, voucherId, info, 2 * VOUCHER_KEY_BYTES);
}

const KEY_CHECK_DOMAIN = utf8('safelight-psi key check|');

/** 8-byte check value of a voucher key (a filter: the share AEAD still authenticates). */
export function keyCheck(voucherKey: Uint8Array, voucherId: Uint8Array): Uint8Array {
  const h = createHash('sha256').update(KEY_CHECK_DOMAIN).update(voucherId).update(voucherKey).digest();
  return new Uint8Array(h.buffer, h.byteOffset, KEY_CHECK_BYTES);
}

export const shareKey = (voucherKey: Uint8Array, voucherId: Uint8Array): Uint8Array =>
  hkdf(voucherKey, voucherId, utf8('safelight-psi share'), 32);

export const payloadKey = (accountSecret: bigint, tag: Uint8Array): Uint8Array =>
  hkdf(scalarToBytes(accountSecret), tag, utf8('safelight-psi payload'), 32);

export function layerAad(voucherId: Uint8Array, tag: Uint8Array): Uint8Array {
  const aad = new Uint8Array(1 + VOUCHER_ID_BYTES + 32);
  aad[0] = VOUCHER_VERSION;
  aad.set(voucherId, 1);
  aad.set(tag, 1 + VOUCHER_ID_BYTES);
  return aad;
}

export const shareX = (tag: Uint8Array, voucherId: Uint8Array): bigint =>
  hashToScalar('safelight-psi share x', tag, voucherId);

export const payloadNonce = (voucherId: Uint8Array): Uint8Array => voucherId.subarray(0, 12);
