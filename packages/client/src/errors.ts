/** Stable codes for what the client SDK refuses or fails at. */
export type ClientErrorCode =
  | 'CLIENT_SERVER_ERROR'
  | 'CLIENT_NETWORK_ERROR'
  | 'CLIENT_MALFORMED_CONTENT'
  | 'CLIENT_FRANKING_MISMATCH'
  | 'CLIENT_SENDER_MISMATCH'
  | 'CLIENT_UNKNOWN_CONVERSATION'
  | 'CLIENT_INVALID_INPUT'
  | 'CLIENT_NOT_REGISTERED'
  | 'CLIENT_RETRIES_EXHAUSTED';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An error answer from the delivery server, with its stable code (docs/delivery.md). */
export class ServerError extends ClientError {
  constructor(
    readonly status: number,
    readonly serverCode: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super('CLIENT_SERVER_ERROR', `${status} ${serverCode}: ${message}`);
  }
}
