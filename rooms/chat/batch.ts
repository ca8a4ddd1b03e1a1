import type {
  ChatMessage,
  ReactionKind,
  ServerPayload,
} from '../../client-sdk/src/protocol/index.js';
import { visibleTo, type KeptMessage } from '../moderation/stamp.js';
import type { ReactionCounts } from '../ports/broker.js';

/** One tick's chat of a room, as the batch lane sends it. */
export type ChatBatch = Omit<ServerPayload<'chat:batch'>, 'roomId'>;

/**
 * Picks at most `budget` messages of a tick: staff (host, moderator) messages always, the rest
 * evenly spread over the tick so the sample reads like the conversation.
 */
export function sampleChat(messages: readonly ChatMessage[], budget: number): ChatMessage[] {
  if (messages.length <= budget) return [...messages];
  const keep = new Set<ChatMessage>();
  for (const m of messages) if (m.author.role !== 'viewer' && keep.size < budget) keep.add(m);
  const rest = messages.filter((m) => !keep.has(m));
  const room = budget - keep.size;
  for (let i = 0; i < room; i++) {
    const pick = rest[Math.floor((i * rest.length) / room)];
    if (pick) keep.add(pick);
  }
  return messages.filter((m) => keep.has(m));
}

/** One tick's chat, before it is cut for each audience: seqs `from`..`to`, every message kept. */
export interface TickChat {
  from: number;
  to: number;
  messages: KeptMessage[];
}

/**
 * The batch one audience partition gets of a tick: what it may see (masked where its policy
 * masks), sampled down to the budget, and the seqs withheld from it as placeholders (they never
 * use the budget). The author of a withheld message sees it through their own send's answer.
 */
export function batchFor(tick: TickChat, partition: string, budget: number): ChatBatch {
  const visible: ChatMessage[] = [];
  let withheld: number[] | undefined;
  for (const m of tick.messages) {
    const seen = visibleTo(m, partition, null);
    if (seen) visible.push(seen);
    else (withheld ??= []).push(m.seq);
  }
  const messages = sampleChat(visible, budget);
  const batch: ChatBatch = {
    from: tick.from,
    to: tick.to,
    messages,
    skipped: visible.length - messages.length,
  };
  if (withheld) batch.withheld = withheld;
  return batch;
}

/**
 * What a room has to send at its next tick: chat for the batch lane, summed reactions. (Not the
 * merchant outbox: this one lives in memory for one tick.)
 */
export class TickBuffer {
  private chat: KeptMessage[] = [];
  private reactions = new Map<ReactionKind, number>();

  get isEmpty(): boolean {
    return this.chat.length === 0 && this.reactions.size === 0;
  }

  pushChat(message: KeptMessage): void {
    this.chat.push(message);
  }

  addReaction(kind: ReactionKind, count: number): void {
    this.reactions.set(kind, (this.reactions.get(kind) ?? 0) + count);
  }

  /** The pending chat (cut per audience by {@link batchFor}), or undefined when none. */
  takeChat(): TickChat | undefined {
    const first = this.chat[0];
    const last = this.chat.at(-1);
    if (!first || !last) return undefined;
    const messages = this.chat;
    this.chat = [];
    return { from: first.seq, to: last.seq, messages };
  }

  takeReactions(): ReactionCounts | undefined {
    if (this.reactions.size === 0) return undefined;
    const counts: ReactionCounts = Object.fromEntries(this.reactions);
    this.reactions.clear();
    return counts;
  }
}
