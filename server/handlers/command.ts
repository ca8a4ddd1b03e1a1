import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  clientEvents,
  CodedError,
  errorBody,
  toErrorBody,
  type Ack,
  type ClientEventName,
  type ClientResponse,
  type ErrorBody,
  type ParsedRequest,
} from '../../client-sdk/src/protocol/index.js';
import type { Services } from './context.js';

/** A table of handlers for some events, each taking the same kind of actor. */
export type CommandTable<A, E extends ClientEventName> = {
  [K in E]: (
    actor: A,
    input: ParsedRequest<K>,
    services: Services,
  ) => Promise<ClientResponse<K>> | ClientResponse<K>;
};

type AnyCommand<A> = (actor: A, input: unknown, services: Services) => Promise<object> | object;

/** Runs one command for an actor; resolves with its ack, never rejects. */
export type RunCommand<A, E extends ClientEventName> = (
  actor: A,
  event: E,
  payload: unknown,
) => Promise<Ack<object>>;

/**
 * The one command path, for sockets and the HTTP API alike: the event's schema checks the
 * payload (a failure is BAD_REQUEST naming the fields), its handler runs on the parsed input,
 * and whatever it throws becomes the wire body ({@link answerError}).
 */
export function commandRunner<A, E extends ClientEventName>(
  table: CommandTable<A, E>,
  services: Services,
): RunCommand<A, E> {
  return async (actor, event, payload) => {
    const parsed = clientEvents[event].request.safeParse(payload);
    if (!parsed.success)
      return { ok: false, error: errorBody('BAD_REQUEST', describe(event, parsed.error)) };
    try {
      const result = await (table[event] as AnyCommand<A>)(actor, parsed.data, services);
      return { ok: true, ...result };
    } catch (error) {
      return { ok: false, error: answerError(error, event, services.logger) };
    }
  };
}

/** The wire body of an error thrown while serving `event`; anything but a CodedError is logged. */
export function answerError(error: unknown, event: string, logger: Logger): ErrorBody {
  if (!(error instanceof CodedError)) logger.error({ err: error, event }, 'handler failed');
  return toErrorBody(error);
}

/** A validation failure in a few words: the first issues, each with its path. */
export function describe(event: string, error: z.ZodError): string {
  const issues = error.issues
    .slice(0, 3)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  return `${event}: ${issues.join('; ')}`;
}
