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
export { ERROR_STATUS, ServerError, type ServerErrorCode } from './errors.js';
export type { InboxItemJson } from './hub.js';
export {
  type ClientMatchDeployment,
  type DeviceDetectionConfigJson,
  prepareClientMatch,
} from './routes/device-detection.js';
export { WEB_CONTENT_SECURITY_POLICY, type WebConfig } from './routes/web.js';
export { createServer, type DeliveryServer, redactUrlForLog, startServer } from './server.js';
export { openPostgresRepository, redactUrl } from './storage/postgres.js';
export type { DeliveryRepository } from './storage/repository.js';
export { openSqliteRepository, SQLITE_FILE_NAME } from './storage/sqlite.js';
