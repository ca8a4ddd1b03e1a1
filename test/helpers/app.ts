import { readFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT } from '../../client-sdk/build/bundle.js';

/** Where the browser tests put their screenshots (named in the README; not committed). */
export const SCREENSHOTS = join(ROOT, '.tmp', 'screenshots');

/** The two sizes every screen is shot at: a phone and a laptop. */
export const SIZES = [
  { width: 390, height: 844 },
  { width: 1440, height: 900 },
] as const;

/**
 * Screenshots of a page as it stands, at both sizes (`<name>-390x844.png`, `<name>-1440x900.png`),
 * then back to the size it had.
 */
export async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize();
  for (const { width, height } of SIZES) {
    await page.setViewportSize({ width, height });
    // two frames: the layout settles at the new size before the picture
    await page.evaluate(
      () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
    );
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}x${height}.png`) });
  }
  if (size) await page.setViewportSize(size);
}

let axeSource: Promise<string> | undefined;

/** One accessibility problem axe-core found. */
export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * The serious and critical accessibility violations axe-core finds on the page as it stands
 * (open shadow roots included), at both sizes.
 */
export async function axeViolations(page: Page): Promise<Violation[]> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const source = await axeSource;
  const size = page.viewportSize();
  const found: Violation[] = [];
  for (const viewport of SIZES) {
    await page.setViewportSize(viewport);
    const has = await page.evaluate(() => 'axe' in window);
    if (!has) await page.addScriptTag({ content: source });
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: {
            run(
              context: Document,
              options: object,
            ): Promise<{
              violations: {
                id: string;
                impact: string | null;
                help: string;
                nodes: { target: unknown[] }[];
              }[];
            }>;
          };
        }
      ).axe;
      const result = await axe.run(document, { resultTypes: ['violations'] });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)),
      }));
    });
    for (const v of violations)
      if ((v.impact === 'serious' || v.impact === 'critical') && !found.some((f) => f.id === v.id))
        found.push(v);
  }
  if (size) await page.setViewportSize(size);
  return found;
}

/** Fails, naming the screen and every violation, when axe-core finds a serious or critical one. */
export async function noViolations(page: Page, screen: string): Promise<void> {
  const found = await axeViolations(page);
  expect(found, `${screen}: ${JSON.stringify(found, null, 1)}`).toEqual([]);
}

/**
 * A screen as a person sees it: axe-core finds nothing serious or critical on it, at both sizes,
 * and its screenshots are written (`shoot`). Every screen the browser tests show goes through here.
 */
export async function screen(page: Page, name: string): Promise<void> {
  await noViolations(page, name);
  await shoot(page, name);
}

/** Every uncaught error a page throws, to check at the end of a test. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  return errors;
}
