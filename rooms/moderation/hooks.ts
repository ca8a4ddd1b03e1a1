import type { Trust } from '../../client-sdk/src/protocol/index.js';
import type { Identity } from '../model/identity.js';
import type { Standing } from '../ports/moderation.js';
import type { CompiledPolicy, GroupVerdict } from './screen.js';

/** How much a sender is trusted, lowest first: new (young or reported), known, buyer. */
export type { Trust };
/** Accounts younger than this are `new`. */
export const NEW_ACCOUNT_MS = 7 * 86_400_000;

/** What moderation needs from the server: the policy in force, language detection, classifiers. */
export interface ModerationHooks {
  /** The policy in force; null: none (sanctions still apply). */
  policy(): CompiledPolicy | null;
  /** The language of a text, among `langs`; null when it cannot tell. */
  detect(text: string, langs: readonly string[]): string | null;
  /** A group's classifier verdict on a text, when the group has a classifier (null: allow). */
  /** What moderation made of a message at this node (for metrics). */
  noted?(outcome: 'published' | 'restricted' | 'held' | 'blocked'): void;
  classify?(
    policy: CompiledPolicy,
    group: string,
    text: string,
    trust: Trust,
  ): Promise<GroupVerdict | null>;
}

/** How much moderation trusts a sender: buyers most, young accounts least. */
export function trustOf(identity: Identity, now: number, standing?: Standing): Trust {
  if (standing && standing.reports > 0) return 'new';
  if (identity.buyer) return 'buyer';
  if (identity.accountCreatedAt != null && now - identity.accountCreatedAt < NEW_ACCOUNT_MS)
    return 'new';
  return 'known';
}
