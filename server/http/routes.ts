import type { HttpRequest, HttpResponse, TemplatedApp } from '../transport/uws.js';
import { Reply } from './reply.js';

export type Method = 'GET' | 'PUT' | 'DELETE' | 'POST';

/** What a handler gets: the reply, and the request (valid only until the handler returns or awaits). */
export type RouteHandler = (reply: Reply, req: HttpRequest, res: HttpResponse) => void;

/** The handlers of one path, by method; GET answers HEAD too. */
export type PathHandlers = Partial<Record<Method, RouteHandler>>;

/**
 * Mounts paths on the app, each with its methods: any other method gets 405 with `Allow` and the
 * error envelope. Every path not mounted here (nor by socket.io) gets 404 with the envelope.
 */
export function mountRoutes(app: TemplatedApp, routes: Readonly<Record<string, PathHandlers>>) {
  for (const [pattern, handlers] of Object.entries(routes)) {
    const methods = Object.keys(handlers) as Method[];
    const allow = [...methods, ...(handlers.GET ? ['HEAD'] : [])].join(', ');
    app.any(pattern, (res, req) => {
      const method = req.getMethod().toUpperCase();
      const head = method === 'HEAD';
      const handler = head ? handlers.GET : handlers[method as Method];
      const reply = new Reply(res, head);
      if (!handler) {
        reply.error(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allow}`, {
          allow,
        });
        return;
      }
      try {
        handler(reply, req, res);
      } catch {
        // a route that throws answers 500 (never the process): uWS has no handler of its own
        reply.error(500, 'INTERNAL', 'Internal error');
      }
    });
  }
}

/** The answer to every path nothing else serves. Mount it last. */
export function mountNotFound(app: TemplatedApp): void {
  app.any('/*', (res, req) => {
    new Reply(res, req.getMethod().toUpperCase() === 'HEAD').error(
      404,
      'NOT_FOUND',
      `Nothing is served at ${req.getUrl().slice(0, 200)}`,
    );
  });
}
