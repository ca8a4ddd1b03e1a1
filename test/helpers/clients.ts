import { createClient, type LiveShopClient } from '../../client-sdk/src/index.js';
import { signToken, type Claims } from '../../server/auth.js';
import { TEST_SECRET } from './server.js';

/**
 * An app's client, signed in with a test token: it reconnects by itself (to the same URL) and
 * resumes its rooms, as an app's would. `cleanup` gets its close.
 */
export async function appClient(
  url: string,
  claims: Claims,
  cleanup: (task: () => void) => void,
): Promise<LiveShopClient> {
  const c = createClient({
    url,
    token: await signToken(claims, TEST_SECRET, { ttlSeconds: 600 }),
    transports: ['websocket'],
    requestTimeoutMs: 10_000,
    socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 1000 },
  });
  cleanup(() => c.close());
  await new Promise<void>((resolve, reject) => {
    c.once('connected', () => resolve());
    c.once('error', reject);
  });
  return c;
}
