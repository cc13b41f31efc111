// Provisioning the platform's detection client half over HTTP: GET /v1/detection/device says which
// mode the server runs and carries what the device needs (docs/detection-modes.md); a provisioner
// per mode turns that into a ClientDetector, checking it first (the client-match snapshot against
// its commitment, the PSI table against its publication, the enclave attestation against the
// measurements this device's build allows).
//
// This module is imported by browsers: it knows only client-match (through the isomorphic
// @safelight/detection/device). The other modes need Node (node:crypto, sodium-native, node-seal)
// and come from @safelight/client/node as `nodeDetectionModes`.
import type { AttestationVerifier } from '@safelight/detection';
import {
  type ClientDetector,
  ClientMatchDevice,
  type DetectionModeName,
  type DeviceDetectionDownload,
  type PublishedCommitment,
} from '@safelight/detection/device';
import { fromBase64Url } from '@safelight/e2ee';
import type { PdqHash } from '@safelight/pdq';
import { ClientError } from '../errors.js';
import { ServerApi } from '../server-api.js';

export type HashImage = (bytes: Uint8Array) => Promise<{ pdq: PdqHash; quality: number }>;

export interface ProvisionDetectionOptions {
  /** How this device hashes an image (packages/media in Node, a canvas in browsers). */
  readonly hashImage: HashImage;
  /**
   * The client half's builder per mode. Default `browserDetectionModes` (client-match only); Node
   * devices pass `nodeDetectionModes` from @safelight/client/node for all five.
   */
  readonly modes?: DetectionProvisioners;
  /** client-match: the device identity's Ed25519 secret key, which signs match reports. */
  readonly signingKey?: Uint8Array;
  /**
   * The bank commitment this device pins (as the bank operator published it): the client-match
   * commitment, the PSI publication's and the enclave's attested bank must all equal it.
   */
  readonly bankCommitment?: PublishedCommitment;
  /**
   * enclave: what this device's build trusts — never taken from the server, which could otherwise
   * attest a matcher that logs hashes. `allowedMeasurements` are computed from the published
   * matcher code (measureMatcher); `verifier` checks the platform's signature (for the software
   * platform: a SoftwareAttestationVerifier over its published public key).
   */
  readonly enclave?: {
    readonly verifier: AttestationVerifier;
    readonly allowedMeasurements: readonly string[];
  };
}

/** What a provisioner builds for one mode. */
export interface ProvisionedHalf {
  readonly detector: ClientDetector;
  /** Round-trip modes (he-fuzzy): turns the server's challenge into this device's answer. */
  readonly respond?: ((challenge: Uint8Array) => Promise<Uint8Array>) | undefined;
  /**
   * Called when the server refused a payload: true when the mode repaired the cause (he-fuzzy:
   * re-registered keys a restarted server forgot) and the payload should be sent once more.
   */
  readonly repair?: ((error: unknown) => Promise<boolean>) | undefined;
  readonly close?: (() => void | Promise<void>) | undefined;
}

export interface DetectionProvisioningContext {
  /** The server's API as this device (its session token, when signed in). */
  readonly api: ServerApi;
  readonly options: ProvisionDetectionOptions;
}

export type DetectionProvisioner<D extends DeviceDetectionDownload> = (
  download: D,
  context: DetectionProvisioningContext,
) => Promise<ProvisionedHalf>;

export type DetectionProvisioners = {
  readonly [M in DetectionModeName]?: DetectionProvisioner<Extract<DeviceDetectionDownload, { mode: M }>>;
};

/** The provisioned client half, in the shape SafelightClient's `detection` option takes. */
export interface ProvisionedDetection extends ProvisionedHalf {
  readonly mode: DetectionModeName;
  readonly hashImage: HashImage;
  close(): Promise<void>;
}

/** Checks a commitment the server hands out against the one the device pins, if it pins one. */
export function checkPinnedCommitment(
  what: string,
  served: PublishedCommitment,
  pinned: PublishedCommitment | undefined,
): void {
  if (pinned === undefined) return;
  if (served.root.toLowerCase() !== pinned.root.toLowerCase() || served.treeSize !== pinned.treeSize) {
    throw new ClientError(
      'CLIENT_DETECTION_MISMATCH',
      `${what} commits to bank ${served.root} (${served.treeSize} hashes), not the pinned ${pinned.root} (${pinned.treeSize}); refusing it`,
    );
  }
}

/** client-match: the snapshot, opened only if it matches its commitment (and the pinned one). */
export const provisionClientMatch: DetectionProvisioner<
  Extract<DeviceDetectionDownload, { mode: 'client-match' }>
> = async (download, { options }) => {
  if (!(options.signingKey instanceof Uint8Array)) {
    throw new ClientError(
      'CLIENT_INVALID_INPUT',
      'client-match signs match reports with the device key: pass signingKey (the device identity private key)',
    );
  }
  checkPinnedCommitment('the client-match snapshot', download.commitment, options.bankCommitment);
  const detector = await ClientMatchDevice.fromSnapshot(
    fromBase64Url(download.snapshot),
    download.commitment,
    {
      secretKey: options.signingKey,
      radius: download.radius,
      qualityFloor: download.qualityFloor,
    },
  );
  return { detector };
};

/** What a browser can run: client-match. */
export const browserDetectionModes: DetectionProvisioners = { 'client-match': provisionClientMatch };

/**
 * Downloads the server's detection provisioning and builds the client half with `api` (which
 * carries the device's session when signed in: he-fuzzy registers keys with it). Undefined when
 * the server runs no detection mode.
 */
export async function provisionDetectionWith(
  api: ServerApi,
  options: ProvisionDetectionOptions,
): Promise<ProvisionedDetection | undefined> {
  if (typeof options.hashImage !== 'function') {
    throw new ClientError('CLIENT_INVALID_INPUT', 'provisionDetection needs hashImage');
  }
  const download = await api.detectionDevice();
  if (download.mode === null) return undefined;
  const modes = options.modes ?? browserDetectionModes;
  const provisioner = Object.hasOwn(modes, download.mode)
    ? (modes[download.mode] as DetectionProvisioner<typeof download> | undefined)
    : undefined;
  if (provisioner === undefined) {
    throw new ClientError(
      'CLIENT_DETECTION_UNSUPPORTED',
      `the server runs ${JSON.stringify(String(download.mode).slice(0, 40))} detection and this device has no provisioner for it` +
        ` (it has: ${Object.keys(modes).join(', ') || 'none'}; Node devices pass modes: nodeDetectionModes from @safelight/client/node)`,
    );
  }
  const half = await provisioner(download, { api, options });
  return {
    mode: download.mode,
    hashImage: options.hashImage,
    detector: half.detector,
    respond: half.respond,
    repair: half.repair,
    close: async () => {
      await half.close?.();
    },
  };
}

/**
 * provisionDetectionWith for a device that is not (yet) a SafelightClient: `token` is its session
 * token, needed only by he-fuzzy (key registration). A signed-in SafelightClient has
 * `client.provisionDetection(options)`, which uses its own session.
 */
export function provisionDetection(
  options: ProvisionDetectionOptions & { serverUrl: string; fetch?: typeof fetch; token?: string },
): Promise<ProvisionedDetection | undefined> {
  const api = new ServerApi({ baseUrl: options.serverUrl, fetch: options.fetch, token: options.token });
  return provisionDetectionWith(api, options);
}
