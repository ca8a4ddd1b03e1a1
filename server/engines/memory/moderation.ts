import type {
  DecisionRecord,
  Sanction,
  SanctionKind,
} from '../../../client-sdk/src/protocol/index.js';
import {
  GLOBAL_SCOPE,
  inForce,
  matchesQuery,
  type DecisionQuery,
  type HeldEntry,
  type ModerationStore,
} from '../../../rooms/index.js';

/** How many statements of reasons the embedded engine keeps (oldest dropped first). */
const KEEP_DECISIONS = 200_000;

/** In-process moderation state. */
export class MemoryModeration implements ModerationStore {
  private readonly log: DecisionRecord[] = [];
  /** How many records were dropped from the front (the first kept one's sequence number). */
  private dropped = 0;
  private readonly queues = new Map<string, Map<string, HeldEntry>>();
  /** scope → `${userId}:${kind}` → sanction. */
  private readonly scopes = new Map<string, Map<string, Sanction>>();

  record(records: readonly DecisionRecord[]): Promise<void> {
    this.log.push(...structuredClone(records));
    const over = this.log.length - KEEP_DECISIONS;
    if (over > 0) {
      this.log.splice(0, over);
      this.dropped += over;
    }
    return Promise.resolve();
  }

  decisions(q: DecisionQuery): Promise<{ records: DecisionRecord[]; cursor?: string }> {
    // the cursor is the sequence number of the last record looked at
    const after = q.cursor === undefined ? -1 : Number(q.cursor);
    const first = this.dropped;
    const records: DecisionRecord[] = [];
    let i = Math.max(after + 1, first);
    for (; i < first + this.log.length && records.length < q.limit; i++) {
      const r = this.log[i - first];
      if (r && matchesQuery(r, q)) records.push(structuredClone(r));
    }
    return Promise.resolve(
      i < first + this.log.length ? { records, cursor: String(i - 1) } : { records },
    );
  }

  hold(entry: HeldEntry): Promise<void> {
    let queue = this.queues.get(entry.roomId);
    if (!queue) this.queues.set(entry.roomId, (queue = new Map<string, HeldEntry>()));
    queue.set(entry.id, structuredClone(entry));
    return Promise.resolve();
  }

  held(roomId: string): Promise<HeldEntry[]> {
    const held = [...(this.queues.get(roomId)?.values() ?? [])].sort((a, b) => a.heldAt - b.heldAt);
    return Promise.resolve(structuredClone(held));
  }

  take(roomId: string, messageId: string): Promise<HeldEntry | undefined> {
    const queue = this.queues.get(roomId);
    const entry = queue?.get(messageId);
    queue?.delete(messageId);
    return Promise.resolve(entry);
  }

  sanction(s: Sanction): Promise<void> {
    let scope = this.scopes.get(s.scope);
    if (!scope) this.scopes.set(s.scope, (scope = new Map<string, Sanction>()));
    scope.set(`${s.userId}:${s.kind}`, { ...s });
    return Promise.resolve();
  }

  lift(scope: string, userId: string, kind: SanctionKind): Promise<boolean> {
    return Promise.resolve(this.scopes.get(scope)?.delete(`${userId}:${kind}`) ?? false);
  }

  sanctionsOn(roomId: string, userId: string, now: number): Promise<Sanction[]> {
    const out: Sanction[] = [];
    for (const scope of [roomId, GLOBAL_SCOPE])
      for (const kind of ['timeout', 'ban', 'shadow'] as const) {
        const s = this.scopes.get(scope)?.get(`${userId}:${kind}`);
        if (s && inForce(s, now)) out.push({ ...s });
      }
    return Promise.resolve(out);
  }

  sanctions(roomId: string, now: number): Promise<Sanction[]> {
    const out: Sanction[] = [];
    for (const scope of [roomId, GLOBAL_SCOPE])
      for (const s of this.scopes.get(scope)?.values() ?? [])
        if (inForce(s, now)) out.push({ ...s });
    return Promise.resolve(out);
  }
}
