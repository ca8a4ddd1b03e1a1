import type { ErrorCode } from '../client-sdk/src/protocol/index.js';

/** A media request refused for a reason the client can act on; the server sends its code. */
export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(
    readonly code: Extract<
      ErrorCode,
      'MEDIA_UNAVAILABLE' | 'MEDIA_NOT_FOUND' | 'BAD_REQUEST' | 'FORBIDDEN' | 'INVALID_STATE'
    >,
    message: string,
  ) {
    super(message);
  }
}
