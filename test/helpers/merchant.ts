import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { MerchantEvent } from '../../rooms/index.js';

/** A Standard Webhooks secret for tests: `whsec_` and 32 bytes in base64. */
export const MERCHANT_SECRET = `whsec_${Buffer.from('merchant-secret-merchant-secret!').toString('base64')}`;

export interface Received {
  id: string;
  valid: boolean;
  event: MerchantEvent;
}

/**
 * A merchant's webhook endpoint on loopback, as a merchant would write it with a standard
 * library: `standardwebhooks`' `Webhook#verify` checks every delivery (signature over id,
 * timestamp and body; timestamp within five minutes). It answers `status()` (503 to refuse) and
 * records what it accepted. `port` reopens it where an earlier one listened.
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
      let valid = true;
      try {
        new Webhook(secret).verify(body, req.headers as Record<string, string>);
      } catch {
        valid = false;
      }
      const code = status();
      if (code < 300)
        received.push({
          id: String(req.headers['webhook-id']),
          valid,
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
