import { describe, expect, it } from 'vitest';
import { VIEWER_PAGE_BUDGET, viewerPageFiles } from '../client-sdk/build/app.js';
import { measureEntries, SDK_BUDGET } from '../client-sdk/build/bundle.js';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

describe('SDK bundle budgets', () => {
  it('the chat-and-drops entry stays within 80 KB minified and 25 KB gzip, with no zod; media is its own entry', async () => {
    const sizes = await measureEntries();
    const sdk = sizes.find((s) => s.entry === 'liveshop-sdk');
    const media = sizes.find((s) => s.entry === 'liveshop-media');
    if (!sdk || !media) throw new Error('an entry was not measured');
    for (const size of sizes)
      console.log(`${size.entry}: ${kb(size.minified)} minified, ${kb(size.gzip)} gzip`);
    expect(sdk.minified).toBeLessThanOrEqual(SDK_BUDGET.minified);
    expect(sdk.gzip).toBeLessThanOrEqual(SDK_BUDGET.gzip);
    expect(Object.keys(sdk.packages)).not.toContain('zod');
    expect(Object.keys(sdk.packages)).not.toContain('mediasoup-client');
    expect(Object.keys(media.packages)).toContain('mediasoup-client');
    expect(Object.keys(media.packages)).not.toContain('zod');
  });

  it('the viewer page loads at most 150 KB of JavaScript gzipped, the media client included, and never the host console', () => {
    const files = viewerPageFiles();
    const total = files.reduce((n, f) => n + f.gzip, 0);
    for (const f of files) console.log(`viewer page: ${f.file} ${kb(f.bytes)}, ${kb(f.gzip)} gzip`);
    console.log(
      `viewer page JavaScript: ${kb(total)} gzip (budget ${kb(VIEWER_PAGE_BUDGET.gzip)})`,
    );
    expect(files.some((f) => f.file.includes('/media-'))).toBe(true);
    expect(files.some((f) => f.file.includes('/Console-'))).toBe(false);
    expect(total).toBeLessThanOrEqual(VIEWER_PAGE_BUDGET.gzip);
  });
});
