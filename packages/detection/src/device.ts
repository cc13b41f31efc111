// What a browser (or any device without Node built-ins) needs of detection: the client-match
// device half, the bank snapshot codec and its commitment check. The package root also carries
// the server halves and the PSI/HE/enclave modes, which need node:crypto, node-seal or processes.
export { ClientMatchDevice } from './client-match.js';
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
export { DetectionError, type DetectionErrorCode } from './errors.js';
export type {
  BankSnapshot,
  ClientDetector,
  DetectionContext,
  DetectionModeName,
  ImageSignals,
} from './mode.js';
export { decodeBankSnapshot, openBankSnapshot, type PublishedCommitment } from './snapshot.js';
