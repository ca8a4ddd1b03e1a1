import { describe, expect, it } from 'vitest';
import type { LiveShopClient } from '../client-sdk/src/index.js';
import { pageErrors, screen } from './helpers/app.js';
import { useBrowser } from './helpers/browser.js';
import { useServers, type TestServer } from './helpers/server.js';

/**
 * Auctions, lotteries, giveaways and the waiting room as people use them: the host from the
 * console, two viewers (one in English on a laptop, one in Chinese on a phone) in Chromium.
 */
const browser = useBrowser();
const start = useServers();
const WAIT = { timeout: 45_000 };
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1440, height: 900 };

async function liveRoom(server: TestServer, roomId: string): Promise<LiveShopClient> {
  const host = await server.client({ sub: 'host', name: 'Host', rooms: { [roomId]: 'host' } });
  await host.createStream(roomId, { title: 'Market day' });
  const room = await host.join(roomId);
  await room.products.upsert({
    id: 'lamp',
    title: 'Desk lamp',
    price: { amountMinor: 4_500, currency: 'EUR' },
    imageUrl: `${server.url}/demo/products/bottle.svg`,
    sku: 'LAMP-1',
  });
  await room.stream.start();
  return host;
}

async function page(server: TestServer, path: string, viewport: typeof PHONE) {
  const p = await browser.open(`${server.url}${path}`, { viewport });
  return { page: p, errors: pageErrors(p) };
}

describe('auctions, lotteries and giveaways in the browser', () => {
  it('an auction with a bid and a max bid, a lottery drawn and verified, a giveaway drawn, claimed and verified', async () => {
    const server = await start();
    await liveRoom(server, 'market');
    const tokens = {
      host: await server.token({ sub: 'host', name: 'Host', rooms: { market: 'host' } }),
      en: await server.token({ sub: 'ann', name: 'Ann', lang: 'en' }),
      zh: await server.token({ sub: 'li', name: '李雷', lang: 'zh-CN' }),
    };
    const host = await page(server, `/host?room=market#token=${tokens.host}`, LAPTOP);
    const ann = await page(server, `/watch?room=market#token=${tokens.en}`, LAPTOP);
    const li = await page(server, `/watch?room=market#token=${tokens.zh}`, PHONE);
    const console = host.page;
    await console.getByRole('tab', { name: 'New auction' }).waitFor(WAIT);

    // an auction from the console, started at once
    await console.getByRole('tab', { name: 'New auction' }).click();
    await console.getByLabel('Starting price (EUR)').fill('10');
    await console.getByLabel('Runs for (seconds)').fill('8');
    await console.getByRole('button', { name: 'Create', exact: true }).click();
    const annCard = ann.page.locator('[data-auction]');
    const liCard = li.page.locator('[data-auction]');
    await annCard.getByText('Starting bid').waitFor(WAIT);
    await annCard.getByRole('button', { name: 'Bid €10.00' }).click();
    await annCard.locator('.meta').getByText('You are leading').waitFor(WAIT);
    await liCard.getByText('领先：Ann').waitFor(WAIT);
    await screen(li.page, 'viewer-auction-zh');
    // a secret maximum: the server bids for Li one step at a time, Ann hears she was outbid
    await liCard.getByRole('spinbutton').fill('50');
    await liCard.getByRole('button', { name: '设置最高出价' }).click();
    await liCard.getByText('你目前领先').first().waitFor(WAIT);
    await annCard.getByText('You were outbid').waitFor(WAIT);
    await screen(ann.page, 'viewer-auction-outbid');
    // it ends (the counter-bid window moved its end): Li won and checks out at the price
    await liCard.getByText('你拍到了').waitFor(WAIT);
    await annCard.getByText('Sold for €11.00 to 李雷').waitFor(WAIT);
    await liCard.getByRole('button', { name: '去结账' }).click();
    await liCard.getByText('订单已确认').waitFor(WAIT);

    // a lottery drop of one unit: both enter, one wins, both verify the draw on their device
    await console.getByRole('tab', { name: 'Lottery' }).click();
    await console.getByLabel('Quantity').fill('1');
    await console.getByLabel('Starts in (seconds)').fill('0');
    await console.getByLabel('Runs for (seconds)').fill('6');
    await console.getByRole('button', { name: 'Create', exact: true }).click();
    const annDrop = ann.page.locator('[data-drop]');
    const liDrop = li.page.locator('[data-drop]');
    await annDrop.getByRole('button', { name: 'Enter the lottery' }).click(WAIT);
    await liDrop.getByRole('button', { name: '参与抽签' }).click(WAIT);
    await annDrop.getByText('You are in the lottery').waitFor(WAIT);
    await liDrop.getByText('你已参与抽签').waitFor(WAIT);
    await screen(ann.page, 'viewer-lottery-entered');
    await annDrop.getByText('Draw verified').waitFor(WAIT);
    await liDrop.getByText('开奖已验证').waitFor(WAIT);
    const annWon = await annDrop.getByText('You won!').isVisible();
    const liWon = await liDrop.getByText('恭喜中签').isVisible();
    expect([annWon, liWon].filter(Boolean)).toHaveLength(1);
    expect(
      await (annWon ? liDrop.getByText('很遗憾') : annDrop.getByText('Not this time')).isVisible(),
    ).toBe(true);
    await screen(ann.page, 'viewer-lottery-drawn');

    // a giveaway: both enter, the host draws now, the winner claims, both verify
    await console.getByRole('tab', { name: 'New giveaway' }).click();
    await console.getByLabel('Runs for (seconds)').fill('120');
    await console.getByRole('button', { name: 'Create', exact: true }).click();
    const annGive = ann.page.locator('[data-giveaway]');
    const liGive = li.page.locator('[data-giveaway]');
    await annGive.getByRole('button', { name: 'Enter the giveaway' }).click(WAIT);
    await liGive.getByRole('button', { name: '参与抽奖' }).click(WAIT);
    await annGive.getByText('You are entered').waitFor(WAIT);
    await liGive.getByText('你已参与').waitFor(WAIT);
    await console.getByText('2 entered').waitFor(WAIT);
    await screen(console, 'host-console-commerce');
    await console.getByRole('button', { name: 'Draw now' }).click();
    await annGive.getByText('Winners drawn').waitFor(WAIT);
    await liGive.getByText('已开奖').waitFor(WAIT);
    const winner = (await annGive.getByRole('button', { name: 'Claim the prize' }).isVisible())
      ? { card: annGive, claim: 'Claim the prize', done: 'Order confirmed' }
      : { card: liGive, claim: '领取奖品', done: '订单已确认' };
    await winner.card.getByRole('button', { name: winner.claim }).click();
    await winner.card.getByText(winner.done).waitFor(WAIT);
    await annGive.getByRole('button', { name: 'Verify the draw' }).click();
    await annGive.getByText('Draw verified').waitFor(WAIT);
    await liGive.getByRole('button', { name: '验证开奖' }).click();
    await liGive.getByText('开奖已验证').waitFor(WAIT);
    await screen(li.page, 'viewer-giveaway-zh');
    expect([...host.errors, ...ann.errors, ...li.errors]).toEqual([]);
  }, 240_000);

  it("a drop's claim in the states a buyer meets: sold out, not eligible yet, rate limited", async () => {
    // one claim per buyer per 100 s: the second try is refused
    const server = await start({ CLAIM_RATE_BURST: '1', CLAIM_RATE_PER_SECOND: '0.01' });
    const host = await liveRoom(server, 'states');
    const room = host.room('states');
    if (!room) throw new Error('the host left');
    const drop = (dropId: string, over: { quantity?: number; minPresenceSeconds?: number } = {}) =>
      room.drops.create({
        dropId,
        productId: 'lamp',
        quantity: 10,
        perBuyerCap: 5,
        durationSeconds: 600,
        holdSeconds: 120,
        ...over,
      });
    await drop('states-gone', { quantity: 1 });
    await drop('states-wait', { minPresenceSeconds: 600 });
    await drop('states-busy');
    // the only unit is someone else's already
    const early = await server.client({ sub: 'early', name: 'Early' });
    expect(await (await early.join('states')).drops.claim('states-gone')).toMatchObject({
      outcome: 'held',
    });
    const token = await server.token({ sub: 'ann', name: 'Ann', lang: 'en' });
    const ann = await page(server, `/watch?room=states#token=${token}`, PHONE);
    const card = (id: string) => ann.page.locator(`[data-drop="${id}"]`);
    await card('states-gone').getByRole('button', { name: 'Sold out' }).waitFor(WAIT);
    expect(await card('states-gone').getByRole('button', { name: 'Sold out' }).isDisabled()).toBe(
      true,
    );
    await card('states-gone').scrollIntoViewIfNeeded();
    await screen(ann.page, 'viewer-drop-sold-out');
    // a drop for those who have watched ten minutes: when this buyer may claim
    await card('states-wait').getByRole('button', { name: 'Claim' }).click();
    await card('states-wait').getByText('You can claim from').waitFor(WAIT);
    await card('states-wait').scrollIntoViewIfNeeded();
    await screen(ann.page, 'viewer-drop-not-eligible');
    // a claim, given back, and claimed again at once: too many tries, and when to try again
    await card('states-busy').getByRole('button', { name: 'Claim' }).click();
    await card('states-busy').getByRole('button', { name: 'Give it back' }).click();
    await card('states-busy').getByRole('button', { name: 'Claim' }).click();
    await card('states-busy').getByText('Too many tries. Try again').waitFor(WAIT);
    await card('states-busy').scrollIntoViewIfNeeded();
    await screen(ann.page, 'viewer-drop-rate-limited');
    expect(ann.errors).toEqual([]);
  }, 120_000);

  it('"see as": the console previews the chat as another audience sees it; a viewer cannot', async () => {
    // China's audience does not see spoilers; everyone else sees "darn" masked
    const server = await start(
      {},
      {
        moderationPolicy: {
          version: 'see-as-1',
          defaultGroup: 'global',
          groups: [
            {
              id: 'cn',
              match: { regions: ['CN'] },
              rules: [{ id: 'spoilers', kind: 'terms', terms: ['spoiler'], action: 'hide' }],
            },
            {
              id: 'global',
              rules: [{ id: 'mild', kind: 'terms', lang: 'en', terms: ['darn'], action: 'mask' }],
            },
          ],
        },
      },
    );
    await liveRoom(server, 'preview');
    const writer = await server.client({ sub: 'sam', name: 'Sam', region: 'US', lang: 'en' });
    const chat = (await writer.join('preview')).chat;
    await chat.send('the ending spoiler is here');
    await chat.send('what a darn good lamp');
    const token = await server.token({ sub: 'host', name: 'Host', rooms: { preview: 'host' } });
    const host = await page(server, `/host?room=preview#token=${token}`, LAPTOP);
    const console = host.page;
    await console
      .getByRole('button', { name: 'See the room as a viewer in CN (zh-CN)' })
      .click({ timeout: WAIT.timeout });
    const frame = console.frameLocator('iframe.see-as-frame');
    await frame.getByText('预览：CN（zh-CN）观众看到的直播间').waitFor(WAIT);
    await frame.locator('.chat-list').getByText('what a darn good lamp').waitFor(WAIT);
    expect(await frame.locator('.chat-list').getByText('spoiler').count()).toBe(0);
    await console.locator('iframe.see-as-frame').scrollIntoViewIfNeeded();
    await screen(console, 'host-console-see-as-zh');
    // any other audience, typed in: the global one's mask, and the spoiler
    await console.getByLabel('Region (e.g. CN)').fill('us');
    await console.getByLabel('Language (e.g. zh-CN)').fill('en');
    await console.getByRole('button', { name: 'See', exact: true }).click();
    await frame.getByText('Preview: the room as viewers in US (en) see it').waitFor(WAIT);
    await frame.locator('.chat-list').getByText('what a ＊＊＊＊ good lamp').waitFor(WAIT);
    await frame.locator('.chat-list').getByText('the ending spoiler is here').waitFor(WAIT);
    // a viewer's own link cannot pick another audience: told so in their language
    const viewer = await server.token({ sub: 'ann', name: 'Ann', region: 'US', lang: 'en' });
    const peek = await page(server, `/watch?room=preview&seeAs=CN:zh#token=${viewer}`, PHONE);
    await peek.page.getByText('You are not allowed to do that here.').waitFor(WAIT);
    expect([...host.errors, ...peek.errors]).toEqual([]);
  }, 120_000);

  it('a full room: the waiting room shows the place in line and lets the viewer in when a seat frees', async () => {
    const server = await start();
    const host = await liveRoom(server, 'packed');
    const room = host.room('packed');
    if (!room) throw new Error('the host left');
    await room.request('room:admission', { roomId: 'packed', capacity: 2, admitPerSecond: 10 });
    const first = await page(
      server,
      `/watch?room=packed#token=${await server.token({ sub: 'first', name: 'First' })}`,
      LAPTOP,
    );
    await first.page.locator('[data-state="live"]').waitFor(WAIT);
    const next = await page(
      server,
      `/watch?room=packed#token=${await server.token({ sub: 'next', name: 'Next', lang: 'zh-CN' })}`,
      PHONE,
    );
    await next.page.getByText('直播间已满').waitFor(WAIT);
    await next.page.getByText('你排在第1位').waitFor(WAIT);
    await screen(next.page, 'viewer-waiting-room-zh');
    // the first viewer leaves: the one in line is let in by itself
    await first.page.close();
    await next.page.locator('[data-state="live"]').waitFor(WAIT);
    expect([...first.errors, ...next.errors]).toEqual([]);
  }, 120_000);
});
