import type { HttpResponse, TemplatedApp } from './transport/uws.js';
import type { Metrics } from './metrics.js';

function json(res: HttpResponse, status: string, body: unknown): void {
  res.cork(() => {
    res
      .writeStatus(status)
      .writeHeader('content-type', 'application/json')
      .writeHeader('cache-control', 'no-store');
    res.end(JSON.stringify(body));
  });
}

export interface Probes {
  /** Why the server is not ready, or null when it is. */
  notReadyReason(): string | null;
}

/** Health, readiness and metrics on the uWS app; anything else not handled by socket.io is a 404. */
export function mountHttp(app: TemplatedApp, metrics: Metrics, probes: Probes): void {
  app.get('/healthz', (res) => json(res, '200 OK', { status: 'ok' }));

  app.get('/readyz', (res) => {
    const reason = probes.notReadyReason();
    metrics.ready.set(reason === null ? 1 : 0);
    if (reason === null) json(res, '200 OK', { status: 'ready' });
    else json(res, '503 Service Unavailable', { status: 'not ready', reason });
  });

  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    metrics.registry.metrics().then(
      (text) => {
        if (aborted) return;
        res.cork(() => {
          res
            .writeStatus('200 OK')
            .writeHeader('content-type', metrics.registry.contentType)
            .end(text);
        });
      },
      () => {
        if (!aborted) json(res, '500 Internal Server Error', { status: 'error' });
      },
    );
  });

  app.any('/*', (res) => json(res, '404 Not Found', { status: 'not found' }));
}
