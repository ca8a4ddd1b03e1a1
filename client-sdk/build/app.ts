import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './bundle.js';

/**
 * What the browser app costs its viewers, read from the build (`npm run build` puts the app in
 * dist/app with Vite's manifest): the JavaScript the viewer page loads, gzipped, the media client
 * included; the host console is a chunk of its own that viewers never load.
 */

/** The viewer page's JavaScript budget, checked in CI (`test/bundle.test.ts`, `test/show.test.ts`). */
export const VIEWER_PAGE_BUDGET = { gzip: 150 * 1024 };

/** Where the app is built. */
export const APP_DIR = join(ROOT, 'dist', 'app');

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

/** One file the viewer page loads, and its size gzipped. */
export interface PageFile {
  file: string;
  bytes: number;
  gzip: number;
}

/** Chunks only the host console loads (a viewer never opens them). */
const HOST_ONLY = /(^|\/)host\//;

/**
 * The JavaScript a page loads from its manifest entry: the entry, everything it imports, and the
 * chunks it loads later, except the host console's unless `host` (the console's own page).
 */
export function pageFiles(entry: string, host = false): PageFile[] {
  const path = join(APP_DIR, '.vite', 'manifest.json');
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build`);
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, ManifestChunk>;
  const seen = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || seen.has(key) || (!host && chunk.src && HOST_ONLY.test(chunk.src))) return;
    seen.add(key);
    for (const next of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) visit(next);
  };
  visit(entry);
  return [...seen].flatMap((key) => {
    const file = manifest[key]?.file;
    if (!file?.endsWith('.js')) return [];
    const body = readFileSync(join(APP_DIR, file));
    return [{ file, bytes: body.byteLength, gzip: gzipSync(body, { level: 9 }).byteLength }];
  });
}

/** The JavaScript the viewer page (`/watch`) loads, the media client included. */
export const viewerPageFiles = (): PageFile[] => pageFiles('index.html');

/** The web component's script (`/liveshop-player.js`) and what it loads. */
export const playerElementFiles = (): PageFile[] => pageFiles('src/embed/element.tsx');

/** The host console's page: the viewer page's files and the console's own chunk. */
export const consolePageFiles = (): PageFile[] => pageFiles('index.html', true);
