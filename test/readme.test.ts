import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useServers } from './helpers/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const start = useServers();

async function readmeExample(): Promise<string> {
  const readme = await readFile(`${ROOT}README.md`, 'utf8');
  const block =
    /<!-- readme-example:start -->\s*```js\n([\s\S]*?)```\s*<!-- readme-example:end -->/.exec(
      readme,
    );
  if (!block?.[1])
    throw new Error('README.md has no example block between the readme-example markers');
  return block[1];
}

describe('README', () => {
  it('the SDK example runs exactly as written: connects, joins, chats and prints what it receives', async () => {
    expect(
      existsSync(`${ROOT}dist/client-sdk/src/index.js`),
      'run `npm run build` first (npm test does)',
    ).toBe(true);
    const server = await start();
    const file = `${ROOT}.readme-example-${process.pid}.mjs`;
    await writeFile(file, await readmeExample());
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [file], {
        cwd: ROOT,
        env: {
          ...process.env,
          LIVESHOP_URL: server.url,
          TOKEN: await server.token({ sub: 'alice', role: 'host' }),
        },
        timeout: 15_000,
      });
      expect(stderr).toBe('');
      const lines = stdout.trim().split('\n');
      expect(lines).toContain('joined demo (scheduled), 1 watching');
      expect(lines).toContain('sent message #2');
      expect(lines).toContain('[demo] alice: Hello, live shoppers!');
      expect(lines).toContain('viewers in demo: 1');
    } finally {
      await rm(file, { force: true });
    }
  });
});
