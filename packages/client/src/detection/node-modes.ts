// The detection modes whose client halves need Node (node:crypto, sodium-native, node-seal):
// psi-threshold, he-fuzzy, enclave, and the server-plaintext baseline. Reached through
// @safelight/client/node only, so nothing here is ever bundled into the browser app.
import {
  type DeviceDetectionDownload,
  decodePsiTable,
  EnclaveClient,
  HeFuzzyClient,
  heParameterFingerprint,
  PsiClient,
  type PsiPublicParameters,
  ServerPlaintextClient,
  verifyPsiParameters,
  withHeader,
} from '@safelight/detection';
import { fromBase64Url, toBase64Url } from '@safelight/e2ee';
import { ClientError, ServerError } from '../errors.js';
import {
  browserDetectionModes,
  checkPinnedCommitment,
  type DetectionProvisioner,
  type DetectionProvisioners,
} from './provision.js';

type DownloadOf<M extends string> = Extract<DeviceDetectionDownload, { mode: M }>;

/** server-plaintext: nothing to check; every image is sent in the clear (the non-E2EE baseline). */
export const provisionServerPlaintext: DetectionProvisioner<DownloadOf<'server-plaintext'>> = async () => ({
  detector: new ServerPlaintextClient(),
});

/**
 * psi-threshold: the table is downloaded and checked against the publication (digest, size, seed,
 * keys, t, server element) before the client can make a single voucher; a table that differs is
 * refused with PSI_PUBLICATION_MISMATCH naming the field, and nothing is sent.
 */
export const provisionPsiThreshold: DetectionProvisioner<DownloadOf<'psi-threshold'>> = async (
  download,
  { api, options },
) => {
  const { publication } = download;
  checkPinnedCommitment('the psi-threshold publication', publication.bankCommitment, options.bankCommitment);
  if (!/^[0-9a-f]{64}$/.test(publication.serverPublic)) {
    throw new ClientError(
      'CLIENT_DETECTION_MISMATCH',
      'the psi-threshold publication has no 32-byte serverPublic',
    );
  }
  if (!(download.syntheticRate >= 0 && download.syntheticRate < 1)) {
    throw new ClientError('CLIENT_DETECTION_MISMATCH', 'the psi-threshold syntheticRate must be in [0, 1)');
  }
  const params: PsiPublicParameters = {
    keys: publication.keys,
    table: decodePsiTable(await api.downloadBytes(download.table.url)),
    serverPublic: Uint8Array.from(Buffer.from(publication.serverPublic, 'hex')),
    threshold: publication.threshold,
  };
  verifyPsiParameters(params, publication);
  const client = new PsiClient(params, {
    syntheticRate: download.syntheticRate,
    qualityFloor: download.qualityFloor,
  });
  return {
    detector: {
      mode: 'psi-threshold',
      // The voucher travels with the shared detection header, like every mode's payload.
      prepare: async (signals) => withHeader('psi-threshold', await client.prepare(signals)),
    },
  };
};

/**
 * he-fuzzy: a key pair made here (the secret key never leaves the device), the public evaluation
 * keys registered with the server once, and an answer to each image's challenge.
 */
export const provisionHeFuzzy: DetectionProvisioner<DownloadOf<'he-fuzzy'>> = async (download, { api }) => {
  const local = await heParameterFingerprint();
  if (download.parameters !== local) {
    throw new ClientError(
      'CLIENT_DETECTION_MISMATCH',
      `the server's he-fuzzy BFV parameters (${String(download.parameters).slice(0, 32)}) are not this build's (${local})`,
    );
  }
  if (api.token === undefined) {
    throw new ClientError(
      'CLIENT_INVALID_INPUT',
      "he-fuzzy registers keys with the device's session: call client.provisionDetection() after signing in, or pass token",
    );
  }
  const client = await HeFuzzyClient.create({
    bucketBits: download.bucketBits,
    qualityFloor: download.qualityFloor,
  });
  const register = async () => {
    const { keyId } = await api.detectionHeKeys(client.registration);
    if (keyId !== toBase64Url(client.keyId)) {
      throw new ClientError(
        'CLIENT_DETECTION_MISMATCH',
        'the server registered the he-fuzzy keys under another key id',
      );
    }
  };
  try {
    await register();
  } catch (error) {
    client.close();
    throw error;
  }
  return {
    detector: {
      mode: 'he-fuzzy',
      prepare: async (signals) => {
        const query = await client.prepare(signals);
        return query === undefined ? undefined : withHeader('he-fuzzy', query);
      },
    },
    respond: (challenge) => client.answer(challenge),
    // A restarted server has forgotten every key set (they live in its memory): register again.
    repair: async (error) => {
      if (!(error instanceof ServerError) || error.details.reason !== 'HE_UNKNOWN_KEYS') return false;
      await register();
      return true;
    },
    close: () => client.close(),
  };
};

/**
 * enclave: the attestation is checked against what this device's build trusts (the options'
 * verifier and allowed measurements, never the server's word) before anything is sealed to it.
 */
export const provisionEnclave: DetectionProvisioner<DownloadOf<'enclave'>> = async (
  download,
  { options },
) => {
  const trust = options.enclave;
  if (trust === undefined) {
    throw new ClientError(
      'CLIENT_INVALID_INPUT',
      "enclave: pass enclave.verifier and enclave.allowedMeasurements from this device's build (never from the server)",
    );
  }
  const detector = await EnclaveClient.fromAttestation(fromBase64Url(download.attestation), {
    verifier: trust.verifier,
    allowedMeasurements: trust.allowedMeasurements,
    ...(options.bankCommitment ? { bankRoot: options.bankCommitment.root } : {}),
  });
  if (options.bankCommitment) {
    checkPinnedCommitment(
      'the attested matcher',
      { root: detector.attested.bankRoot, treeSize: detector.attested.bankTreeSize },
      options.bankCommitment,
    );
  }
  return { detector };
};

/** Every mode's provisioner, for Node devices. */
export const nodeDetectionModes: DetectionProvisioners = {
  ...browserDetectionModes,
  'server-plaintext': provisionServerPlaintext,
  'psi-threshold': provisionPsiThreshold,
  'he-fuzzy': provisionHeFuzzy,
  enclave: provisionEnclave,
};
