import {
  clientEvents,
  errorBody,
  type ErrorBody,
  type ErrorCode,
} from '../client-sdk/src/protocol/index.js';
import { RoomError, type Identity } from '../rooms/index.js';
import type { Authenticator } from './auth.js';
import { AuthError } from './auth.js';
import type { Services } from './handlers/index.js';
import { describe, toErrorBody } from './handlers/dispatch.js';
import { productHandlers } from './handlers/products.js';
import { findRoom } from './handlers/room.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './transport/uws.js';
import type { Engine } from '../rooms/index.js';

const MAX_BODY_BYTES = 16 * 1024;
const MAX_LIST = 1000;

const STATUS: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: '400 Bad Request',
  UNAUTHENTICATED: '401 Unauthorized',
  TOKEN_EXPIRED: '401 Unauthorized',
  AUTH_REQUIRED: '401 Unauthorized',
  FORBIDDEN: '403 Forbidden',
  ROOM_NOT_FOUND: '404 Not Found',
  DROP_NOT_FOUND: '404 Not Found',
  PRODUCT_NOT_FOUND: '404 Not Found',
  PAYLOAD_TOO_LARGE: '413 Payload Too Large',
  PIN_LIMIT: '409 Conflict',
  PRODUCT_LIMIT: '409 Conflict',
  INVALID_STATE: '409 Conflict',
  RATE_LIMITED: '429 Too Many Requests',
  UNAVAILABLE: '503 Service Unavailable',
  SERVER_DRAINING: '503 Service Unavailable',
};

interface Request {
  identity: Identity;
  params: string[];
  query: URLSearchParams;
  body: unknown;
}

type Route = (req: Request) => Promise<object>;

/**
 * The merchant's HTTP API, under `/v1`: the same commands as the socket events (validated by the
 * same schemas, run by the same handlers) for a backend that holds a token but no socket, plus
 * order and event listings. Every request needs `Authorization: Bearer <JWT>`; the room roles
 * in the token apply as on a socket, and listings need the `admin` role.
 */
export function mountHttpApi(
  app: TemplatedApp,
  auth: Authenticator,
  services: Services,
  engine: Pick<Engine, 'inventory' | 'merchantOutbox'>,
): void {
  const on = (method: 'get' | 'put' | 'del', pattern: string, params: number, route: Route) =>
    app[method](pattern, (res, req) => serve(res, req, params, route));

  const serve = (res: HttpResponse, req: HttpRequest, params: number, route: Route) => {
    // uWS requests live only until the first await: read what is needed now
    const authorization = req.getHeader('authorization');
    const values = Array.from({ length: params }, (_, i) => decode(req.getParameter(i)));
    const query = new URLSearchParams(req.getQuery());
    const reply = responder(res);
    void readBody(res)
      .then(async (text) => {
        const identity = await auth.authenticate(bearer(authorization));
        if (identity.anonymous) throw new AuthError('UNAUTHENTICATED', 'A token is required');
        const body = text === '' ? undefined : parseJson(text);
        return route({ identity, params: values, query, body });
      })
      .then(
        (result) => reply('200 OK', { ok: true, ...result }),
        (error: unknown) => {
          const body = httpError(error, services);
          reply(STATUS[body.code] ?? '500 Internal Server Error', { ok: false, error: body });
        },
      );
  };

  const command = async (
    event: keyof typeof productHandlers,
    identity: Identity,
    payload: unknown,
  ): Promise<object> => {
    const parsed = clientEvents[event].request.safeParse(payload);
    if (!parsed.success) throw new RoomError('BAD_REQUEST', describe(event, parsed.error));
    const handler = productHandlers[event] as (
      actor: { identity: Identity },
      input: unknown,
      s: Services,
    ) => Promise<object>;
    return handler({ identity }, parsed.data, services);
  };

  const listing = (identity: Identity) => {
    if (identity.role !== 'admin')
      throw new RoomError('FORBIDDEN', 'Listings need a token with the admin role');
  };

  on('get', '/v1/rooms/:roomId/products', 1, async ({ params: [roomId = ''] }) => {
    const room = await findRoom(services, roomId);
    return room.products;
  });
  on('put', '/v1/rooms/:roomId/products/:productId', 2, ({ identity, params, body }) =>
    command('product:upsert', identity, {
      roomId: params[0],
      product: { ...(isObject(body) ? body : {}), id: params[1] },
    }),
  );
  on('del', '/v1/rooms/:roomId/products/:productId', 2, ({ identity, params }) =>
    command('product:remove', identity, { roomId: params[0], productId: params[1] }),
  );
  on('put', '/v1/rooms/:roomId/pinned-products/:productId', 2, ({ identity, params }) =>
    command('product:pin', identity, { roomId: params[0], productId: params[1] }),
  );
  on('del', '/v1/rooms/:roomId/pinned-products/:productId', 2, ({ identity, params }) =>
    command('product:unpin', identity, { roomId: params[0], productId: params[1] }),
  );
  on('get', '/v1/drops/:dropId/orders', 1, async ({ identity, params: [dropId = ''] }) => {
    listing(identity);
    if ((await engine.inventory.stock(dropId, services.now())) === undefined)
      throw new RoomError('DROP_NOT_FOUND', `No drop ${dropId}`);
    return { orders: await engine.inventory.orders(dropId) };
  });
  on('get', '/v1/merchant/events', 0, async ({ identity, query }) => {
    listing(identity);
    const limit = Math.min(MAX_LIST, Math.max(1, Number(query.get('limit') ?? 100) || 100));
    return { events: await engine.merchantOutbox.recent(limit) };
  });
}

function responder(res: HttpResponse): (status: string, body: unknown) => void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  return (status, body) => {
    if (aborted) return;
    res.cork(() => {
      res
        .writeStatus(status)
        .writeHeader('content-type', 'application/json')
        .writeHeader('cache-control', 'no-store')
        .end(JSON.stringify(body));
    });
  };
}

/** The request body as text; refused beyond {@link MAX_BODY_BYTES}. */
function readBody(res: HttpResponse): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    res.onData((chunk, last) => {
      if (refused) return;
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        // answered at once (the rest of the body is ignored), not after the client sent it all
        refused = true;
        reject(new RoomError('PAYLOAD_TOO_LARGE', `Bodies may be at most ${MAX_BODY_BYTES} bytes`));
        return;
      }
      // uWS reuses the chunk's memory after this call: copy it
      chunks.push(Buffer.from(chunk.slice(0)));
      if (last) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** A path parameter, decoded; a malformed escape stays as it is (and fails validation). */
function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function bearer(header: string): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RoomError('BAD_REQUEST', 'The body is not valid JSON');
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function httpError(error: unknown, services: Pick<Services, 'logger'>): ErrorBody {
  if (error instanceof AuthError) return errorBody(error.code, error.message);
  return toErrorBody(error, 'http', services);
}
