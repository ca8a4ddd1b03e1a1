import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildBrowser } from '../../client-sdk/build/bundle.js';

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const FLAGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // it gathers no loopback candidates otherwise; our server listens on 127.0.0.1
  '--allow-loopback-in-peer-connection',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // tests run as root in CI, where Chromium's sandbox cannot start
  '--no-sandbox',
];

/** Video figures a watch page reports (`viewing.videoStats()`). */
export interface PageVideo {
  framesDecoded: number;
  frameWidth: number | null;
  consumers: string[];
}

/**
 * Headless Chromium for a test file: launched before its tests (after building the browser SDK
 * the pages load), closed after. Each page gets a context of its own, like a separate user.
 */
export function useBrowser(): {
  open(url: string, options?: { viewport?: { width: number; height: number } }): Promise<Page>;
} {
  let browser: Browser | undefined;
  const pages: Page[] = [];
  beforeAll(async () => {
    await buildBrowser();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async open(url, options = {}) {
      if (!browser) throw new Error('the browser is not running');
      const context = await browser.newContext(
        options.viewport ? { viewport: options.viewport } : {},
      );
      const page = await context.newPage();
      pages.push(page);
      await page.goto(url);
      return page;
    },
  };
}

/**
 * Waits until the page's status is `want` (failing at once if the page reports a failure). The
 * deadline is only there to fail with a clear message instead of hanging.
 */
export async function pageStatus(page: Page, want: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, error } = await page.evaluate(() => {
      const state = (window as unknown as { liveshop?: { status: string; error: string | null } })
        .liveshop;
      return { status: state?.status ?? 'loading', error: state?.error ?? null };
    });
    if (status === want) return;
    if (status.startsWith('failed')) throw new Error(`page failed: ${error ?? status}`);
    if (Date.now() > deadline)
      throw new Error(
        `page status still "${status}" after ${timeoutMs} ms (${error ?? 'no error'})`,
      );
    await page.waitForTimeout(100);
  }
}

/** The decoded-frame count of a watch page, from WebRTC's getStats(). */
export function videoOf(page: Page): Promise<PageVideo> {
  return page.evaluate(async () => {
    const viewing = (
      window as unknown as {
        liveshop: {
          viewing: { videoStats(): Promise<PageVideo> };
        };
      }
    ).liveshop.viewing;
    const stats = await viewing.videoStats();
    return {
      framesDecoded: stats.framesDecoded,
      frameWidth: stats.frameWidth,
      consumers: stats.consumers,
    };
  });
}

/**
 * Waits until a watch page's decoded frames grow, by at least `frames`, on consumers `accept`ed.
 * Fails after `timeoutMs`, a deadline for a clear message (speed is for `npm run bench:media`).
 */
export async function framesGrow(
  page: Page,
  options: { frames?: number; timeoutMs?: number; accept?: (ids: string[]) => boolean } = {},
): Promise<void> {
  const { frames = 10, timeoutMs = 30_000, accept = () => true } = options;
  const started = Date.now();
  let first: PageVideo | undefined;
  for (;;) {
    const now = await videoOf(page);
    const fresh = now.consumers.length > 0 && accept(now.consumers);
    if (
      fresh &&
      first &&
      sameConsumers(first, now) &&
      now.framesDecoded >= first.framesDecoded + frames
    )
      return;
    if (fresh && (!first || !sameConsumers(first, now))) first = now;
    if (Date.now() - started > timeoutMs)
      throw new Error(
        `decoded frames did not grow within ${timeoutMs} ms (last ${JSON.stringify(now)})`,
      );
    await page.waitForTimeout(100);
  }
}

function sameConsumers(a: PageVideo, b: PageVideo): boolean {
  return a.consumers.join() === b.consumers.join();
}
