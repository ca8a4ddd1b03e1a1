import * as z from 'zod';

/**
 * A moderation policy, as data ("one app, two systems"): audiences (policy groups matched on a
 * token's `region` and `lang`, with a default group) and, per group, rules with an action each.
 * The server loads it from a file (and `/v1`), refuses a bad one with every problem listed, and
 * keeps the old one meanwhile.
 */

/** What a rule does to a message it matches, from mildest to strictest. */
export const ModerationAction = z
  .enum(['allow', 'mask', 'hide', 'hold', 'shadow', 'block'])
  .describe(
    '`allow`: publish; `mask`: publish with the matched terms replaced; `hide`: withheld from ' +
      'this group (a placeholder keeps its seq); `hold`: kept for review; `shadow`: the sender ' +
      'sees it, nobody else; `block`: refused, and the sender is told why',
  );
export type ModerationAction = z.infer<typeof ModerationAction>;

const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,47}$/, 'must be 1-48 of a-z, 0-9, "_", "-"');
/** ISO 3166-1 alpha-2, upper case, as tokens carry it. */
export const Region = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 code such as "CN"');
/** ISO 639-1, lower case. */
const Lang = z.string().regex(/^[a-z]{2}$/, 'must be an ISO 639-1 code such as "zh"');

const ruleBase = { id: Id, action: ModerationAction };

/** Terms to find in a message (after normalisation: see the matcher), in one language or any. */
const TermsRule = z.strictObject({
  ...ruleBase,
  kind: z.literal('terms'),
  /** The language the list is for: it applies only to messages in that language. Omit: any. */
  lang: Lang.optional(),
  terms: z.array(z.string().trim().min(1).max(100)).min(1).max(100_000),
});

/** Links: any link, or those to hosts off an allow list. */
const LinksRule = z.strictObject({
  ...ruleBase,
  kind: z.literal('links'),
  /** Hosts (and their subdomains) that are fine; links elsewhere match. */
  allow: z.array(z.string().trim().toLowerCase().min(1).max(253)).max(1000).default([]),
});

/** @-mentions beyond a number in one message. */
const MentionsRule = z.strictObject({
  ...ruleBase,
  kind: z.literal('mentions'),
  max: z.number().int().nonnegative().max(100),
});

/** Accounts younger than this (by the token's account creation time). */
const AccountAgeRule = z.strictObject({
  ...ruleBase,
  kind: z.literal('account-age'),
  minSeconds: z
    .number()
    .int()
    .positive()
    .max(10 * 365 * 86_400),
});

export const ModerationRule = z.discriminatedUnion('kind', [
  TermsRule,
  LinksRule,
  MentionsRule,
  AccountAgeRule,
]);
export type ModerationRule = z.infer<typeof ModerationRule>;

/**
 * How far the server trusts the sender of a message, from lowest to highest: `new` (a young
 * account, or one others reported), `known` (an ordinary account), `buyer` (has bought).
 */
export const Trust = z
  .enum(['new', 'known', 'buyer'])
  .describe('`new`: young or reported account; `known`: ordinary account; `buyer`: has bought');
export type Trust = z.infer<typeof Trust>;

/** A trust's place in `Trust`'s order: 0 for `new`, higher for more trusted. */
export function trustRank(trust: Trust): number {
  return Trust.options.indexOf(trust);
}

/** A category whose score reaches `score` gives `action`; the strictest matched action wins. */
export const ClassifierThreshold = z.strictObject({
  /** A key of the answer's `category_scores`, such as `harassment` or `sexual/minors`. */
  category: z.string().trim().min(1).max(100),
  score: z.number().min(0).max(1),
  action: ModerationAction.refine(
    (action) => action !== 'mask',
    'a classifier cannot mask (it finds no terms to replace): use hide, hold, shadow or block',
  ),
});
export type ClassifierThreshold = z.infer<typeof ClassifierThreshold>;

/** An environment variable's name, such as `MODERATION_API_KEY`. */
const EnvName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'must be an environment variable name such as "API_KEY"');

/**
 * An HTTP classifier asked about each message after the group's rules (the OpenAI-compatible
 * moderation shape: `POST { input, model }`, answered `{ results: [{ category_scores }] }`). It
 * must answer within its budget; when it cannot (slow, down, rate limited, busy, its circuit
 * open, or a garbled answer) `onFailure` decides by the sender's trust.
 */
export const ClassifierConfig = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }),
  /** Sent as the request's `model`; omit to let the service choose. */
  model: z.string().trim().min(1).max(200).optional(),
  /** The name of the environment variable holding the bearer key (never the key itself). */
  apiKeyEnv: EnvName.optional(),
  thresholds: z.array(ClassifierThreshold).min(1).max(100),
  /** The latency budget, and the request's hard timeout, in milliseconds. */
  budgetMs: z.number().int().positive().max(10_000).default(150),
  /** Requests in flight at most; a message over it does not wait: it fails as `busy`. */
  concurrency: z.number().int().positive().max(1024).default(8),
  /** After `failures` failures in a row no request is sent for `openMs`; then one trial decides. */
  breaker: z
    .strictObject({
      failures: z.number().int().positive().max(1000).default(5),
      openMs: z.number().int().positive().max(3_600_000).default(10_000),
    })
    .prefault({}),
  /** Answers kept by content (text and model), least recently used out first; 0: none. */
  cacheSize: z.number().int().nonnegative().max(1_000_000).default(10_000),
  /** When there is no answer: senders trusted less than `holdBelow` get `action`, others pass. */
  onFailure: z
    .strictObject({
      holdBelow: Trust.default('known'),
      action: z.enum(['hold', 'hide', 'allow']).default('hold'),
    })
    .prefault({}),
});
export type ClassifierConfig = z.infer<typeof ClassifierConfig>;
export type ClassifierConfigInput = z.input<typeof ClassifierConfig>;

/** An audience: the viewers a token's region and language put in it, and its rules, in order. */
export const PolicyGroup = z.strictObject({
  id: Id,
  /** Who belongs: a token whose region is one of `regions` and language one of `langs` (an omitted list matches any). */
  match: z
    .strictObject({
      regions: z.array(Region).min(1).optional(),
      langs: z.array(Lang).min(1).optional(),
    })
    .default({}),
  rules: z.array(ModerationRule).max(1000).default([]),
  /** An HTTP classifier asked after the rules ran (see `ClassifierConfig`). */
  classifier: ClassifierConfig.optional(),
});
export type PolicyGroup = z.infer<typeof PolicyGroup>;

export const ModerationPolicy = z.strictObject({
  /** A name for this version (the decision records carry it); default: a hash of the content. */
  version: z.string().trim().min(1).max(64).optional(),
  /** The group of a viewer no other group matches. */
  defaultGroup: Id,
  /** Matched in order: the first whose `match` fits a token is its group. */
  groups: z.array(PolicyGroup).min(1).max(64),
  /** Viewer reports: this many distinct reporters remove a message for everyone (default 3). */
  reports: z.strictObject({ hideAt: z.number().int().min(1).max(1000) }).optional(),
  /** Languages the detector may answer for messages whose token has no `lang` (default: those the groups and rules name). */
  detectLanguages: z.array(Lang).min(1).optional(),
});
export type ModerationPolicy = z.infer<typeof ModerationPolicy>;
export type ModerationPolicyInput = z.input<typeof ModerationPolicy>;
