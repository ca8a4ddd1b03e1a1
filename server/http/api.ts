import * as z from 'zod';
import {
  CodedError,
  errorBody,
  type Ack,
  type DecisionRecord,
  type ErrorBody,
  type ErrorCode,
  Region,
} from '../../client-sdk/src/protocol/index.js';
import type { DecisionQuery, Engine, Identity, ModerationStore } from '../../rooms/index.js';
import type { Authenticator } from '../auth.js';
import type { Services } from '../handlers/index.js';
import { answerError, commandRunner, describe } from '../handlers/command.js';
import type { Actor } from '../handlers/context.js';
import { moderationHandlers } from '../handlers/moderation.js';
import { productHandlers } from '../handlers/products.js';
import { findRoom } from '../handlers/room.js';
import type { HttpRequest } from '../transport/uws.js';
import { bearer, type Reply } from './reply.js';
import type { PathHandlers, RouteHandler } from './routes.js';

const MAX_BODY_BYTES = 16 * 1024;
/** A moderation policy may carry long term lists. */
const MAX_POLICY_BYTES = 4 << 20;
const POLICY_ADMIN = 'The moderation policy needs a token with the admin role';
const MAX_LIST = 1000;

/** The HTTP status of each error code. */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  AUTH_REQUIRED: 401,
  FORBIDDEN: 403,
  BANNED: 403,
  MESSAGE_BLOCKED: 422,
  TIMED_OUT: 429,
  REVIEW_NOT_FOUND: 404,
  NOT_FOUND: 404,
  ROOM_NOT_FOUND: 404,
  DROP_NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PIN_LIMIT: 409,
  PRODUCT_LIMIT: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_POLICY: 400,
  RATE_LIMITED: 429,
  SLOW_MODE: 429,
  UNAVAILABLE: 503,
  SERVER_DRAINING: 503,
};

/** What a route sees: the caller, its path parameters, its checked query and its JSON body. */
interface Request<Q> {
  identity: Identity;
  params: string[];
  query: Q;
  body: unknown;
}

interface RouteSpec<Q> {
  /** How many `:params` the pattern has. */
  params: number;
  /** The query parameters this route takes; any other is refused. */
  query?: z.ZodType<Q>;
  /** Whether a JSON body is required (else a body is still parsed and checked when sent). */
  body?: boolean;
  /** The largest body taken (default 16 KiB). */
  maxBodyBytes?: number;
  /**
   * The result, or a command's ack, or a refusal with details beside its error (a refused one is
   * answered with its error's status).
   */
  run(req: Request<Q>): Promise<object | Ack<object> | Refusal | RawBody>;
}

/** An answer that is not a JSON object (an NDJSON export): sent as it is. */
class RawBody {
  constructor(
    readonly body: string,
    readonly type: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

/** A refusal that says more than its error: `{ ok: false, error, ...details }`. */
type Refusal = { ok: false; error: ErrorBody } & Record<string, unknown>;

/** What a route needs of its request, read before the first await. */
interface RequestHead {
  authorization: string;
  contentType: string;
  /** A content length above 0, or a chunked body. */
  sendsBody: boolean;
  params: string[];
  query: string;
}

/** The query of a route that takes no parameters: any is refused. */
const NoQuery = z.strictObject({});

/** Most statements of reasons one export answers (continue with its `x-next-cursor`). */
const MAX_EXPORT = 100_000;

/** A time: epoch milliseconds, or an ISO 8601 date or date-time. */
const time = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    const at = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v);
    if (Number.isNaN(at)) {
      ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 time' });
      return z.NEVER;
    }
    return at;
  });

/** A whole number in decimal digits, within bounds. */
const count = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/**
 * The merchant's HTTP API, under `/v1`: the same commands as the socket events (validated by the
 * same schemas, run by the same handlers) for a backend that holds a token but no socket, plus
 * order and event listings and the moderation policy. Every request needs `Authorization: Bearer
 * <JWT>`; the room roles in the token apply as on a socket, and listings and the policy need the
 * `admin` role. A request body must be JSON (`content-type: application/json`) in UTF-8; query
 * parameters are checked, unknown ones refused.
 */
export function apiRoutes(
  auth: Authenticator,
  services: Services,
  engine: Pick<Engine, 'inventory' | 'merchantOutbox' | 'moderation' | 'waitingRoom'>,
): Record<string, PathHandlers> {
  const serve =
    <Q = object>(spec: RouteSpec<Q>): RouteHandler =>
    (reply: Reply, req: HttpRequest) => {
      // uWS requests live only until the first await: read what is needed now
      const length = req.getHeader('content-length');
      const head: RequestHead = {
        authorization: req.getHeader('authorization'),
        contentType: req.getHeader('content-type'),
        sendsBody: (length !== '' && length !== '0') || req.getHeader('transfer-encoding') !== '',
        params: Array.from({ length: spec.params }, (_, i) => decode(req.getParameter(i))),
        query: req.getQuery(),
      };
      // the body is read from the start (uWS hands its chunks only to a reader set up now)
      const body = reply.body(spec.maxBodyBytes ?? MAX_BODY_BYTES);
      void handle(reply, head, body, spec).catch((error: unknown) =>
        refuse(reply, answerError(error, 'http', services.logger)),
      );
    };

  const handle = async <Q>(
    reply: Reply,
    head: RequestHead,
    reading: Promise<Buffer | null>,
    spec: RouteSpec<Q>,
  ) => {
    if (head.sendsBody && !isJson(head.contentType))
      throw new CodedError(
        'UNSUPPORTED_MEDIA_TYPE',
        `The body must be application/json, not ${head.contentType === '' ? 'untyped' : head.contentType.slice(0, 100)}`,
      );
    const raw = await reading;
    if (raw === null) return; // refused as too large, or the client went away
    const identity = await auth.authenticate(bearer(head.authorization));
    if (identity.anonymous) throw new CodedError('UNAUTHENTICATED', 'A token is required');
    const query = parseQuery(head.query, spec.query ?? (NoQuery as unknown as z.ZodType<Q>));
    const body = raw.length === 0 ? undefined : parseJson(raw);
    if (spec.body && body === undefined)
      throw new CodedError('BAD_REQUEST', 'This request needs a JSON body');
    const result = await spec.run({ identity, params: head.params, query, body });
    if (result instanceof RawBody) reply.send(200, result.body, result.type, result.headers);
    else if ('ok' in result && !result.ok) {
      const { ok: _refused, error, ...details } = result as Refusal;
      refuse(reply, error, details);
    } else reply.json(200, { ok: true, ...result });
  };

  // the commands a backend may send over HTTP: those whose handlers need no connection
  const commands = { ...productHandlers, ...moderationHandlers };
  const runCommand = commandRunner<Actor, keyof typeof commands>(commands, services);
  const command = (event: keyof typeof commands, identity: Identity, payload: unknown) =>
    runCommand({ identity }, event, payload);
  const withBody = (body: unknown) => (isObject(body) ? body : { invalid: body });

  const admin = (identity: Identity, refusal: string) => {
    if (identity.role !== 'admin') throw new CodedError('FORBIDDEN', refusal);
  };
  const listing = (identity: Identity) =>
    admin(identity, 'Listings need a token with the admin role');

  return {
    '/v1/rooms/:roomId/products': {
      GET: serve({
        params: 1,
        run: async ({ params: [roomId = ''] }) => (await findRoom(services, roomId)).products.list,
      }),
    },
    '/v1/rooms/:roomId/products/:productId': {
      PUT: serve({
        params: 2,
        body: true,
        run: ({ identity, params, body }) =>
          command('product:upsert', identity, {
            roomId: params[0],
            product: { ...(isObject(body) ? body : { invalid: body }), id: params[1] },
          }),
      }),
      DELETE: serve({
        params: 2,
        run: ({ identity, params }) =>
          command('product:remove', identity, { roomId: params[0], productId: params[1] }),
      }),
    },
    '/v1/rooms/:roomId/pinned-products/:productId': {
      PUT: serve({
        params: 2,
        run: ({ identity, params }) =>
          command('product:pin', identity, { roomId: params[0], productId: params[1] }),
      }),
      DELETE: serve({
        params: 2,
        run: ({ identity, params }) =>
          command('product:unpin', identity, { roomId: params[0], productId: params[1] }),
      }),
    },
    '/v1/drops/:dropId/orders': {
      GET: serve({
        params: 1,
        run: async ({ identity, params: [dropId = ''] }) => {
          listing(identity);
          if ((await engine.inventory.stock(dropId, services.now())) === undefined)
            throw new CodedError('DROP_NOT_FOUND', `No drop ${dropId}`);
          return { orders: await engine.inventory.orders(dropId) };
        },
      }),
    },
    '/v1/merchant/events': {
      GET: serve({
        params: 0,
        query: z.strictObject({ limit: count(1, MAX_LIST).optional() }),
        run: async ({ identity, query }) => {
          listing(identity);
          return { events: await engine.merchantOutbox.recent(query.limit ?? 100) };
        },
      }),
    },
    // statements of reasons, one JSON object per line, oldest first
    '/v1/moderation/decisions': {
      GET: serve({
        params: 0,
        query: z.strictObject({
          since: time,
          region: Region.optional(),
          room: z.string().max(64).optional(),
          limit: count(1, MAX_EXPORT).optional(),
          cursor: z.string().max(64).optional(),
        }),
        run: async ({ identity, query }) => {
          admin(identity, 'The moderation decisions need a token with the admin role');
          const { records, cursor } = await exportDecisions(engine.moderation, {
            since: query.since,
            limit: query.limit ?? MAX_EXPORT,
            ...(query.region === undefined ? {} : { region: query.region }),
            ...(query.room === undefined ? {} : { roomId: query.room }),
            ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
          });
          const body = records.map((r) => `${JSON.stringify(r)}\n`).join('');
          return new RawBody(
            body,
            'application/x-ndjson',
            cursor === undefined ? {} : { 'x-next-cursor': cursor },
          );
        },
      }),
    },
    // the moderators' tools, as the socket events (the token's room roles apply)
    '/v1/rooms/:roomId/held': {
      GET: serve({
        params: 1,
        run: ({ identity, params }) => command('moderation:held', identity, { roomId: params[0] }),
      }),
    },
    '/v1/rooms/:roomId/held/:messageId': {
      POST: serve({
        params: 2,
        body: true,
        run: ({ identity, params, body }) =>
          command('moderation:review', identity, {
            ...withBody(body),
            roomId: params[0],
            messageId: params[1],
          }),
      }),
    },
    '/v1/rooms/:roomId/reports': {
      GET: serve({
        params: 1,
        run: ({ identity, params }) =>
          command('moderation:reports', identity, { roomId: params[0] }),
      }),
    },
    '/v1/rooms/:roomId/reports/:messageId': {
      DELETE: serve({
        params: 2,
        run: ({ identity, params }) =>
          command('moderation:dismiss', identity, { roomId: params[0], messageId: params[1] }),
      }),
    },
    '/v1/rooms/:roomId/admission': {
      PUT: serve({
        params: 1,
        body: true,
        run: ({ identity, params, body }) =>
          command('room:admission', identity, { ...withBody(body), roomId: params[0] }),
      }),
    },
    // a pre-queue's order, for anyone to check (verifyQueueOrder in the SDK)
    '/v1/rooms/:roomId/queue/audit': {
      GET: serve({
        params: 1,
        run: async ({ params: [roomId = ''] }) => {
          const audit = await engine.waitingRoom.audit(roomId);
          if (!audit) throw new CodedError('NOT_FOUND', `Room ${roomId} has no shuffled pre-queue`);
          return { audit };
        },
      }),
    },
    '/v1/rooms/:roomId/shield': {
      PUT: serve({
        params: 1,
        body: true,
        run: ({ identity, params, body }) =>
          command('room:shield', identity, { ...withBody(body), roomId: params[0] }),
      }),
    },
    '/v1/rooms/:roomId/sanctions': {
      GET: serve({
        params: 1,
        run: ({ identity, params }) =>
          command('moderation:sanctions', identity, { roomId: params[0] }),
      }),
      POST: serve({
        params: 1,
        body: true,
        run: ({ identity, params, body }) =>
          command('moderation:sanction', identity, { ...withBody(body), roomId: params[0] }),
      }),
    },
    '/v1/rooms/:roomId/sanctions/:userId/:kind': {
      DELETE: serve({
        params: 3,
        query: z.strictObject({ global: z.enum(['true', 'false']).optional() }),
        run: ({ identity, params, query }) =>
          command('moderation:lift', identity, {
            roomId: params[0],
            userId: params[1],
            kind: params[2],
            global: query.global === 'true',
          }),
      }),
    },
    '/v1/moderation/policy': {
      GET: serve({
        params: 0,
        run: ({ identity }) => {
          admin(identity, POLICY_ADMIN);
          const entry = services.policy.entry();
          if (!entry) throw new CodedError('NOT_FOUND', 'No moderation policy is set');
          return Promise.resolve({
            version: entry.version,
            policy: JSON.parse(entry.text) as unknown,
          });
        },
      }),
      // the policy for every node; a bad one is refused with every problem, the current one stays
      PUT: serve({
        params: 0,
        body: true,
        maxBodyBytes: MAX_POLICY_BYTES,
        run: async ({ identity, body }): Promise<object | Refusal> => {
          admin(identity, POLICY_ADMIN);
          const load = await services.policy.apply(JSON.stringify(body, null, 2), 'api');
          if (load.ok) return { version: load.loaded.version };
          const error = errorBody('INVALID_POLICY', 'The policy was refused; see problems');
          return { ok: false, error, problems: load.problems };
        },
      }),
    },
  };
}

/** Pages through the store until `limit` records (or the end). */
async function exportDecisions(
  store: ModerationStore,
  query: DecisionQuery,
): Promise<{ records: DecisionRecord[]; cursor?: string }> {
  const records: DecisionRecord[] = [];
  let cursor = query.cursor;
  for (;;) {
    const page = await store.decisions({
      ...query,
      limit: Math.min(1000, query.limit - records.length),
      ...(cursor === undefined ? {} : { cursor }),
    });
    records.push(...page.records);
    cursor = page.cursor;
    if (cursor === undefined) return { records };
    if (records.length >= query.limit) return { records, cursor };
  }
}

/** `application/json`, with at most a UTF-8 charset. */
function isJson(contentType: string): boolean {
  return /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i.test(contentType.trim());
}

/** The query string against the route's schema: each parameter once, none it does not take. */
function parseQuery<Q>(text: string, schema: z.ZodType<Q>): Q {
  const params = new URLSearchParams(text);
  const values: Record<string, string> = {};
  for (const [key, value] of params) {
    if (Object.hasOwn(values, key))
      throw new CodedError('BAD_REQUEST', `Query parameter "${key.slice(0, 40)}" is given twice`);
    values[key] = value;
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw new CodedError('BAD_REQUEST', describe('query', parsed.error));
  return parsed.data;
}

/** A path parameter, decoded; a malformed escape stays as it is (and fails validation). */
function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(raw: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new CodedError('BAD_REQUEST', 'The body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CodedError('BAD_REQUEST', 'The body is not valid JSON');
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function refuse(reply: Reply, error: ErrorBody, details: Record<string, unknown> = {}): void {
  reply.json(HTTP_STATUS[error.code] ?? 500, { ok: false, error, ...details });
}
