import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

/**
 * Builds the browser bundles our own pages load (`dist/browser/liveshop-sdk.js` and
 * `liveshop-media.js`, sharing chunks), and measures the SDK's entry points as an app's bundler
 * would see them. Apps install the ESM build instead (`liveshop/sdk`, or the packed SDK).
 */

/** The project root (the folder with package.json), from the source or the compiled file. */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** The SDK's entry points, by bundle name. */
export const ENTRIES = {
  'liveshop-sdk': 'client-sdk/src/index.ts',
  'liveshop-media': 'client-sdk/src/media/index.ts',
} as const;

/** What an entry costs an app: minified and gzipped bytes, and the packages in it. */
export interface EntrySize {
  entry: keyof typeof ENTRIES;
  minified: number;
  gzip: number;
  /** Bytes in the output by package (`ours` for this project's files). */
  packages: Record<string, number>;
}

/** The size budget of the chat-and-drops entry, checked in CI (`test/bundle.test.ts`). */
export const SDK_BUDGET = { minified: 80 * 1024, gzip: 25 * 1024 };

const common = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  logLevel: 'silent',
} as const;

/**
 * Builds the pages' bundles into dist/browser, then removes what an earlier build left there (a
 * page being served meanwhile keeps working: files are overwritten, never missing).
 */
export async function buildBrowser(): Promise<void> {
  const outdir = join(ROOT, 'dist', 'browser');
  const { metafile } = await build({
    ...common,
    entryPoints: Object.fromEntries(
      Object.entries(ENTRIES).map(([name, path]) => [name, join(ROOT, path)]),
    ),
    splitting: true,
    sourcemap: true,
    outdir,
    chunkNames: 'chunk-[hash]',
    metafile: true,
  });
  const built = new Set(Object.keys(metafile.outputs).map((f) => join(ROOT, f)));
  for (const file of readdirSync(outdir))
    if (!built.has(join(outdir, file))) rmSync(join(outdir, file), { force: true });
}

/** Each entry bundled alone, everything it exports kept, as its cost to an app. */
export async function measureEntries(): Promise<EntrySize[]> {
  const sizes: EntrySize[] = [];
  for (const [entry, path] of Object.entries(ENTRIES) as [keyof typeof ENTRIES, string][])
    sizes.push(await measureFile(entry, join(ROOT, path)));
  return sizes;
}

/** One entry file's cost to an app, bundled in memory (also for an older checkout's SDK). */
export async function measureFile(entry: EntrySize['entry'], file: string): Promise<EntrySize> {
  const result = await build({
    ...common,
    entryPoints: [file],
    write: false,
    metafile: true,
    outfile: join(ROOT, 'dist', 'measure', `${entry}.js`),
  });
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'));
  if (!code) throw new Error(`no output for ${file}`);
  return {
    entry,
    minified: code.contents.byteLength,
    gzip: gzipSync(code.contents, { level: 9 }).byteLength,
    packages: packagesOf(result.metafile),
  };
}

/** Bytes in the output by package (`ours` for this project's files). */
function packagesOf(metafile: Metafile): Record<string, number> {
  const by: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs))
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const at = input.lastIndexOf('node_modules/');
      let name = 'ours';
      if (at >= 0) {
        const parts = input.slice(at + 'node_modules/'.length).split('/');
        name = (parts[0]?.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
      }
      by[name] = (by[name] ?? 0) + bytesInOutput;
    }
  return by;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  await buildBrowser();
  for (const size of await measureEntries())
    console.log(`${size.entry}: ${kb(size.minified)} minified, ${kb(size.gzip)} gzip`);
}
