import {
  type AuthPurpose,
  deviceIdOf,
  newAccountId,
  newChallenge,
  newToken,
  verifyAuthSignature,
} from '../auth.js';
import { fromB64u } from '../encoding.js';
import { ServerError } from '../errors.js';
import type { AccountRow, DeviceRow, SessionRow } from '../storage/repository.js';
import type { Scope } from './scope.js';
import type { ServiceDeps, Services } from './services.js';

const CHALLENGE_TTL_MS = 2 * 60 * 1000;

/**
 * Marks input whose key proof was checked: only this module's verify* methods make one, so the
 * write methods cannot be reached with an unverified signature.
 */
const verified: unique symbol = Symbol('verified');
interface Verified {
  readonly [verified]: true;
}
export interface VerifiedSignUp extends Verified {
  readonly handle: string;
  readonly publicKey: Uint8Array;
  readonly challenge: string;
  /** The declared birth date (YYYY-MM-DD), checked by the safety policy. */
  readonly declared: string | undefined;
}
export interface VerifiedLogIn extends Verified {
  readonly deviceId: string;
  readonly accountId: string;
  readonly challenge: string;
}
export interface VerifiedDevice extends Verified {
  readonly accountId: string;
  readonly publicKey: Uint8Array;
  readonly challenge: string;
}

/** A signed challenge: what proves possession of a device key (docs/delivery.md). */
export interface KeyProof {
  challenge: string;
  /** b64u Ed25519 signature over authMessage(purpose, challenge). */
  signature: string;
}

/**
 * Accounts, devices, sessions and auth challenges. Signup writes the account, its first device,
 * a session and — when a birth date is declared — the safety profile in ONE transaction: a signup
 * whose profile cannot be written leaves no account behind.
 */
export class AccountService {
  constructor(
    private readonly scope: Scope,
    private readonly deps: ServiceDeps,
    private readonly services: Services,
  ) {}

  private get tx() {
    return this.scope.tx;
  }

  async issueChallenge(): Promise<{ challenge: string; expiresAt: number }> {
    const challenge = newChallenge();
    const expiresAt = this.deps.now() + CHALLENGE_TTL_MS;
    await this.tx.insertChallenge(challenge, expiresAt);
    return { challenge, expiresAt };
  }

  /**
   * Checks a signup before any write: the key, its proof and the declared birth date (the policy
   * refuses under-13s). Runs outside the writer, so signature checks never hold up other writes.
   */
  verifySignUp(input: {
    handle: string;
    publicKey: string;
    dateOfBirth?: string | undefined;
    proof: KeyProof;
  }): VerifiedSignUp {
    const declared = this.services.safety.checkSignupBirthDate(input.dateOfBirth);
    const publicKey = publicKeyOf(input.publicKey);
    verifyProof(input.proof, 'register', publicKey);
    return { [verified]: true, handle: input.handle, publicKey, challenge: input.proof.challenge, declared };
  }

  async signUp(input: VerifiedSignUp): Promise<{ accountId: string; deviceId: string; token: string }> {
    const deviceId = deviceIdOf(input.publicKey);
    if (await this.tx.accountByHandle(input.handle))
      throw new ServerError('HANDLE_TAKEN', `handle ${input.handle} is taken`);
    if (await this.tx.device(deviceId))
      throw new ServerError('DEVICE_EXISTS', 'publicKey is already registered');
    await this.consumeChallenge(input.challenge);
    const accountId = newAccountId();
    const at = this.deps.now();
    await this.tx.insertAccount({ accountId, handle: input.handle, createdAt: at });
    await this.tx.insertDevice({ deviceId, accountId, publicKey: input.publicKey, createdAt: at });
    if (input.declared !== undefined) await this.services.safety.createProfile(accountId, input.declared);
    const { token } = await this.issueSession(deviceId, accountId);
    this.scope.emit({ type: 'account.created', at, accountId });
    return { accountId, deviceId, token };
  }

  /** Checks a login's proof against the device's registered key, before any write. */
  async verifyLogIn(input: { deviceId: string; proof: KeyProof }): Promise<VerifiedLogIn> {
    const device = await this.tx.device(input.deviceId);
    if (device === undefined) throw new ServerError('DEVICE_NOT_FOUND', `no device ${input.deviceId}`);
    verifyProof(input.proof, 'login', device.publicKey);
    return {
      [verified]: true,
      deviceId: device.deviceId,
      accountId: device.accountId,
      challenge: input.proof.challenge,
    };
  }

  async logIn(input: VerifiedLogIn): Promise<{ token: string; expiresAt: number }> {
    await this.consumeChallenge(input.challenge);
    return this.issueSession(input.deviceId, input.accountId);
  }

  /** Checks a new device's key and proof, before any write. */
  verifyNewDevice(accountId: string, input: { publicKey: string; proof: KeyProof }): VerifiedDevice {
    const publicKey = publicKeyOf(input.publicKey);
    verifyProof(input.proof, 'register', publicKey);
    return { [verified]: true, accountId, publicKey, challenge: input.proof.challenge };
  }

  async addDevice(input: VerifiedDevice): Promise<{ accountId: string; deviceId: string; token: string }> {
    const deviceId = deviceIdOf(input.publicKey);
    if (await this.tx.device(deviceId))
      throw new ServerError('DEVICE_EXISTS', 'publicKey is already registered');
    await this.consumeChallenge(input.challenge);
    await this.tx.insertDevice({
      deviceId,
      accountId: input.accountId,
      publicKey: input.publicKey,
      createdAt: this.deps.now(),
    });
    const { token } = await this.issueSession(deviceId, input.accountId);
    return { accountId: input.accountId, deviceId, token };
  }

  /** The session of a bearer token's hash (context.ts caches it). */
  session(tokenHash: Uint8Array): Promise<SessionRow | undefined> {
    return this.tx.session(tokenHash);
  }

  async accountByHandle(handle: string): Promise<AccountRow & { devices: string[] }> {
    const account = await this.tx.accountByHandle(handle);
    if (account === undefined) throw new ServerError('ACCOUNT_NOT_FOUND', `no account with handle ${handle}`);
    const devices = await this.tx.devicesOfAccount(account.accountId);
    return { ...account, devices: devices.map((d) => d.deviceId) };
  }

  async account(accountId: string): Promise<AccountRow> {
    const account = await this.tx.accountById(accountId);
    if (account === undefined) throw new ServerError('ACCOUNT_NOT_FOUND', `no account ${accountId}`);
    return account;
  }

  async device(deviceId: string): Promise<DeviceRow> {
    const device = await this.tx.device(deviceId);
    if (device === undefined) throw new ServerError('DEVICE_NOT_FOUND', `no device ${deviceId}`);
    return device;
  }

  /** An account's registered devices. */
  devicesOf(accountId: string): Promise<DeviceRow[]> {
    return this.tx.devicesOfAccount(accountId);
  }

  /** Housekeeping: expired challenges and sessions. */
  deleteExpired(): Promise<void> {
    return this.tx.deleteExpired(this.deps.now());
  }

  private async consumeChallenge(challenge: string): Promise<void> {
    if (!(await this.tx.consumeChallenge(challenge, this.deps.now())))
      throw new ServerError('CHALLENGE_INVALID', 'challenge is unknown, expired or already used');
  }

  private async issueSession(
    deviceId: string,
    accountId: string,
  ): Promise<{ token: string; expiresAt: number }> {
    const { token, hash } = newToken();
    const expiresAt = this.deps.now() + this.deps.config.sessionTtlMs;
    await this.tx.insertSession(hash, { deviceId, accountId, expiresAt });
    return { token, expiresAt };
  }
}

function publicKeyOf(text: string): Uint8Array {
  const key = fromB64u(text, 'publicKey');
  if (key.length !== 32)
    throw new ServerError('VALIDATION_FAILED', 'publicKey must be a 32-byte Ed25519 key');
  return key;
}

function verifyProof(proof: KeyProof, purpose: AuthPurpose, publicKey: Uint8Array): void {
  const signature = fromB64u(proof.signature, 'signature');
  if (signature.length !== 64) throw new ServerError('VALIDATION_FAILED', 'signature must be 64 bytes');
  if (!verifyAuthSignature(publicKey, purpose, proof.challenge, signature)) {
    throw new ServerError('BAD_SIGNATURE', `signature does not verify over the ${purpose} challenge`);
  }
}
