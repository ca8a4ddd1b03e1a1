import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { VIEWER_PAGE_BUDGET } from '../client-sdk/build/app.js';
import { pageErrors, screen } from './helpers/app.js';
import { framesGrow, useBrowser } from './helpers/browser.js';
import { useServers } from './helpers/server.js';

/**
 * A whole show as people see it, in Debian's headless Chromium with a fake camera: the front
 * door's demo, the host console, three viewers (two in English, one in Chinese, one on a phone),
 * every screen checked by axe-core and shot at a phone's and a laptop's size.
 */
const browser = useBrowser();
const start = useServers();

const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1440, height: 900 };
/** Only there to fail with a clear message instead of hanging (CI is a busy 2-core machine). */
const WAIT = { timeout: 45_000 };

interface Viewer {
  name: string;
  page: Page;
  errors: string[];
  /** JavaScript the page loaded, gzipped. */
  js: Map<string, number>;
}

describe('a show in the browser', () => {
  it('a demo show from the front door: go live, pin, drop, chat, react, claim, check out, approve a held message, report one, end', async () => {
    const server = await start({ MEDIA_ENABLED: 'true', DEMO_SHOWS: 'on' });

    // the front door
    const front = await browser.open(`${server.url}/`, { viewport: LAPTOP });
    const frontErrors = pageErrors(front);
    const startButton = front.getByRole('button', { name: 'Start a demo show' });
    await startButton.waitFor(WAIT);
    await screen(front, 'front-door');
    await startButton.click();
    const consoleLink = front.getByRole('link', { name: 'Open the host console' });
    await consoleLink.waitFor(WAIT);
    await expect(front.getByText('Development only').first().isVisible()).resolves.toBe(true);
    await screen(front, 'front-door-demo');
    const hostUrl = await consoleLink.getAttribute('href');
    const viewerUrls = await front
      .getByRole('list')
      .getByRole('link')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    expect(viewerUrls).toHaveLength(3);
    const [enUrl = '', en2Url = '', zhUrl = ''] = viewerUrls;

    // the viewers come early: the show is scheduled, with its countdown
    const viewer = async (name: string, url: string, viewport: typeof PHONE): Promise<Viewer> => {
      const js = new Map<string, number>();
      const page = await browser.open('about:blank', { viewport });
      page.on('response', (response) => {
        if (!response.url().endsWith('.js')) return;
        void response.body().then(
          (body) => js.set(response.url(), gzipSync(body, { level: 9 }).byteLength),
          () => undefined,
        );
      });
      const errors = pageErrors(page);
      await page.goto(`${server.url}${url}`);
      return { name, page, errors, js };
    };
    const desk = await viewer('desk', enUrl, LAPTOP);
    const phone = await viewer('phone', en2Url, PHONE);
    const zh = await viewer('zh', zhUrl, LAPTOP);
    const viewers = [desk, phone, zh];
    await desk.page.getByText('Starts in').waitFor(WAIT);
    await zh.page.getByText('后开始').waitFor(WAIT);
    await screen(desk.page, 'viewer-scheduled');
    await screen(zh.page, 'viewer-scheduled-zh');

    // the host goes live with the fake camera
    const host = await browser.open(`${server.url}${hostUrl}`, { viewport: LAPTOP });
    const hostErrors = pageErrors(host);
    const goLive = host.getByRole('button', { name: 'Go live' });
    await goLive.waitFor(WAIT);
    await screen(host, 'host-console-ready');
    await goLive.click();
    await host.getByText('You are live').waitFor(WAIT);
    for (const v of viewers) {
      await v.page.locator('[data-state="live"]').waitFor(WAIT);
      await framesGrow(v.page, { timeoutMs: WAIT.timeout });
    }

    // a pin shows on every viewer
    await host.getByRole('button', { name: 'Pin: Cloud runner sneakers' }).click();
    await desk.page.locator('.live-cards [data-product="sneaker"]').waitFor(WAIT);
    await zh.page.locator('.live-cards').getByText('主推').waitFor(WAIT);

    // chat among the viewers, in both languages
    const say = async (v: Viewer, text: string, placeholder: string, send: string) => {
      await v.page.getByPlaceholder(placeholder).fill(text);
      await v.page.getByRole('button', { name: send, exact: true }).click();
    };
    await say(desk, 'Hello from the desk!', 'Say something…', 'Send');
    await say(phone, 'Hi from my phone', 'Say something…', 'Send');
    await say(zh, '大家好', '说点什么…', '发送');
    for (const v of viewers)
      for (const text of ['Hello from the desk!', 'Hi from my phone', '大家好'])
        await v.page.locator('.chat-list').getByText(text).waitFor(WAIT);

    // a reaction floats up on the others' screens
    await phone.page.getByRole('button', { name: 'Send a heart' }).click();
    await desk.page
      .locator('.bubble')
      .first()
      .waitFor({ state: 'attached', ...WAIT });

    // a link from the Chinese audience is held for review (the example policy): its author sees
    // it waiting, the others see nothing until a moderator approves it from the console
    const link = '看这个 https://youtube.com/watch?v=demo';
    await say(zh, link, '说点什么…', '发送');
    await zh.page.locator('.msg.held').getByText('等待管理员审核').waitFor(WAIT);
    await screen(zh.page, 'viewer-held-message-zh');
    const held = host.locator('.queue li').filter({ hasText: 'youtube.com' });
    await held.waitFor(WAIT);
    await screen(host, 'host-console-review');
    await held.getByRole('button', { name: 'Approve' }).click();
    await desk.page.locator('.chat-list').getByText(link).waitFor(WAIT);
    await phone.page.locator('.chat-list').getByText(link).waitFor(WAIT);
    await zh.page.locator('.msg.held').waitFor({ state: 'detached', ...WAIT });
    await zh.page.locator('.chat-list .msg:not(.held)').getByText(link).waitFor(WAIT);

    // a viewer reports another's message: it reaches the console's reports, which dismisses it
    const line = phone.page.locator('.chat-list .msg').filter({ hasText: 'Hello from the desk!' });
    await line.getByRole('button', { name: /^Report the message from / }).click();
    await screen(phone.page, 'viewer-report');
    await line.getByRole('button', { name: 'Spam' }).click();
    await line.getByText('Reported').waitFor(WAIT);
    const reported = host.locator('[data-reported]').filter({ hasText: 'Hello from the desk!' });
    await reported.getByText('1 report · Spam').waitFor(WAIT);
    await screen(host, 'host-console-reports');
    await reported.getByRole('button', { name: 'Dismiss' }).click();
    await reported.waitFor({ state: 'detached', ...WAIT });
    await host.getByText('No reported messages.').waitFor(WAIT);

    // a drop from the console: a countdown on every viewer, then a claim each, one checkout
    await host.getByLabel('Quantity').fill('10');
    await host.getByLabel('Starts in (seconds)').fill('6');
    await host.getByRole('button', { name: 'Create', exact: true }).click();
    await host.getByText('Created').waitFor(WAIT);
    await phone.page.getByText('Drop starts in').waitFor(WAIT);
    await zh.page.getByText('后开抢').waitFor(WAIT);
    await screen(phone.page, 'viewer-drop-countdown');
    await screen(zh.page, 'viewer-drop-countdown-zh');
    const claims: [Viewer, string][] = [
      [desk, 'Claim'],
      [phone, 'Claim'],
      [zh, '立即抢'],
    ];
    for (const [v, label] of claims)
      await v.page.getByRole('button', { name: label, exact: true }).click(WAIT);
    await desk.page.getByText('Held for you').waitFor(WAIT);
    await phone.page.getByText('Held for you').waitFor(WAIT);
    await zh.page.getByText('已为你保留').waitFor(WAIT);
    await screen(phone.page, 'viewer-held');
    await phone.page.getByRole('button', { name: 'Check out', exact: true }).click();
    await phone.page.getByText('Order confirmed').waitFor(WAIT);
    await screen(phone.page, 'viewer-ordered');
    await desk.page.getByText('7 of 10 left').waitFor(WAIT);
    await screen(host, 'host-console-live');
    await screen(desk.page, 'viewer-live');

    // the host ends the stream: every viewer gets the ending screen
    await host.getByRole('button', { name: 'End the stream' }).click();
    await host.getByRole('alertdialog').getByRole('button', { name: 'End the stream' }).click();
    for (const v of viewers) await v.page.locator('[data-screen="ended"]').waitFor(WAIT);
    await expect(desk.page.getByText('This show has ended').isVisible()).resolves.toBe(true);
    await expect(zh.page.getByText('本场直播已结束').isVisible()).resolves.toBe(true);
    await screen(phone.page, 'viewer-ended');
    await screen(zh.page, 'viewer-ended-zh');
    await screen(host, 'host-console-ended');

    // what a viewer's browser downloaded: within the budget, the media client included, and never
    // the host console's chunk
    const files = [...desk.js.entries()];
    const total = files.reduce((n, [, gzip]) => n + gzip, 0);
    console.log(
      `viewer page JavaScript: ${(total / 1024).toFixed(1)} KB gzip in ${files.length} files`,
    );
    expect(files.some(([url]) => /\/media-[\w-]+\.js$/.test(url))).toBe(true);
    expect(files.some(([url]) => /\/Console-[\w-]+\.js$/.test(url))).toBe(false);
    expect(total).toBeLessThanOrEqual(VIEWER_PAGE_BUDGET.gzip);
    expect([...frontErrors, ...hostErrors, ...viewers.flatMap((v) => v.errors)]).toEqual([]);
  }, 240_000);
});
