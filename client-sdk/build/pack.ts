import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './bundle.js';

/**
 * Packs the SDK alone as `@liveshop/sdk` (dist/liveshop-sdk-<version>.tgz), so an app installs
 * only what the SDK needs: socket.io-client, zod (for the protocol's types; the SDK does not run
 * it), and mediasoup-client if it uses the media entry point (an optional peer). Needs
 * `npm run build` first.
 */
export function packSdk(): string {
  const compiled = join(ROOT, 'dist', 'client-sdk', 'src');
  if (!existsSync(join(compiled, 'index.js'))) throw new Error('run `npm run build` first');
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    engines: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const out = join(ROOT, 'dist', 'sdk-package');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // the compiled SDK, without tests, source maps, or files an earlier build left behind
  const source = join(ROOT, 'client-sdk', 'src');
  cpSync(compiled, out, {
    recursive: true,
    filter: (file) => {
      if (/\.test(-d)?\.(js|d\.ts)$|\.map$/.test(file)) return false;
      const base = file.replace(/(\.d\.ts|\.js)$/, '');
      return base === file || existsSync(join(source, `${relative(compiled, base)}.ts`));
    },
  });
  const entry = (path: string) => ({ types: `./${path}.d.ts`, default: `./${path}.js` });
  const pkg = {
    name: '@liveshop/sdk',
    version: root.version,
    description: 'The LiveShop client SDK: rooms, chat, drops and live video for live shopping.',
    type: 'module',
    sideEffects: false,
    engines: root.engines,
    exports: {
      '.': entry('index'),
      './media': entry('media/index'),
      './protocol': entry('protocol/index'),
      './package.json': './package.json',
    },
    // zod for the protocol's types (and the `./protocol` entry); nothing else imports it at run time
    dependencies: {
      'socket.io-client': root.dependencies['socket.io-client'],
      zod: root.dependencies.zod,
    },
    peerDependencies: { 'mediasoup-client': root.dependencies['mediasoup-client'] },
    peerDependenciesMeta: { 'mediasoup-client': { optional: true } },
  };
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(
    join(out, 'README.md'),
    '# @liveshop/sdk\n\nThe client SDK of LiveShop: `createClient`, room handles, and ' +
      '`@liveshop/sdk/media` for video (install `mediasoup-client` too). See the project README.\n',
  );
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', join(ROOT, 'dist')], {
    cwd: out,
    encoding: 'utf8',
  }).trim();
  return join(ROOT, 'dist', name.split('\n').at(-1) ?? name);
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  console.log(packSdk());
}
