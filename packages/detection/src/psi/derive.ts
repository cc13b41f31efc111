// Key derivations shared by the client, the server and the opening workers (one definition, so
// the two sides cannot drift apart). Every derivation binds the voucher id and the account tag.
import { createHash } from 'node:crypto';
import { hkdf, keyedBlake2b, utf8 } from './crypto.js';
import { hashToScalar, scalarToBytes } from './shamir.js';
import { KEY_CHECK_BYTES, VOUCHER_ID_BYTES, VOUCHER_KEY_BYTES, VOUCHER_VERSION } from './voucher.js';

export const ZERO_NONCE = new Uint8Array(12);

export function accountTag(accountId: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update('safelight-psi account|').update(accountId).digest());
}

const SLOT_DOMAIN = utf8('safelight-psi slot3|'); // 20 bytes

/**
 * Both cuckoo choices' masks of slot j from one keyed BLAKE2b call (key: the shared secret):
 * bytes [16c, 16c + 16) mask choice c. Each choice's mask comes from its own shared secret
 * S_c = u(β·T[pos_c]); the server computes one candidate S = u(k·Q) per slot, so it derives once
 * and tries both halves. The message binds the slot, its Q, the voucher id and the account tag.
 */
export function slotMasks(
  shared: Uint8Array,
  voucherId: Uint8Array,
  tag: Uint8Array,
  slot: number,
  q: Uint8Array,
): Uint8Array {
  const message = new Uint8Array(20 + 32 + 1 + 32 + VOUCHER_ID_BYTES);
  message.set(SLOT_DOMAIN, 0);
  message.set(tag, 20);
  message[52] = slot;
  message.set(q, 53);
  message.set(voucherId, 85);
  return keyedBlake2b(shared, message, 2 * VOUCHER_KEY_BYTES);
}

const KEY_CHECK_DOMAIN = utf8('safelight-psi key check3|');

/** 8-byte check value of a voucher key (a filter: the share AEAD still authenticates). */
export function keyCheck(voucherKey: Uint8Array, voucherId: Uint8Array): Uint8Array {
  const message = new Uint8Array(KEY_CHECK_DOMAIN.length + VOUCHER_ID_BYTES);
  message.set(KEY_CHECK_DOMAIN, 0);
  message.set(voucherId, KEY_CHECK_DOMAIN.length);
  // libsodium's shortest BLAKE2b output is 16 bytes; the check keeps the first 8.
  return keyedBlake2b(voucherKey, message, 16).subarray(0, KEY_CHECK_BYTES);
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
