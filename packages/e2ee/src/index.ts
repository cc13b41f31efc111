export { E2eeError, type E2eeErrorCode } from './errors.js';
export {
  inspectMlsMessage,
  MAX_MLS_MESSAGE_BYTES,
  type MlsContentType,
  type MlsFraming,
  type MlsWireFormat,
} from './framing.js';
