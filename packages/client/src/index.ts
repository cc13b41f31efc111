export {
  type ClientEvent,
  type ClientOptions,
  type DetectionOptions,
  type OpenedAttachment,
  type OutgoingAttachment,
  SafelightClient,
} from './client.js';
export {
  type AttachmentRef,
  decodeContent,
  encodeContent,
  frankedContent,
  MAX_ATTACHMENTS,
  MAX_CONTENT_BYTES,
  MAX_TEXT_BYTES,
  type MessageContent,
  openContent,
  sealContent,
} from './content.js';
export {
  browserDetectionModes,
  type DetectionProvisioner,
  type DetectionProvisioners,
  type DetectionProvisioningContext,
  type HashImage,
  type ProvisionDetectionOptions,
  type ProvisionedDetection,
  type ProvisionedHalf,
  provisionClientMatch,
  provisionDetection,
  provisionDetectionWith,
} from './detection/provision.js';
export { ClientError, type ClientErrorCode, SendCancelledError, ServerError } from './errors.js';
export type { Registration, StoredAttachment, StoredMessage } from './local-state.js';
export { PushConnection, type WebSocketConstructor, type WebSocketLike } from './push.js';
export { type SafeguardOptions, type SafeguardState, Safeguards } from './safeguards.js';
export {
  type AppealAnswer,
  type InboxItem,
  type InboxItemKind,
  isServerError,
  type Notice,
  type PostMessageAnswer,
  type ReportReceipt,
  type ReportSubmission,
  type SafetyNotice,
  ServerApi,
} from './server-api.js';
