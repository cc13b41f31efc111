export {
  type AttestationVerifier,
  type AttestedMatcher,
  checkAttestation,
  type MatcherReport,
  SoftwareAttestationPlatform,
  SoftwareAttestationVerifier,
} from './attestation.js';
export {
  EnclaveClient,
  EnclaveEvaluator,
  EnclaveHost,
  enclaveLeakage,
  enclaveMode,
  measureMatcher,
} from './enclave.js';
export { HPKE_SUITE_NAME } from './hpke.js';
