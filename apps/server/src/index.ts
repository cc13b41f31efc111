// The detection types a deployment is written in, so embedders need not import the package.
export type { BankSnapshot, DetectionModeName } from '@safelight/detection';
export { AUTH_CONTEXT, type AuthPurpose, authMessage, deviceIdOf } from './auth.js';
export {
  DEFAULT_DATA_DIR,
  DEFAULT_LIMITS,
  FRANKING_KEY_FILE,
  type LoggerConfig,
  type ResolvedConfig,
  type ServerConfig,
  type ServerLimits,
  type StorageConfig,
} from './config.js';
export {
  type ChallengeStore,
  type ChallengeTake,
  KyselyChallengeStore,
  MemoryChallengeStore,
  type PendingChallenge,
} from './detection/challenge-store.js';
export { checkDeployment, createDetectionMode, DETECTION_MODES } from './detection/deployment.js';
export { ENCLAVE_PLATFORM_KEY_FILE } from './detection/enclave.js';
export { HE_CHALLENGE_KEY_FILE } from './detection/he-fuzzy.js';
export type { EvaluateContext, EvaluateOutcome, ServerDetectionMode } from './detection/mode.js';
export {
  type CheckedDeployment,
  DETECTION_MODE_NAMES,
  type DetectionDeployment,
  type EnclaveDeploymentOptions,
  type HeDeploymentOptions,
  type ModeFactoryContext,
  type PsiDeploymentOptions,
} from './detection/types.js';
export { ERROR_STATUS, ServerError, type ServerErrorCode } from './errors.js';
export type { InboxItemJson } from './hub.js';
export { WEB_CONTENT_SECURITY_POLICY, type WebConfig } from './routes/web.js';
export { createServer, type DeliveryServer, redactUrlForLog, startServer } from './server.js';
export { openPostgresRepository, redactUrl } from './storage/postgres.js';
export type { DeliveryRepository } from './storage/repository.js';
export { openSqliteRepository, SQLITE_FILE_NAME } from './storage/sqlite.js';
