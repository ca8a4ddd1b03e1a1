import type { ChatMessage, RoomEvent } from '../../client-sdk/src/protocol/index.js';
import { batchFor, type ChatBatch, type TickChat } from '../chat/batch.js';
import type { Identity } from '../model/identity.js';
import { keptOf, visibleTo, type KeptMessage } from '../moderation/stamp.js';
import type { Member } from './context.js';

/** The region and language a member previews the room as. */
export type SeeAs = Pick<Identity, 'region' | 'language'>;

/**
 * A room's audience on this node, by partition (policy group): which partitions have members
 * here, and what each of them, or one viewer, sees of the chat. Live batches, replays and
 * snapshots all cut the same stored verdicts, so they show the same thing.
 */
export class Audience {
  /** Partition → members here. */
  private readonly counts = new Map<string, number>();
  private readonly byMember = new Map<string, string>();
  /** Members previewing another audience ("see as"): the region and language they see as. */
  private readonly views = new Map<string, SeeAs>();

  constructor(private readonly partitionOf: (identity: Identity) => string) {}

  /** The partitions with members on this node. */
  get partitions(): string[] {
    return [...this.counts.keys()];
  }

  /** The partition a member is in (computed when it joined, or moved). */
  of(member: Member): string {
    return this.byMember.get(member.id) ?? this.partitionOf(this.viewOf(member));
  }

  /**
   * Places a member in its partition: its own identity's, or with `seeAs` the one a viewer of
   * that region and language is in (staff previewing another audience). A member already here
   * moves when its view changes.
   */
  add(member: Member, seeAs?: SeeAs): string {
    const current = this.byMember.get(member.id);
    if (current !== undefined) {
      const was = this.views.get(member.id);
      if (was?.region === seeAs?.region && was?.language === seeAs?.language) return current;
      this.remove(member.id);
    }
    if (seeAs) this.views.set(member.id, seeAs);
    const partition = this.partitionOf(this.viewOf(member));
    this.byMember.set(member.id, partition);
    this.counts.set(partition, (this.counts.get(partition) ?? 0) + 1);
    return partition;
  }

  remove(memberId: string): void {
    const partition = this.byMember.get(memberId);
    this.views.delete(memberId);
    if (partition === undefined) return;
    this.byMember.delete(memberId);
    const left = (this.counts.get(partition) ?? 1) - 1;
    if (left > 0) this.counts.set(partition, left);
    else this.counts.delete(partition);
  }

  /** Re-computes every member's partition (the policy changed); returns those that moved. */
  repartition(members: Iterable<Member>): { member: Member; from: string; to: string }[] {
    const moved: { member: Member; from: string; to: string }[] = [];
    for (const member of members) {
      const from = this.byMember.get(member.id);
      const to = this.partitionOf(this.viewOf(member));
      if (from === undefined || from === to) continue;
      const view = this.views.get(member.id);
      this.remove(member.id);
      this.add(member, view);
      moved.push({ member, from, to });
    }
    return moved;
  }

  /** Whose region and language place a member: its own, or the audience it previews. */
  private viewOf(member: Member): Identity {
    const view = this.views.get(member.id);
    return view ? { ...member.identity, ...view } : member.identity;
  }

  forget(): void {
    this.counts.clear();
    this.byMember.clear();
    this.views.clear();
  }

  /** One batch per partition present here. */
  batches(tick: TickChat, budget: number): Map<string, ChatBatch> {
    const out = new Map<string, ChatBatch>();
    for (const partition of this.counts.keys())
      out.set(partition, batchFor(tick, partition, budget));
    return out;
  }

  /** Replayed events as a member sees them: withheld messages become placeholders. */
  replay(events: readonly RoomEvent[], member: Member): RoomEvent[] {
    const partition = this.of(member);
    const viewer = viewerOf(member.identity);
    return events.map((event) => {
      if (event.type !== 'chat:message') return event;
      const seen = visibleTo(keptOf(event), partition, viewer);
      if (!seen)
        return { type: 'chat:withheld', roomId: event.roomId, seq: event.seq, ts: event.ts };
      return { type: 'chat:message', roomId: event.roomId, ...seen };
    });
  }

  /**
   * The newest `limit` recent messages a member sees, oldest first (withheld ones left out: the
   * snapshot's seq covers them).
   */
  chat(recent: Iterable<KeptMessage>, member: Member, limit: number): ChatMessage[] {
    const partition = this.of(member);
    const viewer = viewerOf(member.identity);
    // from the newest back, until `limit` are found (a room remembers far more than a snapshot shows)
    const kept = Array.isArray(recent) ? (recent as KeptMessage[]) : [...recent];
    const out: ChatMessage[] = [];
    for (let i = kept.length - 1; i >= 0 && out.length < limit; i--) {
      const m = kept[i];
      const seen = m === undefined ? null : visibleTo(m, partition, viewer);
      if (seen) out.push(seen);
    }
    return out.reverse();
  }
}

const viewerOf = (identity: Identity): string | null => (identity.anonymous ? null : identity.id);
