// What a delivery server may read of an MLS message without any key: the wire format and, for
// framed messages, the group id, epoch, content type and authenticated data (RFC 9420 §6: these
// travel in clear in both PublicMessage and PrivateMessage). The server uses this to order
// handshake messages per group, reject wrong epochs and read the franking tag; it never decrypts.
import { contentTypes, mlsMessageDecoder, wireformats } from 'ts-mls';
import { E2eeError } from './errors.js';

/** Upper bound on one MLS message we are willing to parse (DoS guard, independent of HTTP limits). */
export const MAX_MLS_MESSAGE_BYTES = 4 * 1024 * 1024;

export type MlsWireFormat = 'public' | 'private' | 'welcome' | 'group-info' | 'key-package';
export type MlsContentType = 'application' | 'proposal' | 'commit';

export type MlsFraming =
  | {
      wireFormat: 'public' | 'private';
      groupId: Uint8Array;
      epoch: bigint;
      contentType: MlsContentType;
      /** Authenticated, unencrypted data: Safelight puts the franking tag here. */
      authenticatedData: Uint8Array;
    }
  | { wireFormat: 'welcome' | 'group-info' | 'key-package' };

const contentTypeNames: Record<number, MlsContentType> = {
  [contentTypes.application]: 'application',
  [contentTypes.proposal]: 'proposal',
  [contentTypes.commit]: 'commit',
};

/**
 * Parses the clear framing of an encoded MLSMessage. Throws `E2EE_MALFORMED_MESSAGE` for anything
 * that does not decode as one complete MLSMessage (truncated, trailing bytes, unknown wire format,
 * oversized). Does no cryptography: a well-framed message may still fail to decrypt for members.
 */
export function inspectMlsMessage(bytes: Uint8Array): MlsFraming {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new E2eeError('E2EE_MALFORMED_MESSAGE', 'MLS message is empty or not bytes');
  }
  if (bytes.length > MAX_MLS_MESSAGE_BYTES) {
    throw new E2eeError(
      'E2EE_MALFORMED_MESSAGE',
      `MLS message is ${bytes.length} bytes, over the ${MAX_MLS_MESSAGE_BYTES}-byte limit`,
    );
  }
  let decoded: ReturnType<typeof decodeWithLength>;
  try {
    decoded = decodeWithLength(bytes);
  } catch (cause) {
    throw new E2eeError('E2EE_MALFORMED_MESSAGE', `MLS message does not decode: ${describe(cause)}`, {
      cause,
    });
  }
  if (decoded === undefined) {
    throw new E2eeError(
      'E2EE_MALFORMED_MESSAGE',
      'MLS message does not decode (truncated or unknown wire format)',
    );
  }
  const [message, consumed] = decoded;
  if (consumed !== bytes.length) {
    throw new E2eeError(
      'E2EE_MALFORMED_MESSAGE',
      `MLS message has ${bytes.length - consumed} trailing bytes after a complete message`,
    );
  }
  switch (message.wireformat) {
    case wireformats.mls_private_message: {
      const m = message.privateMessage;
      return framed('private', m.groupId, m.epoch, m.contentType, m.authenticatedData);
    }
    case wireformats.mls_public_message: {
      const c = message.publicMessage.content;
      return framed('public', c.groupId, c.epoch, c.contentType, c.authenticatedData);
    }
    case wireformats.mls_welcome:
      return { wireFormat: 'welcome' };
    case wireformats.mls_group_info:
      return { wireFormat: 'group-info' };
    case wireformats.mls_key_package:
      return { wireFormat: 'key-package' };
    default:
      throw new E2eeError('E2EE_MALFORMED_MESSAGE', 'MLS message has an unknown wire format');
  }
}

function framed(
  wireFormat: 'public' | 'private',
  groupId: Uint8Array,
  epoch: bigint,
  contentType: number,
  authenticatedData: Uint8Array,
): MlsFraming {
  const name = contentTypeNames[contentType];
  if (name === undefined) {
    throw new E2eeError('E2EE_MALFORMED_MESSAGE', `MLS message has unknown content type ${contentType}`);
  }
  return { wireFormat, groupId, epoch, contentType: name, authenticatedData };
}

function decodeWithLength(bytes: Uint8Array) {
  // ts-mls decoders are (bytes, offset) => [value, bytesConsumed] | undefined.
  return mlsMessageDecoder(bytes, 0);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
