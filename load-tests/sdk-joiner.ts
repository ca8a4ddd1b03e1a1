/**
 * A load process of real SDK clients (what an app ships): each connects with its own token and
 * joins one room; prints `{"joined":n}` once all are in, then holds them until killed. Used by
 * `npm run bench -- connect-cost --client sdk`.
 *   node --import tsx load-tests/sdk-joiner.ts <url> <room> <count> <secret>
 */
import { SignJWT } from 'jose';
import { createClient, type LiveShopClient } from '../client-sdk/src/index.js';

const [url = '', roomId = '', countText = '0', secretText = ''] = process.argv.slice(2);
const count = Number(countText);
const secret = new TextEncoder().encode(secretText);
const tokens = await Promise.all(
  Array.from({ length: count }, (_, i) =>
    new SignJWT({ region: 'US' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`sdk-viewer-${i}`)
      .setExpirationTime('2h')
      .sign(secret),
  ),
);
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
// the parent starts measuring, then says go
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const clients: LiveShopClient[] = [];
let next = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: Math.min(100, count) }, async () => {
    while (next < count) {
      const token = tokens[next++] ?? '';
      const client = createClient({ url, token, transports: ['websocket'] });
      clients.push(client);
      await client.join(roomId).catch(() => failed++);
    }
  }),
);
process.stdout.write(`${JSON.stringify({ joined: clients.length - failed, failed })}\n`);
process.on('SIGTERM', () => {
  for (const client of clients) client.close();
  process.exit(0);
});
