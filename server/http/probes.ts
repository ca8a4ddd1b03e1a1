import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metrics } from '../metrics.js';
import type { HttpRequest } from '../transport/uws.js';
import { bearer, type Reply } from './reply.js';
import type { PathHandlers } from './routes.js';

export interface Probes {
  /** Why the server is not ready, or null when it is. */
  notReadyReason(): string | null;
}

/** Health and readiness, for load balancers and orchestrators. */
export function probeRoutes(metrics: Metrics, probes: Probes): Record<string, PathHandlers> {
  return {
    '/healthz': { GET: (reply) => reply.json(200, { status: 'ok' }) },
    '/readyz': {
      GET: (reply) => {
        const reason = probes.notReadyReason();
        metrics.ready.set(reason === null ? 1 : 0);
        if (reason === null) reply.json(200, { status: 'ready' });
        else reply.json(503, { status: 'not ready', reason });
      },
    },
  };
}

/**
 * Prometheus metrics. With a token, a scrape must send `Authorization: Bearer <token>`; without
 * one the path is open (for a port of its own, or development).
 */
export function metricsRoute(metrics: Metrics, token: string | null): Record<string, PathHandlers> {
  const expected = token === null ? null : digest(token);
  return {
    '/metrics': {
      GET: (reply: Reply, req: HttpRequest) => {
        if (expected && !authorized(req.getHeader('authorization'), expected)) {
          reply.error(
            401,
            'UNAUTHENTICATED',
            'Metrics need Authorization: Bearer <METRICS_TOKEN>',
            {
              'www-authenticate': 'Bearer realm="metrics"',
            },
          );
          return;
        }
        metrics.registry.metrics().then(
          (text) => reply.send(200, text, metrics.registry.contentType),
          () => reply.error(500, 'INTERNAL', 'Metrics could not be collected'),
        );
      },
    },
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares digests, so neither the token's length nor its content leaks through timing. */
function authorized(header: string, expected: Buffer): boolean {
  const token = bearer(header);
  return token !== undefined && timingSafeEqual(digest(token), expected);
}
