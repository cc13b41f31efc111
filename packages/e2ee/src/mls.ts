// The only module besides framing.ts that imports ts-mls. Everything ts-mls-specific (cipher suite,
// client config, credential format, our Authentication Service) lives here so the MLS library can
// be swapped behind E2eeDevice without touching callers.
import {
  type AuthenticationService,
  type CiphersuiteImpl,
  type ClientConfig,
  type Credential,
  defaultCredentialTypes,
  defaultKeyPackageEqualityConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  getCiphersuiteImpl,
  type KeyRetentionConfig,
} from 'ts-mls';
import { deviceIdFromPublicKey, ED25519_PUBLIC_KEY_BYTES, isDeviceId } from './identity.js';

export const CIPHER_SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;

/**
 * Key retention (docs/e2ee.md "Key retention"). ts-mls' defaults are 4 epochs / 10 generations /
 * 200 forward steps. We keep the 4 past epochs (so application messages sent just before a commit
 * and delivered after it still decrypt), widen the out-of-order window per sender to 16 generations,
 * and allow 1000 forward ratchet steps so messages lost on the way (or deleted from a queue) do
 * not make later ones undecryptable; each step is one HKDF expansion.
 */
export const KEY_RETENTION: KeyRetentionConfig = {
  retainKeysForEpochs: 4,
  retainKeysForGenerations: 16,
  maximumForwardRatchetSteps: 1000,
};

/** How many past epochs' receive keys a device keeps (see KEY_RETENTION). */
export const KEY_RETENTION_EPOCHS = KEY_RETENTION.retainKeysForEpochs;

export const CLIENT_CONFIG: ClientConfig = {
  keyRetentionConfig: KEY_RETENTION,
  lifetimeConfig: defaultLifetimeConfig,
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: defaultPaddingConfig,
};

let cipherSuitePromise: Promise<CiphersuiteImpl> | undefined;
export function cipherSuite(): Promise<CiphersuiteImpl> {
  cipherSuitePromise ??= getCiphersuiteImpl(CIPHER_SUITE);
  return cipherSuitePromise;
}

/** The identity inside a member's MLS credential: which account, which device. */
export interface MemberIdentity {
  readonly accountId: string;
  readonly deviceId: string;
}

const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_ACCOUNT_ID_LENGTH = 64;

export function isAccountId(accountId: string): boolean {
  return typeof accountId === 'string' && ACCOUNT_ID_PATTERN.test(accountId);
}

/** Basic credential identity: UTF-8 `accountId + "/" + deviceId`. */
export function credentialFor(accountId: string, deviceId: string): Credential {
  return {
    credentialType: defaultCredentialTypes.basic,
    identity: new TextEncoder().encode(`${accountId}/${deviceId}`),
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a credential into a MemberIdentity, or undefined when it is not ours (wrong type or shape). */
export function parseCredential(credential: Credential): MemberIdentity | undefined {
  if (credential.credentialType !== defaultCredentialTypes.basic || !('identity' in credential))
    return undefined;
  let text: string;
  try {
    text = strictUtf8.decode(credential.identity);
  } catch {
    return undefined;
  }
  const parts = text.split('/');
  if (parts.length !== 2) return undefined;
  const [accountId, deviceId] = parts as [string, string];
  if (!isAccountId(accountId) || !isDeviceId(deviceId)) return undefined;
  return { accountId, deviceId };
}

/**
 * Our Authentication Service (RFC 9420 §5.3.1): a credential is valid only if it parses as
 * `accountId/deviceId` and its deviceId is the hash of the leaf's signature key. A member cannot
 * claim another device's id, because that id is bound to a key it does not hold. Whether the
 * accountId really owns the device is the server directory's word (docs/delivery.md); clients
 * can cross-check it with GET /v1/accounts/by-handle.
 * `onReject` lets the caller report a credential failure with its own error code.
 */
export function authenticationService(onReject?: (reason: string) => void): AuthenticationService {
  return {
    async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
      const reason = credentialProblem(credential, signaturePublicKey);
      if (reason !== undefined) onReject?.(reason);
      return reason === undefined;
    },
  };
}

export function credentialProblem(
  credential: Credential,
  signaturePublicKey: Uint8Array,
): string | undefined {
  const member = parseCredential(credential);
  if (member === undefined) return 'credential is not a basic credential of the form accountId/deviceId';
  if (signaturePublicKey.length !== ED25519_PUBLIC_KEY_BYTES) return 'signature key is not an Ed25519 key';
  if (deviceIdFromPublicKey(signaturePublicKey) !== member.deviceId) {
    return `credential claims device ${member.deviceId}, but its signature key hashes to another deviceId`;
  }
  return undefined;
}
