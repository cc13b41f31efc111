import { E2eeError } from './errors.js';

/**
 * Where a device keeps its state (identity, MLS group states, unused key-package private keys).
 * `set` must be atomic: after a crash a key holds either the old or the new value, never a mix.
 * E2eeDevice writes one key per device after every successful mutation.
 */
export interface DeviceStateStore {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

const KEY_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Keys are restricted so every store can use them as file names unchanged. */
export function checkStoreKey(key: string): void {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key) || key === '.' || key === '..') {
    throw new E2eeError(
      'E2EE_INVALID_INPUT',
      `store key must match ${KEY_PATTERN} (got ${JSON.stringify(key)})`,
    );
  }
}

/** In-memory store (tests, ephemeral sessions). Values are copied in and out. */
export class MemoryStateStore implements DeviceStateStore {
  readonly #values = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    checkStoreKey(key);
    const value = this.#values.get(key);
    return value === undefined ? undefined : value.slice();
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    checkStoreKey(key);
    this.#values.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    checkStoreKey(key);
    this.#values.delete(key);
  }
}
