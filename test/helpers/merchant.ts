import { createServer, type Server } from 'node:http';
import type { MerchantEvent } from '../../rooms/index.js';
import { verifyWebhook } from '../../server/webhooks.js';

export interface Received {
  id: string;
  valid: boolean;
  event: MerchantEvent;
}

/**
 * A merchant's webhook endpoint on loopback: checks every signature, answers `status()` (503 to
 * refuse) and records what it accepted. `port` reopens it where an earlier one listened.
 */
export async function startMerchant(
  secret: string,
  cleanup: (task: () => Promise<void> | void) => void,
  status: () => number = () => 200,
  port = 0,
) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const timestamp = Number(req.headers['x-liveshop-timestamp']);
      const signature = String(req.headers['x-liveshop-signature']);
      const code = status();
      if (code < 300)
        received.push({
          id: String(req.headers['x-liveshop-event-id']),
          valid: verifyWebhook(secret, timestamp, body, signature),
          event: JSON.parse(body) as MerchantEvent,
        });
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : 0;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  cleanup(() => (server.listening ? close() : undefined));
  return { received, port: bound, url: `http://127.0.0.1:${bound}/hooks`, close };
}
