/**
 * `npm run bench:bundle -- [--baseline <git ref>]`: what the SDK costs an app's bundle. Each
 * entry point bundled alone (esbuild, minified ESM for browsers, everything it exports kept),
 * minified and gzip bytes and the packages inside; with `--baseline`, the SDK's single entry at
 * that commit measured the same way in the same run (from a temporary git worktree); then the
 * browser app's pages as `npm run build` left them in dist/app (run it first). Writes its section
 * of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  measureEntries,
  measureFile,
  ROOT,
  SDK_BUDGET,
  type EntrySize,
} from '../client-sdk/build/bundle.js';
import {
  consolePageFiles,
  playerElementFiles,
  VIEWER_PAGE_BUDGET,
  viewerPageFiles,
  type PageFile,
} from '../client-sdk/build/app.js';
import { machine, table, writeSection } from './lib/report.js';

const { values } = parseArgs({
  options: { baseline: { type: 'string' }, 'no-write': { type: 'boolean', default: false } },
});

/** The SDK's entry at another commit, as `measureEntries` measures today's. */
async function measureAt(ref: string): Promise<EntrySize & { ref: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'liveshop-baseline-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: ROOT, stdio: 'ignore' });
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const size = await measureFile('liveshop-sdk', join(dir, 'client-sdk', 'src', 'index.ts'));
    const short = execFileSync('git', ['rev-parse', '--short', ref], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return { ...size, ref: short.trim() };
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (bytes: number | undefined) => (bytes ? `${(bytes / 1024).toFixed(1)} KB` : '–');
const SOCKET_IO = ['socket.io-client', 'engine.io-client', 'engine.io-parser', 'socket.io-parser'];
const row = (label: string, s: EntrySize) => [
  label,
  kb(s.minified),
  kb(s.gzip),
  kb(s.packages.zod),
  kb(s.packages['mediasoup-client']),
  kb(SOCKET_IO.reduce((n, p) => n + (s.packages[p] ?? 0), 0)),
  kb(s.packages.ours),
];

const now = await measureEntries();
const before = values.baseline ? await measureAt(values.baseline) : undefined;
const rows = [
  ...(before
    ? [row(`before (\`liveshop/sdk\` at ${before.ref}: one entry, media included)`, before)]
    : []),
  ...now.map((s) =>
    row(
      s.entry === 'liveshop-sdk'
        ? '**`liveshop/sdk`** (chat, drops, rooms)'
        : '`liveshop/sdk/media` (video)',
      s,
    ),
  ),
];
const summary = table(
  [
    'entry',
    'minified',
    'gzip',
    'zod',
    'mediasoup-client',
    'socket.io-client and engine.io',
    'ours',
  ],
  rows,
);
const sdk = now.find((s) => s.entry === 'liveshop-sdk');
const verdict = sdk
  ? `- ${sdk.minified <= SDK_BUDGET.minified && sdk.gzip <= SDK_BUDGET.gzip ? '✅ met' : '❌ missed'}: \`liveshop/sdk\` ≤ 80 KB minified and ≤ 25 KB gzip (${kb(sdk.minified)}, ${kb(sdk.gzip)}; checked in CI by test/bundle.test.ts)`
  : '';
// the browser app as built (npm run build): what each page downloads
const total = (files: PageFile[]) =>
  files.reduce((t, f) => ({ bytes: t.bytes + f.bytes, gzip: t.gzip + f.gzip }), {
    bytes: 0,
    gzip: 0,
  });
const pages: [string, PageFile[]][] = [
  ['**viewer page** (`/watch`, `/embed`), the media client included', viewerPageFiles()],
  ['web component (`/liveshop-player.js`)', playerElementFiles()],
  ['host console (`/host`)', consolePageFiles()],
];
const pageTable = table(
  ['page', 'files', 'minified', 'gzip'],
  pages.map(([label, files]) => {
    const t = total(files);
    return [label, String(files.length), kb(t.bytes), kb(t.gzip)];
  }),
);
const viewer = total(viewerPageFiles());
const pageVerdict = `- ${viewer.gzip <= VIEWER_PAGE_BUDGET.gzip ? '✅ met' : '❌ missed'}: the viewer page's JavaScript ≤ 150 KB gzip, the media client included (${kb(viewer.gzip)}; checked in CI by test/bundle.test.ts)`;
const command = `npm run bench:bundle --${values.baseline ? ` --baseline ${values.baseline}` : ''}`;
const body = `## SDK bundle sizes

\`${command}\` on ${new Date().toISOString().slice(0, 10)}; ${machine()}.
Each entry point bundled alone by esbuild (minified ESM for browsers, es2020, every export kept: the most an app can pay; a bundler that drops unused exports ships less), gzip at level 9; package columns are the bytes each package puts in the output. Sizes are exact (bundling is deterministic), so one run.

${summary}

The browser app (\`npm run build\`: Vite, Preact, dist/app), the JavaScript each page downloads, gzip at level 9 file by file as served:

${pageTable}

Targets:

${verdict}
${pageVerdict}
`;
process.stdout.write(`${summary}\n${pageTable}\n${verdict}\n${pageVerdict}\n`);
if (!values['no-write']) writeSection(join(ROOT, 'BENCHMARKS.md'), 'bundle-sizes', body);
