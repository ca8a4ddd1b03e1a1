import * as z from 'zod';
import { ERROR_CODES, type ErrorBody as ErrorBodyType, type ErrorCode } from './error-codes.js';

export * from './error-codes.js';

const codes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** The error half of every ack, and the payload of `server:error`. */
export const ErrorBody = z
  .object({
    code: z.enum(codes),
    message: z.string(),
    retryable: z.boolean(),
    /** Set for RATE_LIMITED and SLOW_MODE: when a retry may succeed. */
    retryAfterMs: z.number().int().nonnegative().optional(),
  })
  .meta({ id: 'ErrorBody' });

export type ErrorBody = ErrorBodyType;

// the schema and the hand-written type must say the same
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/** Compiles only while the schema and {@link ErrorBodyType} agree. */
export type ErrorBodyAgrees = Holds<Same<z.infer<typeof ErrorBody>, ErrorBodyType>>;
