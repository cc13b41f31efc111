// The server's per-voucher hot path: try to open the outer layer. Pure function of the server key
// and the voucher, no account state, so it runs unchanged in the PsiServer and in the worker
// threads of PsiServerPool. Cost per voucher: L native X25519 (≈ 65 µs each on the bench VM,
// `openssl speed ecdhx25519`), L HKDF calls and 2L SHA-256 key checks; the share AEAD runs only
// for the candidate whose key check matches (the matching slot, or a 2^-64 false positive).
import type { X25519Secret } from './crypto.js';
import { open, x25519 } from './crypto.js';
import { keyCheck, layerAad, shareKey, slotMasks, ZERO_NONCE } from './derive.js';
import { VOUCHER_KEY_BYTES, type Voucher } from './voucher.js';

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** The 32-byte share y (still to be range-checked) if some slot opens, else undefined. */
export function openOuterLayer(
  serverKey: X25519Secret,
  voucher: Voucher,
  tag: Uint8Array,
): Uint8Array | undefined {
  const candidate = new Uint8Array(VOUCHER_KEY_BYTES);
  for (let j = 0; j < voucher.slots.length; j++) {
    const slot = voucher.slots[j];
    if (!slot) continue;
    const shared = x25519(serverKey, slot.q);
    if (!shared) continue;
    const masks = slotMasks(shared, voucher.id, tag, j, slot.q);
    for (let c = 0; c < 2; c++) {
      const ct = slot.ct[c] as Uint8Array;
      for (let i = 0; i < VOUCHER_KEY_BYTES; i++)
        candidate[i] = (ct[i] as number) ^ (masks[c * VOUCHER_KEY_BYTES + i] as number);
      if (!equal(keyCheck(candidate, voucher.id), voucher.keyCheck)) continue;
      const share = open(
        shareKey(candidate, voucher.id),
        ZERO_NONCE,
        voucher.shareCt,
        layerAad(voucher.id, tag),
      );
      if (share) return share;
    }
  }
  return undefined;
}
