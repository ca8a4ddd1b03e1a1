import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LoadedPolicy } from '../rooms/moderation/policy.js';
import { createApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { MemoryPolicyStore } from '../server/engines/memory/index.js';
import {
  PolicyError,
  PolicySource,
  type PolicyOrigin,
} from '../server/moderation/policy-source.js';
import { until } from './helpers/events.js';
import { useRedis } from './helpers/redis.js';
import { startNodes, TEST_SECRET, useServers, type TestServer } from './helpers/server.js';

const start = useServers();
const redis = useRedis();

const EXAMPLE = new URL('../server/moderation/example-policy.json', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'liveshop-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A small good policy of this version, as a policy file holds it. */
const policy = (version: string, terms = ['scam']) => ({
  version,
  defaultGroup: 'all',
  groups: [{ id: 'all', rules: [{ id: 'words', kind: 'terms', terms, action: 'hide' }] }],
});
const text = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A policy file of its own (in a folder of its own, so only its changes are watched). */
async function policyFile(content: string): Promise<string> {
  const folder = join(dir, `p${++files}`);
  const file = join(folder, 'policy.json');
  await mkdir(folder);
  await writeFile(file, content);
  return file;
}

/** Resolves with the next policy this source puts in force whose version is `version`. */
function nextPolicy(
  source: PolicySource,
  version: string,
  timeoutMs = 5000,
): Promise<{ loaded: LoadedPolicy; origin: PolicyOrigin }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`policy ${version} not in force within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = source.onChange((loaded, origin) => {
      if (loaded.version !== version) return;
      clearTimeout(timer);
      stop();
      resolve({ loaded, origin });
    });
  });
}

/** A logger whose lines the test can read and wait for. */
function capturedLogger() {
  const lines: { level: number; msg: string; problems?: string[] }[] = [];
  const events = new EventEmitter();
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as (typeof lines)[number]);
        events.emit('line');
      },
    },
  );
  return { logger, lines, events };
}

const sources: PolicySource[] = [];
afterEach(async () => {
  for (const source of sources.splice(0)) await source.close();
});

function source(file: string | null, store = new MemoryPolicyStore()) {
  const captured = capturedLogger();
  const made = new PolicySource({ store, file, logger: captured.logger, debounceMs: 20 });
  sources.push(made);
  return { source: made, store, ...captured };
}

describe('the moderation policy source', () => {
  it('loads the file at start, and puts it in the store for every node', async () => {
    const file = await policyFile(await readFile(EXAMPLE, 'utf8'));
    const { source: policies, store } = source(file);
    expect(policies.current()).toBeNull();
    await policies.start();
    expect(policies.current()?.version).toBe('example-1');
    expect(policies.entry()).toMatchObject({ version: 'example-1', origin: 'file' });
    expect(await store.get()).toEqual({ text: await readFile(file, 'utf8'), version: 'example-1' });
  });

  it('re-applies the file when it changes, written in place or replaced', async () => {
    const file = await policyFile(text(policy('one')));
    const { source: policies } = source(file);
    await policies.start();
    expect(policies.current()?.version).toBe('one');

    const second = nextPolicy(policies, 'two');
    await writeFile(file, text(policy('two')));
    expect((await second).origin).toBe('file');
    expect(policies.current()?.version).toBe('two');

    // as editors save: a new file renamed over the old one
    const third = nextPolicy(policies, 'three');
    await writeFile(`${file}.tmp`, text(policy('three', ['spam'])));
    await rename(`${file}.tmp`, file);
    expect((await third).loaded.groups.get('all')?.rules[0]).toMatchObject({ terms: ['spam'] });
  });

  it('keeps the current policy through a bad edit, and logs every problem', async () => {
    const file = await policyFile(text(policy('good')));
    const { source: policies, lines, events } = source(file);
    await policies.start();
    const bad = { ...policy('bad'), defaultGroup: 'nobody', extra: true };
    await writeFile(file, text(bad));
    const refused = () => lines.find((l) => l.msg.startsWith('moderation policy refused'));
    await until(events, 'line', () => refused() !== undefined);
    expect(refused()?.level).toBe(40); // warn
    expect(refused()?.problems).toEqual([expect.stringMatching(/extra/)]);
    expect(policies.current()?.version).toBe('good');

    // a broken edit is refused too; the fix then applies
    await writeFile(file, '{ "defaultGroup": ');
    await until(events, 'line', () =>
      lines.some((l) => l.problems?.some((p) => p.startsWith('not valid JSON'))),
    );
    const fixed = nextPolicy(policies, 'fixed');
    await writeFile(file, text(policy('fixed')));
    await fixed;
  });

  it('refuses to start on a bad file, listing every problem', async () => {
    const file = await policyFile(text({ defaultGroup: 'x', groups: [], version: '' }));
    const { source: policies } = source(file);
    const failure = await policies.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PolicyError);
    expect((failure as PolicyError).problems).toHaveLength(2);
    expect((failure as Error).message).toMatch(/^ {2}groups: /m);
    expect((failure as Error).message).toMatch(/^ {2}version: /m);
    await expect(source(join(dir, 'missing.json')).source.start()).rejects.toThrow(
      /cannot be read/,
    );
  });

  it("follows the store's policy at start over the file's, until the file changes", async () => {
    const store = new MemoryPolicyStore();
    await store.put(text(policy('from-api')), 'from-api');
    const file = await policyFile(text(policy('from-file')));
    const { source: policies } = source(file, store);
    await policies.start();
    expect(policies.current()?.version).toBe('from-api');
    const edited = nextPolicy(policies, 'edited');
    await writeFile(file, text(policy('edited')));
    await edited;
    expect((await store.get())?.version).toBe('edited');
  });

  it('a server with a bad MODERATION_POLICY does not start', async () => {
    const file = await policyFile(text({ ...policy('v'), defaultGroup: 'none' }));
    const app = createApp(
      loadConfig({
        NODE_ENV: 'test',
        PORT: '0',
        LOG_LEVEL: 'silent',
        AUTH_JWT_SECRET: TEST_SECRET,
        MEDIA_ENABLED: 'false',
        EMBEDDED_STORAGE: 'memory',
        MODERATION_POLICY: file,
      }),
      { logger: pino({ level: 'silent' }) },
    );
    try {
      await expect(app.listen()).rejects.toThrow(/defaultGroup: no group "none"/);
    } finally {
      await app.close();
    }
  });
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(
  server: TestServer,
  method: 'GET' | 'PUT',
  token: string | null,
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(`${server.url}/v1/moderation/policy`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/v1/moderation/policy', () => {
  it('reads and sets the policy with an admin token; refuses others', async () => {
    const server = await start();
    const admin = await server.token({ sub: 'backend', role: 'admin' });
    const viewer = await server.token({ sub: 'vic' });
    expect(await call(server, 'GET', admin)).toMatchObject({
      status: 404,
      body: { ok: false, error: { code: 'NOT_FOUND' } },
    });

    const example = JSON.parse(await readFile(EXAMPLE, 'utf8')) as unknown;
    expect(await call(server, 'PUT', admin, example)).toEqual({
      status: 200,
      body: { ok: true, version: 'example-1' },
    });
    expect(server.app.internals.policy.current()?.version).toBe('example-1');
    expect(await call(server, 'GET', admin)).toEqual({
      status: 200,
      body: { ok: true, version: 'example-1', policy: example },
    });

    for (const method of ['GET', 'PUT'] as const) {
      const body = method === 'PUT' ? policy('x') : undefined;
      expect(await call(server, method, null, body)).toMatchObject({
        status: 401,
        body: { ok: false, error: { code: 'UNAUTHENTICATED' } },
      });
      expect(await call(server, method, viewer, body)).toMatchObject({
        status: 403,
        body: { ok: false, error: { code: 'FORBIDDEN' } },
      });
    }
    expect(server.app.internals.policy.current()?.version).toBe('example-1');
  });

  it('refuses a bad policy with 400 INVALID_POLICY and every problem; the current one stays', async () => {
    const server = await start();
    const admin = await server.token({ sub: 'backend', role: 'admin' });
    await call(server, 'PUT', admin, policy('good'));
    const bad = { ...policy('bad'), defaultGroup: 'nobody', groups: [{ id: 'BAD' }] };
    const answer = await call(server, 'PUT', admin, bad);
    expect(answer).toMatchObject({
      status: 400,
      body: { ok: false, error: { code: 'INVALID_POLICY', retryable: false } },
    });
    expect(answer.body.problems).toEqual([expect.stringMatching(/^groups\.0\.id: /)]);
    expect(server.app.internals.policy.current()?.version).toBe('good');
    // a policy without a version is named by its content
    const unnamed = { defaultGroup: 'all', groups: [{ id: 'all' }] };
    expect(await call(server, 'PUT', admin, unnamed)).toMatchObject({
      status: 200,
      body: { version: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) as unknown },
    });
  });

  it('takes a policy far larger than other bodies (long term lists)', async () => {
    const server = await start();
    const admin = await server.token({ sub: 'backend', role: 'admin' });
    const terms = Array.from({ length: 20_000 }, (_, i) => `blocked phrase ${i}`);
    const big = policy('big', terms);
    expect(JSON.stringify(big).length).toBeGreaterThan(400_000);
    expect(await call(server, 'PUT', admin, big)).toMatchObject({ status: 200 });
    expect(server.app.internals.policy.current()?.version).toBe('big');
  });
});

describe('the policy on many nodes (Redis)', () => {
  it('a put on one node is applied on the others, then a change of the file on all', async () => {
    const file = await policyFile(text(policy('file-1')));
    const [a, b] = await startNodes(start, redis, 2, { MODERATION_POLICY: file });
    if (!a || !b) throw new Error('two nodes');
    const onB = b.app.internals.policy;
    expect(onB.current()?.version).toBe('file-1');

    const admin = await a.token({ sub: 'backend', role: 'admin' });
    const arrived = nextPolicy(onB, 'api-1');
    expect(await call(a, 'PUT', admin, policy('api-1'))).toMatchObject({ status: 200 });
    expect((await arrived).origin).toBe('store');
    expect(a.app.internals.policy.current()?.version).toBe('api-1');

    // the latest change wins: the file edited after the put applies everywhere
    const edited = [onB, a.app.internals.policy].map((p) => nextPolicy(p, 'file-2'));
    await writeFile(file, text(policy('file-2')));
    await Promise.all(edited);
  });

  it('a node whose subscriber connection was cut gets the policy put meanwhile', async () => {
    const [a, b] = await startNodes(start, redis, 2);
    if (!a || !b) throw new Error('two nodes');
    const admin = await a.token({ sub: 'backend', role: 'admin' });
    const arrived = nextPolicy(b.app.internals.policy, 'while-away');
    const killer = new Redis(redis.url);
    try {
      // the subscribers reconnect after a back-off: the put below is published to nobody
      await killer.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      expect(await call(a, 'PUT', admin, policy('while-away'))).toMatchObject({ status: 200 });
    } finally {
      killer.disconnect();
    }
    await arrived;
  });

  it('a node that starts later takes the cluster policy', async () => {
    const prefix = redis.prefix();
    const shared = { prefix: () => prefix, url: redis.url };
    const [a] = await startNodes(start, shared, 1);
    if (!a) throw new Error('a node');
    const admin = await a.token({ sub: 'backend', role: 'admin' });
    await call(a, 'PUT', admin, policy('cluster'));
    const file = await policyFile(text(policy('its-own-file')));
    const [late] = await startNodes(start, shared, 1, { MODERATION_POLICY: file, NODE_ID: 'late' });
    expect(late?.app.internals.policy.current()?.version).toBe('cluster');
  });
});
