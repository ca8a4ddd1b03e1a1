import type { ChatMessage, RoomEventOf } from '../../client-sdk/src/protocol/index.js';
import type { GroupVerdict } from './screen.js';

/**
 * What each audience sees of a message, decided once at the sending node and stored with the
 * event in the room log, so live delivery, resume and snapshots on every node show the same.
 * Groups it does not name see the message as written.
 */
export interface Stamp {
  /** The policy version that decided. */
  policy: string;
  /** Groups that do not see it at all (they get a placeholder with its seq). */
  withheld?: string[];
  /** Groups that see it with terms masked: their text. */
  masked?: Record<string, string>;
  /** Only its author sees it (a shadow rule or a shadow ban). */
  authorOnly?: true;
}

/** A chat message as the room keeps it: with its stamp, when moderation restricted it. */
export type KeptMessage = ChatMessage & { moderation?: Stamp };

/** A `chat:message` event as the log stores it. */
export type KeptChatEvent = RoomEventOf<'chat:message'> & { moderation?: Stamp };

/** What the sending node does with a message, given its groups' verdicts. */
export type Outcome =
  | { kind: 'publish'; stamp: Stamp | undefined }
  | { kind: 'block'; verdict: GroupVerdict }
  /** `stamp`: how it is published once approved. */
  | { kind: 'hold'; verdict: GroupVerdict; stamp: Stamp | undefined };

/**
 * The outcome of the verdicts for a sender in `senderGroup`: the sender's own audience decides
 * whether the message exists (block refuses it, hold keeps it for review, shadow shows it to its
 * author only); every other audience decides only what it sees (mask, or withheld for hide, hold,
 * shadow and block), so one region's rules never silence a message for another ("one app, two
 * systems").
 */
export function outcomeOf(
  verdicts: readonly GroupVerdict[],
  senderGroup: string,
  policy: string,
  authorOnly = false,
): Outcome {
  const own = verdicts.find((v) => v.group === senderGroup);
  if (own?.action === 'block') return { kind: 'block', verdict: own };
  const others = own?.action === 'hold' ? verdicts.filter((v) => v !== own) : verdicts;
  const stamp = stampOf(others, policy, authorOnly || own?.action === 'shadow');
  if (own?.action === 'hold') return { kind: 'hold', verdict: own, stamp };
  return { kind: 'publish', stamp };
}

function stampOf(
  verdicts: readonly GroupVerdict[],
  policy: string,
  authorOnly: boolean,
): Stamp | undefined {
  if (verdicts.length === 0 && !authorOnly) return undefined;
  const stamp: Stamp = { policy };
  for (const v of verdicts) {
    if (v.action === 'mask' && v.masked !== undefined) (stamp.masked ??= {})[v.group] = v.masked;
    else if (v.action !== 'allow' && v.action !== 'mask') (stamp.withheld ??= []).push(v.group);
  }
  if (authorOnly) stamp.authorOnly = true;
  return stamp;
}

/**
 * A kept message as one viewer sees it: in audience `group`, signed in as `viewerId` (null:
 * anonymous). Null when withheld from them. An author always sees what they wrote.
 */
export function visibleTo(
  message: KeptMessage,
  group: string,
  viewerId: string | null,
): ChatMessage | null {
  // most messages carry no stamp: they are shown as kept (no copy made)
  if (message.moderation === undefined) return message;
  const { moderation, ...plain } = message;
  if (viewerId !== null && message.author.id === viewerId) return plain;
  if (moderation.authorOnly || moderation.withheld?.includes(group)) return null;
  const masked = moderation.masked?.[group];
  return masked === undefined ? plain : { ...plain, text: masked };
}

/** True when some audience does not see the message as written. */
export const isRestricted = (message: KeptMessage): boolean => message.moderation !== undefined;

/** The kept message of a logged event (its stamp kept). */
export function keptOf(event: KeptChatEvent): KeptMessage {
  const message: KeptMessage = {
    id: event.id,
    seq: event.seq,
    ts: event.ts,
    author: event.author,
    text: event.text,
  };
  if (event.moderation) message.moderation = event.moderation;
  return message;
}
