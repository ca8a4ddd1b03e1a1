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
  type ReportEntry,
  type ReportedEntry,
  type Standing,
} from '../../../rooms/index.js';

/** A reported message: what was reported, and each reporter's reason. */
interface Reported extends Omit<ReportedEntry, 'reporters' | 'reasons'> {
  /** reporter → their reason ('' for none), in the order they reported. */
  reasons: Map<string, string>;
  /** On the room's list (not dismissed since the last new reporter). */
  listed: boolean;
}

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
  /** `${roomId}:${messageId}` → its reports, oldest reported first. */
  private readonly reported = new Map<string, Reported>();
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

  report(e: ReportEntry): Promise<number> {
    const key = `${e.roomId}:${e.messageId}`;
    let m = this.reported.get(key);
    if (!m) {
      const { roomId, messageId, author, text, at } = e;
      m = {
        roomId,
        messageId,
        author,
        text,
        firstAt: at,
        lastAt: at,
        reasons: new Map(),
        listed: true,
      };
      this.reported.set(key, m);
      // bounded: the oldest messages' reports go first
      if (this.reported.size > KEEP_REPORTS) {
        const oldest = this.reported.keys().next();
        if (!oldest.done) this.reported.delete(oldest.value);
      }
    }
    if (!m.reasons.has(e.reporterId)) {
      m.reasons.set(e.reporterId, e.reason ?? '');
      m.lastAt = Math.max(m.lastAt, e.at);
      m.listed = true;
      const user = `${e.roomId}:${e.author.id}`;
      this.userReports.set(user, (this.userReports.get(user) ?? 0) + 1);
    }
    return Promise.resolve(m.reasons.size);
  }

  reports(roomId: string, since: number, limit: number): Promise<ReportedEntry[]> {
    const out: ReportedEntry[] = [];
    for (const m of this.reported.values())
      if (m.roomId === roomId && m.listed && m.lastAt >= since) {
        const { reasons, listed: _listed, ...rest } = m;
        const given = [...reasons.values()].filter((r) => r !== '');
        out.push({
          ...structuredClone(rest),
          reporters: reasons.size,
          reasons: given.reverse().slice(0, 5),
        });
      }
    out.sort((a, b) => b.lastAt - a.lastAt);
    return Promise.resolve(out.slice(0, limit));
  }

  dismiss(roomId: string, messageId: string): Promise<boolean> {
    const m = this.reported.get(`${roomId}:${messageId}`);
    const was = m?.listed ?? false;
    if (m) m.listed = false;
    return Promise.resolve(was);
  }

  sanctions(roomId: string, now: number): Promise<Sanction[]> {
    const out: Sanction[] = [];
    for (const scope of [roomId, GLOBAL_SCOPE])
      for (const s of this.scopes.get(scope)?.values() ?? [])
        if (inForce(s, now)) out.push({ ...s });
    return Promise.resolve(out);
  }
}
