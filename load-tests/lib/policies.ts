/**
 * Moderation policies the benches put in force (as a server would load them from
 * `MODERATION_POLICY`): one that screens every message with made-up terms in four languages,
 * links and mentions, and one that only splits a room's audience by region.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModerationPolicyInput } from '../../client-sdk/src/protocol/index.js';
import type { MadeUpTerm, TermLanguage } from './chat-corpus.js';

/** Hosts the links rules let through (links elsewhere are withheld). */
export const ALLOWED_HOSTS = ['shop.example.com', 'example.com'];
/** More @-mentions than this in one message are withheld. */
export const MAX_MENTIONS = 3;

/**
 * Four audiences: `cn` (region CN), `jp` (language ja), `es` (language es) and `global` (everyone
 * else, the default), each with the terms of one language (`lang` set on the rule, so a list only
 * applies to messages in its language), a links rule and a mentions rule; `global` also holds
 * messages of accounts younger than a day. Terms are masked or withheld, never blocked, so every
 * message a sender writes is still published (to the audiences that see it).
 */
export function screeningPolicy(terms: readonly MadeUpTerm[]): ModerationPolicyInput {
  const of = (lang: TermLanguage) => terms.filter((t) => t.lang === lang).map((t) => t.term);
  const links = { id: 'links', kind: 'links', action: 'hide', allow: ALLOWED_HOSTS } as const;
  const mentions = { id: 'mentions', kind: 'mentions', action: 'hide', max: MAX_MENTIONS } as const;
  return {
    version: `bench-${terms.length}-terms`,
    defaultGroup: 'global',
    groups: [
      {
        id: 'cn',
        match: { regions: ['CN'] },
        rules: [
          { id: 'terms-zh', kind: 'terms', lang: 'zh', action: 'hide', terms: of('zh') },
          links,
          mentions,
        ],
      },
      {
        id: 'jp',
        match: { langs: ['ja'] },
        rules: [
          { id: 'terms-ja', kind: 'terms', lang: 'ja', action: 'mask', terms: of('ja') },
          links,
          mentions,
        ],
      },
      {
        id: 'es',
        match: { langs: ['es'] },
        rules: [
          { id: 'terms-es', kind: 'terms', lang: 'es', action: 'mask', terms: of('es') },
          links,
          mentions,
        ],
      },
      {
        id: 'global',
        rules: [
          { id: 'terms-en', kind: 'terms', lang: 'en', action: 'mask', terms: of('en') },
          links,
          mentions,
          { id: 'new-accounts', kind: 'account-age', action: 'hold', minSeconds: 86_400 },
        ],
      },
    ],
  };
}

/** Regions of the region-split policy's groups, in order (the last group is the default). */
const REGIONS = ['CN', 'JP', 'ES', 'US', 'BR', 'DE', 'IN', 'FR', 'KR', 'MX', 'ID', 'GB'];

/** The regions to give viewers so they spread evenly over `groups` groups of {@link regionalPolicy}. */
export function groupRegions(groups: number): string[] {
  if (groups < 1 || groups > REGIONS.length)
    throw new Error(`between 1 and ${REGIONS.length} groups, not ${groups}`);
  return REGIONS.slice(0, groups);
}

/**
 * `groups` audiences matched on the token's region (the last one the default, for everyone
 * else), each with a terms and a mentions rule that no benchmark message sets off: every group
 * sees every message, so the room cuts and sends one batch per group each tick.
 */
export function regionalPolicy(groups: number): ModerationPolicyInput {
  const regions = groupRegions(groups);
  return {
    version: `bench-regions-${groups}`,
    defaultGroup: `g${groups - 1}`,
    groups: regions.map((region, i) => ({
      id: `g${i}`,
      ...(i < groups - 1 ? { match: { regions: [region] } } : {}),
      rules: [
        {
          id: 'terms',
          kind: 'terms',
          action: 'hide',
          terms: [`never-said-${region.toLowerCase()}`],
        },
        { id: 'mentions', kind: 'mentions', action: 'hide', max: 10 },
      ],
    })),
  };
}

/** Writes a policy to a file of its own directory (the server watches the directory). */
export function writePolicyFile(policy: ModerationPolicyInput): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'liveshop-policy-'));
  const file = join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify(policy));
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
