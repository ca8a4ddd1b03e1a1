import type {
  ChatMessage,
  ReactionKind,
  ServerPayload,
} from '../../client-sdk/src/protocol/index.js';
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

/**
 * What a room has to send at its next tick: chat for the batch lane, summed reactions. (Not the
 * merchant outbox: this one lives in memory for one tick.)
 */
export class TickBuffer {
  private chat: ChatMessage[] = [];
  private reactions = new Map<ReactionKind, number>();

  constructor(private readonly chatBudget: number) {}

  get isEmpty(): boolean {
    return this.chat.length === 0 && this.reactions.size === 0;
  }

  pushChat(message: ChatMessage): void {
    this.chat.push(message);
  }

  addReaction(kind: ReactionKind, count: number): void {
    this.reactions.set(kind, (this.reactions.get(kind) ?? 0) + count);
  }

  /** The pending chat as one batch (sampled down to the budget), or undefined when none. */
  takeChat(): ChatBatch | undefined {
    const first = this.chat[0];
    const last = this.chat.at(-1);
    if (!first || !last) return undefined;
    const pending = this.chat;
    this.chat = [];
    const messages = sampleChat(pending, this.chatBudget);
    return { from: first.seq, to: last.seq, messages, skipped: pending.length - messages.length };
  }

  takeReactions(): ReactionCounts | undefined {
    if (this.reactions.size === 0) return undefined;
    const counts: ReactionCounts = Object.fromEntries(this.reactions);
    this.reactions.clear();
    return counts;
  }
}
