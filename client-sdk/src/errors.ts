import { errorBody, type ErrorBody, type ErrorCode } from './protocol/index.js';

/** An error from the server (or the SDK's TIMEOUT / DISCONNECTED), with its stable code. */
export class LiveShopError extends Error {
  override readonly name = 'LiveShopError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(body: ErrorBody) {
    super(body.message);
    this.code = body.code;
    this.retryable = body.retryable;
    this.retryAfterMs = body.retryAfterMs;
  }

  static of(code: ErrorCode, message: string): LiveShopError {
    return new LiveShopError(errorBody(code, message));
  }
}
