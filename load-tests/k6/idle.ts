/**
 * Idle density: CONNECTIONS held open for HOLD seconds; halfway through, a probe reads the
 * server's /metrics and reports resident memory per connection.
 *
 *   k6 run -e URL=http://127.0.0.1:3000 -e CONNECTIONS=15000 load-tests/k6/idle.ts
 *
 * Read the figure against the server's RSS before the run (the probe prints both).
 */
import http from 'k6/http';
import { Gauge } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { BASE_URL, connect, env } from './common.ts';

const CONNECTIONS = env('CONNECTIONS', 1000);
const HOLD = env('HOLD', 60);
const bytesPerConnection = new Gauge('server_rss_bytes_per_connection');

export const options = {
  scenarios: {
    connections: {
      executor: 'per-vu-iterations',
      vus: CONNECTIONS,
      iterations: 1,
      exec: 'hold',
      maxDuration: `${HOLD + 60}s`,
    },
    probe: {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 1,
      exec: 'probe',
      startTime: `${Math.round(HOLD / 2)}s`,
    },
  },
};

/** A scrape of /metrics (with METRICS_TOKEN, as a server in production wants it). */
function scrape(): string {
  const token = __ENV['METRICS_TOKEN'];
  const params = token ? { headers: { authorization: `Bearer ${token}` } } : {};
  return String(http.get(`${BASE_URL}/metrics`, params).body);
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

export function setup(): { rssBefore: number } {
  return {
    rssBefore: metric(scrape(), 'liveshop_process_resident_memory_bytes'),
  };
}

export function hold(): void {
  const { ws } = connect(null, 'viewer', () => undefined);
  setTimeout(() => ws.close(), HOLD * 1000);
}

export function probe(data: { rssBefore: number }): void {
  const text = scrape();
  const rss = metric(text, 'liveshop_process_resident_memory_bytes');
  const connections = metric(text, 'liveshop_connections');
  bytesPerConnection.add((rss - data.rssBefore) / connections);
  console.log(`RSS ${data.rssBefore} -> ${rss} bytes with ${connections} connections`);
}
