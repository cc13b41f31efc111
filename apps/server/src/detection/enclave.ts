// enclave: the server launches the matcher process with the bank; devices download its
// attestation document, which carries the matcher's HPKE public key, its code measurement and the
// root of the bank it loaded, signed by the attestation platform. What a device trusts — the
// allowed measurements and the platform key (or, on real hardware, the vendor's verifier) — must
// come with the device's build, never from this server: a server that could name the trusted
// measurement could attest a matcher that logs hashes. `safelight serve` prints both so they can be
// published and pinned.
//
// The platform here is SOFTWARE (an Ed25519 key held by the host, packages/detection/src/enclave):
// it proves far less than SEV-SNP, TDX or Nitro would; see docs/detection-modes.md.
import { EnclaveEvaluator, EnclaveHost, SoftwareAttestationPlatform } from '@safelight/detection';
import { toB64u } from '../encoding.js';
import { ServerError } from '../errors.js';
import { evaluatorMode } from './evaluator.js';
import type { ServerDetectionModeFactory } from './mode.js';

export type { EnclaveDeploymentOptions } from './types.js';

export const ENCLAVE_PLATFORM_KEY_FILE = 'enclave-platform-key';

export const enclaveMode: ServerDetectionModeFactory = async (deployment, { secret }) => {
  const { bank, parameters } = deployment;
  const configured = deployment.enclave?.platformSecretKey;
  if (configured !== undefined && (!(configured instanceof Uint8Array) || configured.length !== 32)) {
    throw new ServerError('VALIDATION_FAILED', 'detection.enclave.platformSecretKey must be 32 bytes');
  }
  const platform = new SoftwareAttestationPlatform(
    configured ?? (await secret(ENCLAVE_PLATFORM_KEY_FILE)).subarray(0, 32),
  );
  const host = await EnclaveHost.launch({ bank, parameters, platform });
  return evaluatorMode(new EnclaveEvaluator(host, bank.bankName), {
    download: {
      mode: 'enclave',
      provider: 'software',
      attestation: toB64u(host.attestation),
      bankName: bank.bankName,
      ...parameters,
    },
    notes: [
      `matcher measurement ${host.measurement} (devices pin it in their build)`,
      `software attestation platform key ${Buffer.from(platform.publicKey).toString('hex')} (devices trust it in their build)`,
    ],
    close: () => host.close(),
  });
};
