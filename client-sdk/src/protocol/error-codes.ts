/*
 * Error codes, the error body and the one error class: no schema library here, so the SDK uses
 * them at run time without bundling zod (errors.ts holds the body's schema).
 */

/**
 * Every error a client can receive, with whether retrying the same request later may succeed.
 * Codes are stable: apps may switch on them. Messages are for humans and may change.
 */
export const ERROR_CODES = {
  BAD_REQUEST: {
    retryable: false,
    description: 'The payload failed validation; the message says which field and why.',
  },
  UNKNOWN_EVENT: { retryable: false, description: 'The server does not handle this event name.' },
  PAYLOAD_TOO_LARGE: {
    retryable: false,
    description: 'The frame is larger than the server accepts.',
  },
  UNAUTHENTICATED: {
    retryable: false,
    description: 'The token is missing, malformed or its signature is wrong.',
  },
  TOKEN_EXPIRED: {
    retryable: false,
    description: 'The token has expired; get a new one and reconnect.',
  },
  AUTH_REQUIRED: {
    retryable: false,
    description: 'Anonymous viewers may watch and read, not write.',
  },
  FORBIDDEN: {
    retryable: false,
    description: 'Your role in this room does not allow this action.',
  },
  ROOM_NOT_FOUND: { retryable: false, description: 'No stream room has this id.' },
  NOT_IN_ROOM: { retryable: false, description: 'Join the room before sending to it.' },
  TOO_MANY_ROOMS: {
    retryable: false,
    description: 'This connection has joined as many rooms as it may.',
  },
  INVALID_STATE: {
    retryable: false,
    description: 'The stream is not in a state that allows this action.',
  },
  MESSAGE_NOT_FOUND: {
    retryable: false,
    description: 'No recent message in this room has this id.',
  },
  PIN_LIMIT: {
    retryable: false,
    description: 'The room already has the maximum number of pinned messages or products.',
  },
  PRODUCT_NOT_FOUND: { retryable: false, description: 'The stream lists no product with this id.' },
  PRODUCT_LIMIT: {
    retryable: false,
    description: 'The stream already lists the maximum number of products.',
  },
  DROP_NOT_FOUND: { retryable: false, description: 'No drop with this id.' },
  GIVEAWAY_NOT_FOUND: { retryable: false, description: 'This room has no giveaway with this id.' },
  AUCTION_NOT_FOUND: { retryable: false, description: 'This room has no auction with this id.' },
  MEDIA_UNAVAILABLE: {
    retryable: true,
    description:
      'This server cannot relay video now (no mediasoup worker, or one is being replaced); chat and drops still work.',
  },
  MEDIA_NOT_FOUND: {
    retryable: false,
    description:
      'No such transport, producer or consumer of yours in this room (it may have closed).',
  },
  MESSAGE_BLOCKED: {
    retryable: false,
    description:
      "The room's moderation policy refuses this message; the message names the rule (nothing was posted).",
  },
  TIMED_OUT: {
    retryable: true,
    description:
      'A moderator timed you out in this room; you may write again after `retryAfterMs`.',
  },
  BANNED: {
    retryable: false,
    description: 'You are banned from this room (or from every room) and cannot join or write.',
  },
  REVIEW_NOT_FOUND: {
    retryable: false,
    description:
      'No held message with this id waits for review (another moderator may have decided).',
  },
  ROOM_FULL: {
    retryable: true,
    description:
      'The room is full, or admitting viewers at its rate, or in its pre-queue: take a place in line with `queue:enter` and join with the ticket when `queue:update` says admitted (the SDK does).',
  },
  SHIELDED: {
    retryable: true,
    description:
      'Shield mode is on and you are new here (a young account, or you came after it went on): you can watch and buy, not chat. `retryAfterMs`, when set: when your account is old enough.',
  },
  RATE_LIMITED: { retryable: true, description: 'Too many requests; retry after `retryAfterMs`.' },
  SLOW_MODE: { retryable: true, description: 'Slow mode is on; retry after `retryAfterMs`.' },
  OVERLOADED: {
    retryable: true,
    description:
      'This server is at its connection cap, admitting new connections at its limit, or shedding new joins under overload; retry after `retryAfterMs` (the SDK does).',
  },
  SERVER_DRAINING: {
    retryable: true,
    description: 'This server is shutting down; reconnect (to another node).',
  },
  UNAVAILABLE: { retryable: true, description: 'A backing service is unavailable; retry shortly.' },
  INTERNAL: { retryable: true, description: 'Unexpected server error; it has been logged.' },
  NOT_FOUND: {
    retryable: false,
    description:
      'HTTP: nothing is served at this path (or, for `/v1/moderation/policy`, no policy is set).',
  },
  METHOD_NOT_ALLOWED: {
    retryable: false,
    description:
      'HTTP: the path does not take this method; the `Allow` header lists those it takes.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    retryable: false,
    description: 'HTTP: a request body must be `application/json` (UTF-8).',
  },
  INVALID_POLICY: {
    retryable: false,
    description:
      'HTTP: the moderation policy was refused; `problems` lists every problem found. The current policy stays.',
  },
  TIMEOUT: { retryable: true, description: 'Client side: no answer from the server in time.' },
  DISCONNECTED: {
    retryable: true,
    description: 'Client side: the connection was lost before an answer came.',
  },
} as const satisfies Record<string, { retryable: boolean; description: string }>;

/** A stable error code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The error half of every ack, and the payload of `server:error` (schema: `ErrorBody` in errors.ts). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** Set for RATE_LIMITED, SLOW_MODE and OVERLOADED: when a retry may succeed. */
  retryAfterMs?: number | undefined;
}

/** Builds an error body with the retryable flag from the table. */
export function errorBody(code: ErrorCode, message: string, retryAfterMs?: number): ErrorBody {
  const body: ErrorBody = { code, message, retryable: retryableOf(code) };
  if (retryAfterMs !== undefined) body.retryAfterMs = Math.max(0, Math.ceil(retryAfterMs));
  return body;
}

/**
 * The one error type for refusals with a protocol code, on both sides of the wire: the domain,
 * media and auth throw it, the server sends its {@link CodedError.body | body}, and the SDK
 * rejects with it (`TIMEOUT` and `DISCONNECTED` are the SDK's own). `retryable` comes from
 * {@link ERROR_CODES}; `retryAfterMs` says when a retry may succeed (rate limits, slow mode).
 */
export class CodedError extends Error {
  override readonly name = 'CodedError';
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  /**
   * `options`: when a retry may succeed (a number is `retryAfterMs`), the `cause` (logged, never
   * sent), and `retryable` as the wire said it (for a code this side's table does not know).
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: number | { retryAfterMs?: number | undefined; retryable?: boolean; cause?: unknown },
  ) {
    const o = typeof options === 'number' ? { retryAfterMs: options } : (options ?? {});
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.retryable = o.retryable ?? retryableOf(code);
    this.retryAfterMs =
      o.retryAfterMs === undefined ? undefined : Math.max(0, Math.ceil(o.retryAfterMs));
  }

  /** The error an ack or `server:error` carried (a newer server's unknown code included). */
  static from(body: ErrorBody): CodedError {
    return new CodedError(body.code, body.message, {
      retryAfterMs: body.retryAfterMs,
      retryable: body.retryable,
    });
  }

  /** What the wire carries. */
  get body(): ErrorBody {
    const body = errorBody(this.code, this.message, this.retryAfterMs);
    body.retryable = this.retryable;
    return body;
  }
}

/** Whether a code is retryable by the table; a code the table does not know is not. */
function retryableOf(code: ErrorCode): boolean {
  return (ERROR_CODES as Partial<Record<string, { retryable: boolean }>>)[code]?.retryable ?? false;
}

/**
 * The wire body of anything thrown: a {@link CodedError} as it is, anything else `INTERNAL`
 * (the caller logs those: they are bugs, and their messages are not for clients).
 */
export const toErrorBody = (error: unknown): ErrorBody =>
  error instanceof CodedError ? error.body : errorBody('INTERNAL', 'Internal error');

/** An ack: `{ ok: true, ...result }` or `{ ok: false, error }`. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
