// Everything a browser may use is the ./device entry; the root adds the server halves and the
// Node-only modes on top of it, so the two export lists cannot drift apart.

export { BankIndex, type BankMatch, type MatchParameters, matchParameters } from './bank-match.js';
export {
  ClientMatchEvaluator,
  clientMatchLeakage,
  clientMatchMode,
  type DeviceKeyResolver,
} from './client-match.js';
export * from './device.js';
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
export {
  type AnswerChannel,
  createHeFuzzyMode,
  HeError,
  type HeErrorCode,
  HeFuzzyClient,
  HeFuzzyServer,
  heFuzzyMode,
} from './he/index.js';
export { heParameterFingerprint } from './he-parameters.js';
export {
  DEFAULT_QUALITY_FLOOR,
  DEFAULT_RADIUS,
  type DetectionModeFactory,
  type DetectionModeInstance,
  type DetectionSetupOptions,
  type DetectionVerdict,
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
export { commitBankSnapshot, encodeBankSnapshot } from './snapshot.js';
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
