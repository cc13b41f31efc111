// Signing up and reopening this browser's device: the device key is made here (so client-match
// detection can sign its reports with it), kept in IndexedDB beside the MLS state, and never
// leaves the browser. The detection mode's client half is downloaded from the server's own
// origin and checked against the bank's published commitment before use.
import { type DetectionOptions, SafelightClient } from '@safelight/client';
import { ClientMatchDevice } from '@safelight/detection/device';
import {
  createDeviceIdentity,
  type DeviceIdentity,
  decodeDeviceIdentity,
  encodeDeviceIdentity,
  fromBase64Url,
} from '@safelight/e2ee';
import { IndexedDbStateStore } from './browser-store.ts';
import { hashImageInBrowser } from './image-hash.ts';
import { askToSend } from './send-prompt.ts';

const IDENTITY_KEY = 'web.identity';

export interface DeviceDetectionDownload {
  readonly mode: 'client-match' | null;
  readonly snapshot?: string;
  readonly commitment?: { root: string; treeSize: number };
  readonly radius?: number;
  readonly qualityFloor?: number;
}

export interface Session {
  readonly client: SafelightClient;
  readonly handle: string;
  /** The detection mode this device runs on outgoing images ('off' when the server runs none). */
  readonly detection: 'client-match' | 'off';
}

const serverUrl = () => window.location.origin;
/**
 * On for minors (the server's band decides): nudges and blur on received content, and ask before
 * send. No nudity model is shipped to the page (docs/web.md), so the SDK asks before every image
 * a minor sends and blurs images from non-contacts.
 */
const safeguards = { enabled: 'auto' as const, confirmSend: askToSend };

async function detectionFor(identity: DeviceIdentity): Promise<DetectionOptions | undefined> {
  const response = await fetch('/v1/detection/device');
  if (!response.ok) return undefined;
  const download = (await response.json()) as DeviceDetectionDownload;
  if (download.mode !== 'client-match' || !download.snapshot || !download.commitment) return undefined;
  const detector = await ClientMatchDevice.fromSnapshot(
    fromBase64Url(download.snapshot),
    download.commitment,
    {
      secretKey: identity.privateKey,
      ...(download.radius === undefined ? {} : { radius: download.radius }),
      ...(download.qualityFloor === undefined ? {} : { qualityFloor: download.qualityFloor }),
    },
  );
  return { detector, hashImage: hashImageInBrowser };
}

async function finish(client: SafelightClient, detection: DetectionOptions | undefined): Promise<Session> {
  await client.connect();
  await client.sync();
  return { client, handle: client.handle, detection: detection ? 'client-match' : 'off' };
}

/** Reopens the device kept in this browser, or undefined when there is none. */
export async function restoreSession(): Promise<Session | undefined> {
  const store = await IndexedDbStateStore.open();
  const saved = await store.get(IDENTITY_KEY);
  if (!saved) return undefined;
  const identity = decodeDeviceIdentity(new TextDecoder().decode(saved));
  const detection = await detectionFor(identity);
  const client = await SafelightClient.open({
    serverUrl: serverUrl(),
    store,
    safeguards,
    ...(detection ? { detection } : {}),
  });
  return finish(client, detection);
}

/** Creates this browser's device key and registers a new account with it. */
export async function signUp(input: { handle: string; dateOfBirth: string }): Promise<Session> {
  const store = await IndexedDbStateStore.open();
  const identity = createDeviceIdentity();
  const detection = await detectionFor(identity);
  const client = await SafelightClient.register({
    serverUrl: serverUrl(),
    store,
    handle: input.handle,
    dateOfBirth: input.dateOfBirth,
    identity,
    safeguards,
    ...(detection ? { detection } : {}),
  });
  // Kept only once the server took the account: a refused sign-up leaves nothing behind.
  await store.set(IDENTITY_KEY, new TextEncoder().encode(encodeDeviceIdentity(identity)));
  return finish(client, detection);
}
