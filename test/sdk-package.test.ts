import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { packSdk } from '../client-sdk/build/pack.js';
import { useServers } from './helpers/server.js';

const run = promisify(execFile);
const start = useServers();
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const APP = `
import { createClient } from '@liveshop/sdk';
const client = createClient({ url: process.env.LIVESHOP_URL, token: process.env.TOKEN });
await client.createStream('packed', { title: 'Packed' });
const room = await client.join('packed');
const { seq } = await room.chat.send('from the packed SDK');
console.log(JSON.stringify({ state: room.state.stream.state, seq, chat: room.state.chat.length }));
client.close();
`;

const TSC = join(import.meta.dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc');
const TSCONFIG = {
  compilerOptions: {
    strict: true,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    lib: ['ES2023', 'DOM'],
    types: [],
    noEmit: true,
    skipLibCheck: true,
  },
  files: ['typed.ts'],
};
const TYPED = `
import { createClient, type Room, type RoomView } from '@liveshop/sdk';
const client = createClient({ url: 'http://127.0.0.1:1' });
export async function show(room: Room): Promise<number> {
  const state: RoomView = room.state;
  const viewers: number = state.viewers;
  // @ts-expect-error the count is a number (this line fails to compile if the types were lost)
  const wrong: string = state.viewers;
  const held = await room.drops.claim('d');
  if (held.outcome === 'held') await room.drops.checkout('d', held.holdId);
  void wrong;
  void client;
  return viewers + state.stream.title.length;
}
`;

describe('the packed SDK', () => {
  it('installs alone (socket.io-client and nothing of the server) and runs in an app', async () => {
    const tarball = packSdk();
    const dir = await mkdtemp(join(tmpdir(), 'liveshop-app-'));
    dirs.push(dir);
    await writeFile(join(dir, 'package.json'), '{"name":"app","private":true,"type":"module"}');
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      cwd: dir,
    });
    const installed = await readdir(join(dir, 'node_modules'));
    expect(installed).toContain('socket.io-client');
    for (const serverOnly of ['ioredis', 'mediasoup', 'mediasoup-client', 'uWebSockets.js', 'pino'])
      expect(installed).not.toContain(serverOnly);

    // its types hold in a strict TypeScript app (they would turn to any without their sources)
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    await writeFile(join(dir, 'typed.ts'), TYPED);
    await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: dir });

    const server = await start();
    await writeFile(join(dir, 'app.mjs'), APP);
    const { stdout } = await run(process.execPath, ['app.mjs'], {
      cwd: dir,
      env: {
        ...process.env,
        LIVESHOP_URL: server.url,
        TOKEN: await server.token({ sub: 'packer', role: 'host' }),
      },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim())).toMatchObject({ state: 'scheduled', seq: 2 });
  }, 120_000);
});
