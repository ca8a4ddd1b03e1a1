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
const Region = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 code such as "CN"');
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
});
export type PolicyGroup = z.infer<typeof PolicyGroup>;

export const ModerationPolicy = z.strictObject({
  /** A name for this version (the decision records carry it); default: a hash of the content. */
  version: z.string().trim().min(1).max(64).optional(),
  /** The group of a viewer no other group matches. */
  defaultGroup: Id,
  /** Matched in order: the first whose `match` fits a token is its group. */
  groups: z.array(PolicyGroup).min(1).max(64),
  /** Languages the detector may answer for messages whose token has no `lang` (default: those the groups and rules name). */
  detectLanguages: z.array(Lang).min(1).optional(),
});
export type ModerationPolicy = z.infer<typeof ModerationPolicy>;
export type ModerationPolicyInput = z.input<typeof ModerationPolicy>;
