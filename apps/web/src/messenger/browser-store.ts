// The device's state in the browser: one IndexedDB database per origin holding the MLS state,
// the device key and the client's history (packages/e2ee DeviceStateStore). Nothing here is ever
// sent to the server; clearing site data is signing this device out for good.
import type { DeviceStateStore } from '@safelight/e2ee';

const DB_NAME = 'safelight-device';
const STORE = 'state';

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

export class IndexedDbStateStore implements DeviceStateStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(name: string = DB_NAME): Promise<IndexedDbStateStore> {
    if (typeof indexedDB === 'undefined') {
      throw new Error('this browser has no IndexedDB: the device key cannot be kept');
    }
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    return new IndexedDbStateStore(await promised(request));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = await promised(this.db.transaction(STORE, 'readonly').objectStore(STORE).get(key));
    return value instanceof Uint8Array ? value : undefined;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite', { durability: 'strict' });
    tx.objectStore(STORE).put(value.slice(), key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
    });
  }

  async delete(key: string): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB delete failed'));
    });
  }
}
