import type { ErrorCode } from '../client-sdk/src/protocol/index.js';

/** A refusal the client should hear about, with a stable protocol code. */
export class RoomError extends Error {
  override readonly name = 'RoomError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
