import { E2eeError, inspectMlsMessage, type MlsFraming } from '@safelight/e2ee';
import { mlsMessageDecoder, wireformats } from 'ts-mls';
import { ServerError } from './errors.js';

/** inspectMlsMessage with its framing errors mapped to MALFORMED_MESSAGE naming the field. */
export function inspect(bytes: Uint8Array, field: string): MlsFraming {
  try {
    return inspectMlsMessage(bytes);
  } catch (error) {
    if (error instanceof E2eeError) {
      throw new ServerError('MALFORMED_MESSAGE', `${field}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Checks that `bytes` is an MLSMessage carrying a key package whose leaf signature key is the
 * device's key (so a claimed key package really belongs to the device it is handed out for).
 * No signature is verified here: the adder's MLS library verifies the key package itself.
 */
export function checkKeyPackage(bytes: Uint8Array, devicePublicKey: Uint8Array, field: string): void {
  const framing = inspect(bytes, field);
  if (framing.wireFormat !== 'key-package') {
    throw new ServerError(
      'INVALID_KEY_PACKAGE',
      `${field} is a ${framing.wireFormat} message, not a key package`,
    );
  }
  const decoded = mlsMessageDecoder(bytes, 0);
  if (decoded === undefined || decoded[0].wireformat !== wireformats.mls_key_package) {
    throw new ServerError('INVALID_KEY_PACKAGE', `${field} does not decode as a key package`);
  }
  const leafKey = decoded[0].keyPackage.leafNode.signaturePublicKey;
  if (!equal(leafKey, devicePublicKey)) {
    throw new ServerError(
      'INVALID_KEY_PACKAGE',
      `${field}: the leaf signature key is not this device's registered key`,
    );
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
