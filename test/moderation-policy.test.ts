import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  detectLanguages,
  groupOf,
  loadPolicy,
  type LoadedPolicy,
} from '../rooms/moderation/policy.js';
import { Trust, trustRank } from '../client-sdk/src/protocol/index.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const EXAMPLE = new URL('../server/moderation/example-policy.json', import.meta.url);

async function example(): Promise<LoadedPolicy> {
  const load = loadPolicy(await readFile(EXAMPLE, 'utf8'), sha256);
  if (!load.ok) throw new Error(load.problems.join('\n'));
  return load.loaded;
}

describe('moderation policies', () => {
  it('the shipped example loads: one room, two regions, different rules', async () => {
    const loaded = await example();
    expect(loaded.version).toBe('example-1');
    const cn = loaded.groups.get('cn');
    const global = loaded.groups.get('global');
    expect(cn?.rules.map((r) => [r.kind, r.action])).toContainEqual(['terms', 'hide']);
    expect(global?.rules.map((r) => [r.kind, r.action])).toContainEqual(['terms', 'shadow']);
    expect(detectLanguages(loaded)).toEqual(['en', 'zh']);
  });

  it('puts each viewer in the first group that matches, else the default group', async () => {
    const loaded = await example();
    const group = (region: string | null, language: string | null) =>
      groupOf(loaded, { region, language }).id;
    expect(group('CN', 'zh')).toBe('cn');
    expect(group('cn', 'zh-Hans')).toBe('cn'); // tokens' own spelling is folded
    expect(group('CN', null)).toBe('cn');
    expect(group('US', 'zh')).toBe('global');
    expect(group(null, null)).toBe('global');
  });

  it('a group matching on both region and language needs both', () => {
    const load = loadPolicy(
      {
        defaultGroup: 'rest',
        groups: [{ id: 'tw-zh', match: { regions: ['TW'], langs: ['zh'] } }, { id: 'rest' }],
      },
      sha256,
    );
    if (!load.ok) throw new Error(load.problems.join('; '));
    expect(groupOf(load.loaded, { region: 'TW', language: 'zh' }).id).toBe('tw-zh');
    expect(groupOf(load.loaded, { region: 'TW', language: 'en' }).id).toBe('rest');
    expect(groupOf(load.loaded, { region: 'TW', language: null }).id).toBe('rest');
  });

  it('refuses a bad policy with every problem listed', () => {
    const bad = loadPolicy(
      {
        defaultGroup: 'nowhere',
        groups: [
          {
            id: 'cn',
            match: { regions: ['China'] },
            rules: [
              { id: 'a', kind: 'terms', terms: [], action: 'hide' },
              { id: 'b', kind: 'links', action: 'explode' },
            ],
          },
        ],
        extra: true,
      },
      sha256,
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^groups\.0\.match\.regions\.0: .*ISO 3166/),
        expect.stringMatching(/^groups\.0\.rules\.0\.terms: /),
        expect.stringMatching(/^groups\.0\.rules\.1\.action: /),
        expect.stringMatching(/extra/),
      ]),
    );
    expect(bad.problems.length).toBeGreaterThanOrEqual(4);

    // what the schema cannot see: ids used twice, a default that is no group, mask without terms
    const odd = loadPolicy(
      {
        defaultGroup: 'x',
        groups: [
          {
            id: 'g',
            rules: [
              { id: 'r', kind: 'mentions', max: 2, action: 'mask' },
              { id: 'r', kind: 'mentions', max: 3, action: 'hold' },
            ],
          },
          { id: 'g' },
        ],
      },
      sha256,
    );
    expect(odd).toEqual({
      ok: false,
      problems: [
        'groups.0.rules.0.action: only a terms rule can mask',
        'groups.0.rules.1.id: "r" is used twice in group "g"',
        'groups.1.id: "g" is used twice',
        'defaultGroup: no group "x"',
      ],
    });
    expect(loadPolicy('{"defaultGroup":', sha256)).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^not valid JSON/)],
    });
  });

  it('a group may ask a classifier; its defaults fill in', () => {
    const load = loadPolicy(
      {
        defaultGroup: 'all',
        groups: [
          {
            id: 'all',
            classifier: {
              url: 'https://moderation.example.com/v1/moderations',
              apiKeyEnv: 'MODERATION_API_KEY',
              thresholds: [{ category: 'harassment', score: 0.8, action: 'hold' }],
            },
          },
        ],
      },
      sha256,
    );
    if (!load.ok) throw new Error(load.problems.join('; '));
    expect(load.loaded.groups.get('all')?.classifier).toEqual({
      url: 'https://moderation.example.com/v1/moderations',
      apiKeyEnv: 'MODERATION_API_KEY',
      thresholds: [{ category: 'harassment', score: 0.8, action: 'hold' }],
      budgetMs: 150,
      concurrency: 8,
      breaker: { failures: 5, openMs: 10_000 },
      cacheSize: 10_000,
      onFailure: { holdBelow: 'known', action: 'hold' },
    });
    expect(['new', 'known', 'buyer'].map((t) => trustRank(Trust.parse(t)))).toEqual([0, 1, 2]);
  });

  it('refuses a bad classifier with every problem listed, a mask among them', () => {
    const bad = loadPolicy(
      {
        defaultGroup: 'all',
        groups: [
          {
            id: 'all',
            classifier: {
              url: 'ftp://moderation.example.com',
              apiKeyEnv: 'sk-live-0123456789',
              thresholds: [
                { category: 'harassment', score: 0.8, action: 'mask' },
                { category: 'hate', score: 1.5, action: 'block' },
              ],
              budgetMs: 0,
              onFailure: { holdBelow: 'vip', action: 'block' },
              retries: 3,
            },
          },
        ],
      },
      sha256,
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    /** A problem at `path` (under the classifier), whose message starts with `message`. */
    const at = (path: string, message = '') =>
      expect.stringMatching(
        new RegExp(`^groups\\.0\\.classifier\\.${path.replaceAll('.', '\\.')}: ${message}`),
      );
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        at('url', 'must be an http or https URL'),
        at('apiKeyEnv', 'must be an environment variable name'),
        at('thresholds.0.action', 'a classifier cannot mask'),
        at('thresholds.1.score'),
        at('budgetMs'),
        at('onFailure.holdBelow'),
        at('onFailure.action'),
        expect.stringMatching(/retries/),
      ]),
    );
    expect(bad.problems).toHaveLength(8);
    const empty = loadPolicy(
      {
        defaultGroup: 'all',
        groups: [{ id: 'all', classifier: { url: 'http://127.0.0.1:9/', thresholds: [] } }],
      },
      sha256,
    );
    expect(empty).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^groups\.0\.classifier\.thresholds: /)],
    });
  });

  it('names an unnamed version by its content, whatever the order of its keys', () => {
    const a = loadPolicy({ defaultGroup: 'all', groups: [{ id: 'all', rules: [] }] }, sha256);
    const b = loadPolicy({ groups: [{ rules: [], id: 'all' }], defaultGroup: 'all' }, sha256);
    const c = loadPolicy(
      { defaultGroup: 'all', groups: [{ id: 'all', match: { langs: ['en'] } }] },
      sha256,
    );
    if (!a.ok || !b.ok || !c.ok) throw new Error('all three are valid');
    expect(a.loaded.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(b.loaded.version).toBe(a.loaded.version);
    expect(c.loaded.version).not.toBe(a.loaded.version);
  });
});
