// Signing up and reopening this browser's device: the device key is made here (so client-match
// detection can sign its reports with it), kept in IndexedDB beside the MLS state, and never
// leaves the browser. The detection mode's client half is provisioned from the server's own
// origin by the SDK (GET /v1/detection/device), which checks the snapshot against the bank's
// published commitment before use.
import { ClientError, SafelightClient } from '@safelight/client';
import {
  createDeviceIdentity,
  type DeviceIdentity,
  decodeDeviceIdentity,
  encodeDeviceIdentity,
} from '@safelight/e2ee';
import { IndexedDbStateStore } from './browser-store.ts';
import { hashImageInBrowser } from './image-hash.ts';
import { askToSend } from './send-prompt.ts';

const IDENTITY_KEY = 'web.identity';

export interface Session {
  readonly client: SafelightClient;
  readonly handle: string;
  /**
   * The detection mode this device runs on outgoing images: 'off' when the server runs none, or
   * one a browser cannot run (psi-threshold, he-fuzzy, enclave and server-plaintext need Node).
   */
  readonly detection: string;
}

const serverUrl = () => window.location.origin;
/**
 * On for minors (the server's band decides): nudges and blur on received content, and ask before
 * send. No nudity model is shipped to the page (docs/web.md), so the SDK asks before every image
 * a minor sends and blurs images from non-contacts.
 */
const safeguards = { enabled: 'auto' as const, confirmSend: askToSend };

/** Provisions the server's detection mode on this device (client-match is what browsers run). */
async function detectionFor(client: SafelightClient, identity: DeviceIdentity): Promise<string> {
  try {
    const mode = await client.provisionDetection({
      hashImage: hashImageInBrowser,
      signingKey: identity.privateKey,
    });
    return mode ?? 'off';
  } catch (error) {
    if (error instanceof ClientError && error.code === 'CLIENT_DETECTION_UNSUPPORTED') return 'off';
    throw error;
  }
}

async function finish(client: SafelightClient, identity: DeviceIdentity): Promise<Session> {
  const detection = await detectionFor(client, identity);
  await client.connect();
  await client.sync();
  return { client, handle: client.handle, detection };
}

/** Reopens the device kept in this browser, or undefined when there is none. */
export async function restoreSession(): Promise<Session | undefined> {
  const store = await IndexedDbStateStore.open();
  const saved = await store.get(IDENTITY_KEY);
  if (!saved) return undefined;
  const identity = decodeDeviceIdentity(new TextDecoder().decode(saved));
  const client = await SafelightClient.open({ serverUrl: serverUrl(), store, safeguards });
  return finish(client, identity);
}

/** Creates this browser's device key and registers a new account with it. */
export async function signUp(input: { handle: string; dateOfBirth: string }): Promise<Session> {
  const store = await IndexedDbStateStore.open();
  const identity = createDeviceIdentity();
  const client = await SafelightClient.register({
    serverUrl: serverUrl(),
    store,
    handle: input.handle,
    dateOfBirth: input.dateOfBirth,
    identity,
    safeguards,
  });
  // Kept only once the server took the account: a refused sign-up leaves nothing behind.
  await store.set(IDENTITY_KEY, new TextEncoder().encode(encodeDeviceIdentity(identity)));
  return finish(client, identity);
}
