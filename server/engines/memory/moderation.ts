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
  type Standing,
} from '../../../rooms/index.js';

/** How many statements of reasons the embedded engine keeps (oldest dropped first). */
const KEEP_DECISIONS = 200_000;
/** Messages whose reports the embedded engine keeps. */
const KEEP_REPORTS = 100_000;

/** In-process moderation state. */
export class MemoryModeration implements ModerationStore {
  private readonly log: DecisionRecord[] = [];
  /** How many records were dropped from the front (the first kept one's sequence number). */
  private dropped = 0;
  private readonly queues = new Map<string, Map<string, HeldEntry>>();
  /** `${roomId}:${messageId}` → who reported it. */
  private readonly reports = new Map<string, Set<string>>();
  /** `${roomId}:${userId}` → distinct reports of their messages. */
  private readonly userReports = new Map<string, number>();
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

  standing(roomId: string, userId: string, now: number): Promise<Standing> {
    const sanctions: Sanction[] = [];
    for (const scope of [roomId, GLOBAL_SCOPE])
      for (const kind of ['timeout', 'ban', 'shadow'] as const) {
        const s = this.scopes.get(scope)?.get(`${userId}:${kind}`);
        if (s && inForce(s, now)) sanctions.push({ ...s });
      }
    return Promise.resolve({
      sanctions,
      reports: this.userReports.get(`${roomId}:${userId}`) ?? 0,
    });
  }

  report(roomId: string, messageId: string, authorId: string, reporterId: string): Promise<number> {
    const key = `${roomId}:${messageId}`;
    let reporters = this.reports.get(key);
    if (!reporters) this.reports.set(key, (reporters = new Set<string>()));
    if (!reporters.has(reporterId)) {
      reporters.add(reporterId);
      const user = `${roomId}:${authorId}`;
      this.userReports.set(user, (this.userReports.get(user) ?? 0) + 1);
    }
    // bounded: the oldest messages' reports go first
    if (this.reports.size > KEEP_REPORTS) {
      const oldest = this.reports.keys().next();
      if (!oldest.done) this.reports.delete(oldest.value);
    }
    return Promise.resolve(reporters.size);
  }

  sanctions(roomId: string, now: number): Promise<Sanction[]> {
    const out: Sanction[] = [];
    for (const scope of [roomId, GLOBAL_SCOPE])
      for (const s of this.scopes.get(scope)?.values() ?? [])
        if (inForce(s, now)) out.push({ ...s });
    return Promise.resolve(out);
  }
}
