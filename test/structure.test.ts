import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layout's rules, checked on the source (DESIGN.md, "Layout"): no import cycle anywhere
 * (type-only imports count: a cycle of types is still a knot to untie), each folder imports only
 * what its row allows, and rooms/ files stay small.
 */
const ROOT = resolve(import.meta.dirname, '..');
const FOLDERS = ['client-sdk', 'rooms', 'media', 'server', 'load-tests', 'test'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((f) => !f.includes('node_modules'));
}

interface Imports {
  /** Project files imported, by path from the root. */
  local: string[];
  /** Package names imported (`node:` built-ins left out). */
  packages: string[];
}

function importsOf(file: string): Imports {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const local: string[] = [];
  const packages: string[] = [];
  for (const { fileName } of importedFiles) {
    if (fileName.startsWith('.')) {
      const path = relative(ROOT, resolve(ROOT, dirname(file), fileName)).replace(/\?.*$/, '');
      // a `.js` import names its `.ts` source, or its `.tsx` one (the browser app's components)
      const source = path.replace(/\.js$/, '.ts');
      local.push(path.endsWith('.js') && !existsSync(join(ROOT, source)) ? `${source}x` : source);
    } else if (!fileName.startsWith('node:')) {
      const parts = fileName.split('/');
      packages.push(fileName.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? ''));
    }
  }
  return { local, packages };
}

const files = FOLDERS.flatMap(sources);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

/** Every cycle's path, found by a depth-first walk (each reported once, from its first file). */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file)?.local ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

const folderOf = (file: string) => {
  if (file.startsWith('client-sdk/src/protocol/')) return 'protocol';
  // the tooling that builds and packs the SDK is not part of it
  if (file.startsWith('client-sdk/build/')) return 'sdk-build';
  // the browser app is built on the SDK; the SDK never reaches into it
  if (file.startsWith('client-sdk/app/')) return 'app';
  return file.split('/')[0] ?? '';
};

/** What each folder may import: project folders and packages (DESIGN.md's table). */
const ALLOWED: Record<string, { folders: string[]; packages: string[] }> = {
  protocol: { folders: ['protocol'], packages: ['zod'] },
  'client-sdk': {
    folders: ['protocol', 'client-sdk'],
    packages: ['socket.io-client', 'mediasoup-client'],
  },
  'sdk-build': { folders: ['sdk-build'], packages: ['esbuild'] },
  app: {
    // through the SDK's entry points only: never zod's schemas
    folders: ['client-sdk', 'app'],
    packages: ['preact', 'vite', '@preact/preset-vite'],
  },
  // pure algorithms without I/O may come from a package (DESIGN.md: never transport or storage)
  rooms: { folders: ['protocol', 'rooms'], packages: ['@monyone/aho-corasick'] },
  media: { folders: ['protocol', 'media'], packages: ['mediasoup', 'zod'] },
};
/** Unit tests beside their code may use the test tools too. */
const TEST_TOOLS = ['vitest', 'fast-check'];
const isTest = (file: string) => /\.test(-d)?\.ts$/.test(file);

describe('source layout', () => {
  it('has no import cycle', () => {
    expect(cycles().map((c) => c.join(' → '))).toEqual([]);
  });

  it.each(Object.keys(ALLOWED))('%s imports only what its layer allows', (folder) => {
    const rule = ALLOWED[folder];
    const wrong: string[] = [];
    for (const [file, { local, packages }] of graph) {
      if (!rule || folderOf(file) !== folder) continue;
      for (const target of local)
        if (!rule.folders.includes(folderOf(target))) wrong.push(`${file} → ${target}`);
      for (const name of packages)
        if (!rule.packages.includes(name) && !(isTest(file) && TEST_TOOLS.includes(name)))
          wrong.push(`${file} → ${name}`);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps rooms/ files small: the kernel at most 450 lines, every other file at most 400', () => {
    const long = files
      .filter((f) => f.startsWith('rooms/'))
      .map((f) => ({ f, lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length - 1 }))
      .filter(({ f, lines }) => lines > (f === 'rooms/core/stream-room.ts' ? 450 : 400));
    expect(long).toEqual([]);
  });

  it('sees the whole tree (the walk found the files it checks)', () => {
    expect(graph.get('rooms/core/stream-room.ts')?.local).toContain('rooms/core/replica.ts');
    expect(files.length).toBeGreaterThan(150);
  });
});
