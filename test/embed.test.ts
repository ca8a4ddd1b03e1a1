import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveShopClient } from '../client-sdk/src/index.js';
import { pageErrors, screen } from './helpers/app.js';
import { useBrowser } from './helpers/browser.js';
import { useServers, type TestServer } from './helpers/server.js';

/**
 * The embeddable player as another site uses it: the README's snippets, exactly as written, in a
 * plain HTML page served from another origin; and the sentences a person reads when a link or a
 * token is wrong.
 */
const browser = useBrowser();
const start = useServers();
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WAIT = { timeout: 30_000 };
const sites: Server[] = [];
afterEach(async () => {
  await Promise.all(sites.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** A README block between `<!-- name:start -->` and `<!-- name:end -->`. */
async function snippet(name: string): Promise<string> {
  const readme = await readFile(`${ROOT}README.md`, 'utf8');
  const block = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`html\\n([\\s\\S]*?)\`\`\``).exec(
    readme,
  );
  if (!block?.[1]) throw new Error(`README.md has no html block between the ${name} markers`);
  return block[1];
}

/** A plain page on an origin of its own (another port on loopback). */
async function site(body: string): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A shop</title>` +
        `<meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
        `<body><main><h1>A shop with a live show</h1>${body}</main></body></html>`,
    );
  });
  sites.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** A live room with two products (one pinned), run by a host over the SDK. */
async function liveRoom(server: TestServer, roomId: string): Promise<LiveShopClient> {
  const host = await server.client({ sub: 'host', name: 'Host', role: 'host' });
  await host.createStream(roomId, { title: 'Embedded show' });
  const room = await host.join(roomId);
  // pictures from the server itself: a test never reaches outside loopback
  const product = (id: string, title: string, amountMinor: number) => ({
    id,
    title,
    price: { amountMinor, currency: 'EUR' },
    imageUrl: `${server.url}/demo/products/${id}.svg`,
    sku: `SKU-${id}`,
  });
  await room.products.upsert(product('sneaker', 'Sneaker', 12_900));
  await room.products.upsert(product('bottle', 'Bottle', 2_400));
  await room.products.pin('sneaker');
  await room.stream.start();
  return host;
}

/** What the page's console says (the snippets log what their handlers got). */
function consoleLines(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (message) => lines.push(message.text()));
  return lines;
}

/** Waits until the console has said `line` `times` times. */
async function until(lines: string[], line: string, times = 1): Promise<void> {
  const deadline = Date.now() + WAIT.timeout;
  while (lines.filter((l) => l === line).length < times) {
    if (Date.now() > deadline) throw new Error(`no "${line}" in ${JSON.stringify(lines)}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('the embeddable player', () => {
  it('the README snippets on another site: the web component and the iframe, with their cart events', async () => {
    const server = await start();
    const host = await liveRoom(server, 'embedded');
    const token = await server.token({ sub: 'buyer', name: 'Buyer', lang: 'en' });
    const fill = (html: string) =>
      html
        .replaceAll('https://live.example.com', server.url)
        .replaceAll('ROOM_ID', 'embedded')
        .replaceAll('VIEWER_TOKEN', token);
    const url = await site(
      fill(await snippet('embed-snippet')) + fill(await snippet('iframe-snippet')),
    );
    const page = await browser.open(url, { viewport: { width: 1440, height: 900 } });
    const errors = pageErrors(page);
    const lines = consoleLines(page);

    // the element: the room, its products and chat, drawn in its shadow root
    const player = page.locator('liveshop-player');
    await player.getByText('Embedded show').waitFor(WAIT);
    await player.locator('.live-cards [data-product="sneaker"]').waitFor(WAIT);
    await player
      .locator('.live-cards [data-product="sneaker"]')
      .getByRole('button', { name: 'Add to cart' })
      .click();
    await until(lines, 'add to cart sneaker');
    // the whole catalog is a sheet in the player (a phone's layout)
    await player.getByRole('button', { name: /^Shop/ }).click();
    await player
      .locator('.catalog [data-product="bottle"]')
      .getByRole('button', { name: 'Details' })
      .click();
    await until(lines, 'product details bottle');
    await player.getByRole('button', { name: /^Close/ }).click();
    await player.getByPlaceholder('Say something…').fill('Hello from the embed');
    await player.getByRole('button', { name: 'Send', exact: true }).click();
    await player.locator('.chat-list').getByText('Hello from the embed').waitFor(WAIT);

    const room = host.room('embedded');
    if (!room) throw new Error('the host left');

    // the network drops: the player says so, and once back it has what was said meanwhile
    await page.context().setOffline(true);
    await player.getByText('Connection lost').waitFor(WAIT);
    await screen(page, 'embed-reconnecting');
    await room.chat.send('Said while you were away');
    await page.context().setOffline(false);
    await player.locator('.chat-list').getByText('Said while you were away').waitFor(WAIT);
    await player.getByText('Connection lost').waitFor({ state: 'detached', ...WAIT });
    expect(
      await page.evaluate(
        () => (window as { liveshop?: { reconnects?: number } }).liveshop?.reconnects,
      ),
    ).toBeGreaterThanOrEqual(1);

    // a drop bought in the player tells the page its order
    await room.drops.create({
      dropId: 'embed-drop',
      productId: 'sneaker',
      quantity: 5,
      durationSeconds: 600,
    });
    await player.getByRole('button', { name: 'Claim', exact: true }).click(WAIT);
    await player.getByRole('button', { name: 'Check out', exact: true }).click(WAIT);
    await player.getByText('Order confirmed').waitFor(WAIT);
    const checkout = lines.find((l) => l.startsWith('checkout '));
    expect(checkout).toMatch(/^checkout \S+/);

    // the iframe: its cart events arrive as messages from the server's origin
    const frame = page.frameLocator('iframe');
    await frame.getByText('Embedded show').waitFor(WAIT);
    await frame
      .locator('.live-cards [data-product="sneaker"]')
      .getByRole('button', { name: 'Add to cart' })
      .click();
    await until(lines, 'add to cart sneaker', 2);

    // no video worker here: the player says so in words and keeps chat and shopping
    await player.getByText('The video is not available right now').waitFor(WAIT);
    await screen(page, 'embed-site');
    expect(errors).toEqual([]);
  }, 120_000);
});

describe('errors a person understands', () => {
  it('a room that does not exist, a malformed link and a bad token each read as a sentence, in the viewer’s language', async () => {
    const server = await start();
    const token = await server.token({ sub: 'v', name: 'V', lang: 'zh-CN' });
    const cases: [string, string, string][] = [
      ['no-room', `/watch?room=no-such-room#token=${token}`, '该直播不存在'],
      ['bad-link', '/watch?room=not%20a%20room%7B%7D&lang=en', 'This show does not exist'],
      ['bad-token', '/watch?room=anything&lang=en#token=not.a.token', 'We could not sign you in'],
    ];
    for (const [name, path, sentence] of cases) {
      const page = await browser.open(`${server.url}${path}`, {
        viewport: { width: 390, height: 844 },
      });
      const errors = pageErrors(page);
      await page.getByRole('alert').getByText(sentence).waitFor(WAIT);
      const text = await page.locator('body').innerText();
      expect(text).not.toMatch(/within \d+ ms|BAD_REQUEST|UNAUTHENTICATED|ROOM_NOT_FOUND|"code"/);
      await screen(page, `error-${name}`);
      expect(errors).toEqual([]);
    }
  }, 90_000);
});
