import { describe, expect, it } from 'vitest';
import type { Product, ServerPayload } from '../client-sdk/src/protocol/index.js';
import { nextEvent } from './helpers/events.js';
import { useServers, type TestServer } from './helpers/server.js';

const start = useServers();
const host = { sub: 'hana', role: 'host' } as const;

const product = (i: number): Product => ({
  id: `p${i}`,
  title: `Product ${i}`,
  price: { amountMinor: 1000 + i, currency: 'EUR' },
  imageUrl: `https://cdn.example.com/p${i}.jpg`,
  sku: `SKU-${i}`,
});

async function api(
  server: TestServer,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('products', () => {
  it('hosts list, change, pin (at most three) and remove products; viewers see each change and the snapshot', async () => {
    const server = await start();
    const hostClient = await server.client(host);
    await hostClient.createStream('show', { title: 'Show' });
    const h = await hostClient.join('show');
    const viewer = await (await server.client({ sub: 'vera' })).join('show');
    const updated = nextEvent<ServerPayload<'product:updated'>>(viewer, 'product:updated');
    await h.products.upsert(product(1));
    expect((await updated).product).toEqual(product(1));
    for (const i of [2, 3, 4]) await h.products.upsert(product(i));
    const changed = { ...product(2), price: { amountMinor: 999, currency: 'EUR' } };
    await h.products.upsert(changed);
    const pinned = nextEvent<ServerPayload<'product:pinned'>>(viewer, 'product:pinned');
    await h.products.pin('p2');
    expect(await pinned).toMatchObject({ productId: 'p2' });
    await h.products.pin('p3');
    await h.products.pin('p1');
    await expect(h.products.pin('p4')).rejects.toMatchObject({ code: 'PIN_LIMIT' });
    await expect(h.products.pin('nope')).rejects.toMatchObject({
      code: 'PRODUCT_NOT_FOUND',
    });
    await expect(viewer.products.upsert(product(9))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const removed = nextEvent<ServerPayload<'product:removed'>>(viewer, 'product:removed');
    await h.products.remove('p3');
    expect(await removed).toMatchObject({ productId: 'p3' });

    const late = await server.client({ sub: 'late' });
    const snapshot = (await late.join('show')).state;
    expect(snapshot.products).toEqual([product(1), changed, product(4)]);
    expect(snapshot.pinnedProducts).toEqual(['p2', 'p1']);
    // the viewer's kept state followed every change, by the same fold
    expect(viewer.state.products).toEqual(snapshot.products);
    expect(viewer.state.pinnedProducts).toEqual(snapshot.pinnedProducts);
  });

  it('the merchant backend manages products over HTTP with a host token; others are refused', async () => {
    const server = await start();
    const h = await server.client(host);
    await h.createStream('show', { title: 'Show' });
    const viewer = await (await server.client({ sub: 'vera' })).join('show');
    const backend = await server.token({ sub: 'merchant-backend', role: 'admin' });
    const { id: _, ...fields } = product(7);

    const updated = nextEvent<ServerPayload<'product:updated'>>(viewer, 'product:updated');
    const put = await api(server, 'PUT', '/v1/rooms/show/products/p7', backend, fields);
    expect(put).toMatchObject({ status: 200, body: { ok: true, seq: expect.any(Number) } });
    expect((await updated).product).toEqual(product(7));
    expect(await api(server, 'PUT', '/v1/rooms/show/pinned-products/p7', backend)).toMatchObject({
      status: 200,
    });
    expect(await api(server, 'GET', '/v1/rooms/show/products', backend)).toEqual({
      status: 200,
      body: { ok: true, products: [product(7)], pinned: ['p7'] },
    });

    // refusals, each with its code and status
    const viewerToken = await server.token({ sub: 'vera' });
    const refusals: [string, string, string | null, unknown, number, string][] = [
      ['PUT', '/v1/rooms/show/products/p8', null, fields, 401, 'UNAUTHENTICATED'],
      ['PUT', '/v1/rooms/show/products/p8', 'not-a-jwt', fields, 401, 'UNAUTHENTICATED'],
      ['PUT', '/v1/rooms/show/products/p8', viewerToken, fields, 403, 'FORBIDDEN'],
      ['PUT', '/v1/rooms/show/products/p8', backend, { ...fields, price: 5 }, 400, 'BAD_REQUEST'],
      ['PUT', '/v1/rooms/show/products/p8', backend, '{"title":', 400, 'BAD_REQUEST'],
      [
        'PUT',
        '/v1/rooms/show/products/p8',
        backend,
        JSON.stringify({ ...fields, title: 'x'.repeat(20_000) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      ['PUT', '/v1/rooms/nope/products/p8', backend, fields, 404, 'ROOM_NOT_FOUND'],
      ['PUT', '/v1/rooms/show/pinned-products/p8', backend, undefined, 404, 'PRODUCT_NOT_FOUND'],
      ['GET', '/v1/merchant/events', viewerToken, undefined, 403, 'FORBIDDEN'],
      ['GET', '/v1/drops/nope/orders', backend, undefined, 404, 'DROP_NOT_FOUND'],
    ];
    for (const [method, path, token, body, status, code] of refusals)
      expect(await api(server, method, path, token, body), `${method} ${path}`).toMatchObject({
        status,
        body: { ok: false, error: { code } },
      });

    expect(await api(server, 'DELETE', '/v1/rooms/show/products/p7', backend)).toMatchObject({
      status: 200,
    });
    expect(await api(server, 'GET', '/v1/rooms/show/products', backend)).toMatchObject({
      body: { products: [], pinned: [] },
    });
  });
});
