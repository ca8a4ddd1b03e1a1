import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CodedError, type Product } from '../../client-sdk/src/protocol/index.js';
import type { Authenticator } from '../auth.js';
import { signToken, type Claims } from '../auth.js';
import { commandRunner } from '../handlers/command.js';
import type { Services } from '../handlers/index.js';
import { productHandlers } from '../handlers/products.js';
import type { PathHandlers } from './routes.js';
import type { Reply } from './reply.js';

/**
 * "Start a demo show" (development only): a room with sample products, a host token and viewer
 * tokens signed with the development secret, and the example moderation policy when none is in
 * force, so a newcomer sees every screen from `npm start` alone. Refused (403) unless `DEMO_SHOWS`
 * allows it (by default: development on the built-in secret; never in production), since anyone
 * who can reach the server gets these tokens.
 */

/** How long demo tokens live. */
const DEMO_TTL_SECONDS = 4 * 3600;
/** Demo viewers' accounts are a week old, so account-age rules treat them as regulars. */
const ACCOUNT_AGE_SECONDS = 7 * 86_400;

export const DEMO_PRODUCTS: readonly (Omit<Product, 'imageUrl'> & { color: string })[] = [
  {
    id: 'sneaker',
    title: 'Cloud runner sneakers',
    price: usd(8900),
    sku: 'DEMO-SNK',
    color: '#ff6b5b',
  },
  {
    id: 'jacket',
    title: 'Rain shell jacket',
    price: usd(12900),
    sku: 'DEMO-JKT',
    color: '#4c8dff',
  },
  {
    id: 'bottle',
    title: 'Steel water bottle',
    price: usd(2400),
    sku: 'DEMO-BTL',
    color: '#2bb673',
  },
  {
    id: 'headphones',
    title: 'Studio headphones',
    price: usd(19900),
    sku: 'DEMO-HPH',
    color: '#9b6bff',
  },
];

/** A demo viewer's audience: the language, and the region moderation groups by. */
export interface DemoViewer {
  lang: 'en' | 'zh-CN';
  region: string;
  name?: string | undefined;
}

const VIEWERS: readonly DemoViewer[] = [
  { lang: 'en', region: 'US' },
  { lang: 'en', region: 'GB' },
  { lang: 'zh-CN', region: 'CN' },
];

export function demoRoutes(
  auth: Authenticator,
  services: Services,
  examplePolicy: () => Promise<string>,
): Record<string, PathHandlers> {
  const { config } = services;
  const secret = config.auth.secret;
  const available = config.demoShows && secret !== null;
  const products = commandRunner(productHandlers, services);

  const sign = (claims: Claims) =>
    signToken(claims, secret ?? '', {
      ttlSeconds: Math.min(DEMO_TTL_SECONDS, config.auth.maxTokenAgeSeconds),
      issuer: config.auth.issuer,
      audience: config.auth.audience,
    });
  const viewer = async (roomId: string, who: DemoViewer) => {
    const n = randomBytes(2).readUInt16BE() % 1000;
    const name = who.name ?? (who.lang === 'zh-CN' ? `观众${n}` : `Viewer ${n}`);
    const token = await sign({
      sub: `demo-${randomId(8)}`,
      name,
      region: who.region,
      lang: who.lang,
      created: Math.floor(services.now() / 1000) - ACCOUNT_AGE_SECONDS,
    });
    return { name, lang: who.lang, region: who.region, token, url: link('watch', roomId, token) };
  };

  const refuseUnlessAvailable = () => {
    if (!available)
      throw new CodedError(
        'FORBIDDEN',
        'Demo shows are for development only (DEMO_SHOWS; never with NODE_ENV=production)',
      );
  };

  const answer = (reply: Reply, work: () => Promise<object>) => {
    work().then(
      (body) => reply.json(200, { ok: true, ...body }),
      (error: unknown) => {
        const coded =
          error instanceof CodedError ? error : new CodedError('INTERNAL', 'Internal error');
        if (!(error instanceof CodedError)) services.logger.error({ err: error }, 'demo failed');
        reply.error(coded.code === 'FORBIDDEN' ? 403 : 500, coded.code, coded.message);
      },
    );
  };

  return {
    '/v1/demo': {
      GET: (reply) => reply.json(200, { ok: true, available }),
      POST: (reply, req) => {
        const origin = `http://${req.getHeader('host') || `127.0.0.1:${config.port}`}`;
        answer(reply, async () => {
          refuseUnlessAvailable();
          const roomId = `demo-${randomId(6)}`;
          const hostToken = await sign({
            sub: `host-${roomId}`,
            name: 'Demo host',
            rooms: { [roomId]: 'host' },
            created: Math.floor(services.now() / 1000) - ACCOUNT_AGE_SECONDS,
          });
          const identity = await auth.authenticate(hostToken);
          await services.registry.open(
            roomId,
            {
              title: 'Demo show: spring drop',
              description: 'Sample products, a drop, chat and reactions: a development demo.',
              scheduledAt: services.now() + 10 * 60_000,
            },
            identity,
          );
          for (const { color: _, ...product } of DEMO_PRODUCTS) {
            const done = await products({ identity }, 'product:upsert', {
              roomId,
              product: { ...product, imageUrl: `${origin}/demo/products/${product.id}.svg` },
            });
            if (!done.ok) throw new CodedError(done.error.code, done.error.message);
          }
          let policy: string | null = null;
          if (!services.policy.entry()) {
            const load = await services.policy.apply(await examplePolicy(), 'api');
            if (load.ok) policy = load.loaded.version;
          }
          return {
            roomId,
            development: true,
            policy,
            host: { token: hostToken, url: link('host', roomId, hostToken) },
            viewers: await Promise.all(VIEWERS.map((v) => viewer(roomId, v))),
          };
        });
      },
    },
    // another viewer of a demo room, of any audience ("see as", a second phone)
    '/v1/demo/:roomId/viewers': {
      POST: (reply, req) => {
        const roomId = req.getParameter(0);
        const query = new URLSearchParams(req.getQuery());
        answer(reply, async () => {
          refuseUnlessAvailable();
          if (!roomId.startsWith('demo-')) throw new CodedError('FORBIDDEN', 'Not a demo room');
          const lang = query.get('lang') === 'zh-CN' ? 'zh-CN' : 'en';
          const region = /^[A-Z]{2}$/.test(query.get('region') ?? '')
            ? (query.get('region') as string)
            : lang === 'zh-CN'
              ? 'CN'
              : 'US';
          return viewer(roomId, { lang, region, name: query.get('name')?.slice(0, 40) });
        });
      },
    },
    '/demo/products/:file': {
      GET: (reply, req) => {
        const file = req.getParameter(0);
        const product = DEMO_PRODUCTS.find((p) => `${p.id}.svg` === file);
        if (!product) {
          reply.error(404, 'NOT_FOUND', 'No such demo image');
          return;
        }
        reply.send(200, productImage(product.color, product.title), 'image/svg+xml', {
          'cache-control': 'public, max-age=86400',
        });
      },
    },
  };
}

/** The example policy file's text (the one the README documents). */
export function examplePolicyFile(path: string): () => Promise<string> {
  return () => readFile(path, 'utf8');
}

function link(page: 'watch' | 'host', roomId: string, token: string): string {
  return `/${page}?room=${encodeURIComponent(roomId)}#token=${token}`;
}

function randomId(length: number): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

function usd(amountMinor: number) {
  return { amountMinor, currency: 'USD' };
}

/** A flat square picture of a product: its colour and its initial. */
function productImage(color: string, title: string): string {
  const initial = title.slice(0, 1);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" role="img" aria-label="${title}">
<rect width="120" height="120" rx="16" fill="${color}"/>
<circle cx="60" cy="52" r="30" fill="rgba(255,255,255,0.25)"/>
<text x="60" y="66" font-family="system-ui,sans-serif" font-size="40" font-weight="700" text-anchor="middle" fill="#fff">${initial}</text>
</svg>`;
}
