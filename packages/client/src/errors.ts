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
  | 'CLIENT_RETRIES_EXHAUSTED'
  /** The server runs a detection mode this device has no provisioner for (see provisionDetection). */
  | 'CLIENT_DETECTION_UNSUPPORTED'
  /** What the server provisions contradicts what this device pins or computes (parameters, bank). */
  | 'CLIENT_DETECTION_MISMATCH'
  /** Ask before send: the minor chose not to send (or to get help); nothing was sent. */
  | 'SEND_CANCELLED_BY_USER'
  /** Ask before send: a minor's image needed a question and the app supplied no confirmSend hook. */
  | 'SEND_CONFIRMATION_REQUIRED';

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

/**
 * A minor was asked before sending an image and did not choose `send`. `choice` tells the app
 * whether to show its "talk to someone you trust" help. Nothing about it left the device.
 */
export class SendCancelledError extends ClientError {
  constructor(
    readonly choice: 'cancel' | 'get-help',
    readonly attachmentIndex: number,
  ) {
    super('SEND_CANCELLED_BY_USER', `not sent: the sender chose ${choice} for attachment ${attachmentIndex}`);
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
