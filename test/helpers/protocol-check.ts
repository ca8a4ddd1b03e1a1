import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import {
  clientEvents,
  ErrorBody,
  serverEvents,
  type ClientEventName,
  type ServerEventName,
} from '../../client-sdk/src/protocol/index.js';
import type { OutgoingObserver } from '../../server/app.js';

/**
 * Checks everything a test server sends against the protocol's schemas: each event against
 * `serverEvents`, each ack against its event's `response` (or the error body). A payload that
 * fails, or carries fields its schema does not name, is a drift between server and SDK; the
 * problems are collected for the test to fail on.
 */
export function protocolChecker(): { observer: OutgoingObserver; problems: string[] } {
  const problems: string[] = [];
  const check = (schema: z.ZodType, value: unknown, what: string) => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`);
      problems.push(`${what} fails its schema (${issues.join('; ')}): ${sample(value)}`);
      return;
    }
    // what the schema would not keep (unknown fields) or would change is not in the protocol
    if (!isDeepStrictEqual(plain(parsed.data), plain(value)))
      problems.push(`${what} differs from its schema's reading: ${sample(value)}`);
  };
  const observer: OutgoingObserver = {
    event(name, payload) {
      if (!Object.hasOwn(serverEvents, name)) {
        problems.push(`event ${name} is not in serverEvents`);
        return;
      }
      check(serverEvents[name as ServerEventName], payload, `event ${name}`);
    },
    ack(name, response) {
      if (typeof response !== 'object' || response === null || !('ok' in response)) {
        problems.push(`ack to ${name} is not { ok, ... }: ${sample(response)}`);
        return;
      }
      const { ok, ...rest } = response as { ok: unknown } & Record<string, unknown>;
      if (ok === false) {
        if (Object.keys(rest).join() !== 'error')
          problems.push(`error ack to ${name} has fields besides error: ${sample(response)}`);
        check(ErrorBody, rest['error'], `error ack to ${name}`);
      } else if (ok === true && Object.hasOwn(clientEvents, name)) {
        check(clientEvents[name as ClientEventName].response, rest, `ack to ${name}`);
      } else {
        problems.push(`ack to ${name} is not a known answer: ${sample(response)}`);
      }
    },
  };
  return { observer, problems };
}

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null)) as unknown;
const sample = (value: unknown): string =>
  (JSON.stringify(value) as string | undefined)?.slice(0, 300) ?? String(value);
