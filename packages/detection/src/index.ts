export { BankIndex, type BankMatch, type MatchParameters, matchParameters } from './bank-match.js';
export {
  ClientMatchDevice,
  ClientMatchEvaluator,
  clientMatchLeakage,
  clientMatchMode,
  type DeviceKeyResolver,
} from './client-match.js';
export {
  type AttestationVerifier,
  type AttestedMatcher,
  checkAttestation,
  EnclaveClient,
  EnclaveEvaluator,
  EnclaveHost,
  enclaveLeakage,
  enclaveMode,
  HPKE_SUITE_NAME,
  type MatcherReport,
  measureMatcher,
  SoftwareAttestationPlatform,
  SoftwareAttestationVerifier,
} from './enclave/index.js';
export { DetectionError, type DetectionErrorCode } from './errors.js';
export { createHeFuzzyMode, HeError, HeFuzzyClient, HeFuzzyServer, heFuzzyMode } from './he/index.js';
export {
  type BankSnapshot,
  type ClientDetector,
  DEFAULT_QUALITY_FLOOR,
  DEFAULT_RADIUS,
  type DetectionContext,
  type DetectionModeFactory,
  type DetectionModeInstance,
  type DetectionModeName,
  type DetectionSetupOptions,
  type DetectionVerdict,
  type ImageSignals,
  type LeakageStatement,
  type ServerEvaluator,
} from './mode.js';
export * from './psi/index.js';
export { detectionMode, detectionModes } from './registry.js';
export {
  ServerPlaintextClient,
  ServerPlaintextEvaluator,
  serverPlaintextLeakage,
  serverPlaintextMode,
} from './server-plaintext.js';
export {
  commitBankSnapshot,
  decodeBankSnapshot,
  encodeBankSnapshot,
  openBankSnapshot,
  type PublishedCommitment,
} from './snapshot.js';
export {
  encodeContext,
  HEADER_BYTES,
  MODE_IDS,
  PAYLOAD_VERSION,
  payloadHeader,
  Reader,
  readHeader,
  withHeader,
} from './wire.js';
