// Browser-safe entry: no Node APIs. The file-backed store is in `@safelight/e2ee/node`.
export {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_KEY_BYTES,
  type AttachmentOptions,
  type AttachmentReference,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  decryptAttachment,
  encryptAttachment,
  encryptAttachmentWithKey,
} from './attachment.js';
export { fromBase64Url, toBase64Url } from './base64url.js';
export {
  DEVICE_STATE_KEY,
  E2eeDevice,
  type Incoming,
  MAX_GROUP_ID_BYTES,
  MAX_KEY_PACKAGES_PER_CALL,
  MAX_STORED_KEY_PACKAGES,
  type PendingCommit,
} from './device.js';
export { E2eeError, type E2eeErrorCode } from './errors.js';
export {
  inspectMlsMessage,
  MAX_MLS_MESSAGE_BYTES,
  type MlsContentType,
  type MlsFraming,
  type MlsWireFormat,
} from './framing.js';
export {
  type AuthPurpose,
  createDeviceIdentity,
  type DeviceIdentity,
  decodeDeviceIdentity,
  deviceIdFromPublicKey,
  encodeDeviceIdentity,
  isDeviceId,
  signAuthChallenge,
  verifyAuthChallenge,
} from './identity.js';
export { CIPHER_SUITE, KEY_RETENTION_EPOCHS, type MemberIdentity } from './mls.js';
export { type DeviceStateStore, MemoryStateStore } from './state-store.js';
