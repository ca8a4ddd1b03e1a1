import * as z from 'zod';
import { ModerationAction } from './policy.js';
import { Author, RoomId } from './schemas.js';

/**
 * Moderation as the wire carries it: the statement of reasons kept for every restriction, held
 * messages waiting for review, and the sanctions moderators set (timeouts, bans, shadow bans).
 */

const Timestamp = z.number().int().nonnegative();

/** What found the problem: a policy rule's kind, the classifier, a sanction, or a person. */
export const Detector = z.enum([
  'terms',
  'links',
  'mentions',
  'account-age',
  'classifier',
  'sanction',
  'report',
  'moderator',
  'shield',
]);
export type Detector = z.infer<typeof Detector>;

/** The sanctions a moderator can set on a user. */
export const SanctionKind = z
  .enum(['timeout', 'ban', 'shadow'])
  .describe(
    '`timeout`: may watch, not write, until it ends; `ban`: may not join or write; `shadow`: ' +
      'writes as usual, and nobody but the user sees it',
  );
export type SanctionKind = z.infer<typeof SanctionKind>;

/** What a decision did: a policy action on a message, or what a moderator did. */
export const DecisionAction = z.union([
  ModerationAction,
  z.enum([
    'approve',
    'deny',
    'delete',
    'timeout',
    'ban',
    'shadow-ban',
    'lift',
    'report',
    'appoint',
    'dismiss',
    'dismiss-reports',
  ]),
]);
export type DecisionAction = z.infer<typeof DecisionAction>;

/**
 * A statement of reasons (in the spirit of the EU DSA, Art. 17): one per restriction of a message
 * for one audience, and one per moderator action. Exported by `GET /v1/moderation/decisions`.
 */
export const DecisionRecord = z
  .object({
    id: z.string(),
    at: Timestamp,
    roomId: RoomId,
    /** The message concerned (absent for a sanction on a user). */
    messageId: z.string().optional(),
    /** Its seq, when it was published (a held or blocked message has none). */
    seq: z.number().int().nonnegative().optional(),
    /** The user concerned: the message's author, or the sanctioned user. */
    userId: z.string(),
    /** That user's region, from their token. */
    userRegion: z.string().nullable(),
    /** The audience (policy group) the restriction applies to; absent when it applies to all. */
    group: z.string().optional(),
    /** The regions that group is for (empty: any region). */
    groupRegions: z.array(z.string()).optional(),
    action: DecisionAction,
    detector: Detector,
    /** The policy rule (or classifier category) that decided. */
    rule: z.string().optional(),
    /** The policy version in force. */
    policy: z.string().optional(),
    /** The message's language, and where it came from. */
    lang: z.string().nullable().optional(),
    langSource: z.enum(['token', 'detected', 'unknown']).optional(),
    /** The moderator who acted (moderator actions). */
    by: z.string().optional(),
    /** Free text: why, as the moderator or the rule put it. */
    reason: z.string().optional(),
    /** How long a sanction lasts (null: until lifted). */
    until: Timestamp.nullable().optional(),
  })
  .meta({ id: 'DecisionRecord' });
export type DecisionRecord = z.infer<typeof DecisionRecord>;

/** A message held for review. */
export const HeldMessage = z
  .object({
    id: z.string().describe('The message id; approved, it is published under this id'),
    roomId: RoomId,
    author: Author,
    text: z.string(),
    heldAt: Timestamp,
    rule: z.string(),
    reason: z.string(),
  })
  .meta({ id: 'HeldMessage' });
export type HeldMessage = z.infer<typeof HeldMessage>;

/** A message viewers reported, as the room's moderators review it. */
export const ReportedMessage = z
  .object({
    messageId: z.string(),
    roomId: RoomId,
    author: Author,
    text: z.string(),
    /** Distinct viewers who reported it. */
    reporters: z.number().int().positive(),
    /** The reasons given, newest first (at most five; a report need not give one). */
    reasons: z.array(z.string()),
    firstAt: Timestamp,
    lastAt: Timestamp,
    /** True once enough reports removed it for everyone. */
    hidden: z.boolean(),
  })
  .meta({ id: 'ReportedMessage' });
export type ReportedMessage = z.infer<typeof ReportedMessage>;

/** A sanction in force. */
export const Sanction = z
  .object({
    userId: z.string(),
    kind: SanctionKind,
    /** The room it applies to, or `*` for every room. */
    scope: z.string(),
    at: Timestamp,
    /** When it ends (null: until lifted). */
    until: Timestamp.nullable(),
    by: z.string(),
    reason: z.string(),
  })
  .meta({ id: 'Sanction' });
export type Sanction = z.infer<typeof Sanction>;

/** Timeouts run from 10 seconds to two weeks. */
export const MIN_TIMEOUT_SECONDS = 10;
export const MAX_TIMEOUT_SECONDS = 14 * 86_400;
