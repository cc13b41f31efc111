export { BankIndex, type BankMatch, type MatchParameters, matchParameters } from './bank-match.js';
export {
  ClientMatchDevice,
  ClientMatchEvaluator,
  clientMatchLeakage,
  clientMatchMode,
  type DeviceKeyResolver,
} from './client-match.js';
export {
  type ClientMatchDownload,
  type DeviceDetectionDownload,
  type EnclaveDownload,
  type HeFuzzyDownload,
  type NoDetectionDownload,
  PSI_TABLE_PATH,
  type PsiThresholdDownload,
  type ServerPlaintextDownload,
} from './download.js';
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
