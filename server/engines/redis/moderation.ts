import {
  DecisionRecord,
  Sanction,
  type SanctionKind,
} from '../../../client-sdk/src/protocol/index.js';
import {
  GLOBAL_SCOPE,
  inForce,
  matchesQuery,
  type DecisionQuery,
  type HeldEntry,
  type ModerationStore,
  REPORT_TTL_MS,
  type ReportEntry,
  type ReportedEntry,
  type Standing,
} from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';
import type { Keys } from './keys.js';

/** Statements of reasons kept (a capped stream: the oldest go first). */
const KEEP_DECISIONS = 1_000_000;
/** A held message nobody decided on is forgotten after a week. */
const HELD_TTL_S = 7 * 86_400;
/** Records are appended with the node's time and the stream orders by Redis's: allow this much skew. */
const CLOCK_SKEW_MS = 60_000;
const KINDS: readonly SanctionKind[] = ['timeout', 'ban', 'shadow'];

/**
 * Moderation's state in Redis: statements of reasons in one capped stream (read in pages with
 * XRANGE), each room's held messages in a hash (taken with HGET and HDEL in one transaction, so
 * exactly one moderator gets each), and sanctions in a hash per scope (a room, or `*`).
 */
export class RedisModeration implements ModerationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async record(records: readonly DecisionRecord[]): Promise<void> {
    if (records.length === 0) return;
    const key = this.keys.decisions();
    await guarded(() => {
      const batch = this.redis.pipeline();
      for (const r of records)
        batch.xadd(key, 'MAXLEN', '~', KEEP_DECISIONS, '*', 'd', JSON.stringify(r));
      return batch.exec();
    });
  }

  async decisions(q: DecisionQuery): Promise<{ records: DecisionRecord[]; cursor?: string }> {
    const key = this.keys.decisions();
    let start =
      q.cursor === undefined ? `${Math.max(0, q.since - CLOCK_SKEW_MS)}-0` : `(${q.cursor}`;
    const records: DecisionRecord[] = [];
    const page = Math.max(100, Math.min(q.limit, 1000));
    for (;;) {
      const entries = await guarded(() => this.redis.xrange(key, start, '+', 'COUNT', page));
      for (const [id, fields] of entries) {
        const record = DecisionRecord.safeParse(JSON.parse(fields[1] ?? 'null'));
        if (record.success && matchesQuery(record.data, q)) records.push(record.data);
        if (records.length >= q.limit) return { records, cursor: id };
      }
      const last = entries.at(-1);
      if (!last || entries.length < page) return { records };
      start = `(${last[0]}`;
    }
  }

  async hold(entry: HeldEntry): Promise<void> {
    const key = this.keys.held(entry.roomId);
    await guarded(() =>
      this.redis.multi().hset(key, entry.id, JSON.stringify(entry)).expire(key, HELD_TTL_S).exec(),
    );
  }

  async held(roomId: string): Promise<HeldEntry[]> {
    const all = await guarded(() => this.redis.hvals(this.keys.held(roomId)));
    return all.map((v) => JSON.parse(v) as HeldEntry).sort((a, b) => a.heldAt - b.heldAt);
  }

  async take(roomId: string, messageId: string): Promise<HeldEntry | undefined> {
    const key = this.keys.held(roomId);
    const result = await guarded(() =>
      this.redis.multi().hget(key, messageId).hdel(key, messageId).exec(),
    );
    const [got, deleted] = result ?? [];
    if (!got || !deleted || deleted[1] !== 1 || typeof got[1] !== 'string') return undefined;
    return JSON.parse(got[1]) as HeldEntry;
  }

  async sanction(s: Sanction): Promise<void> {
    await guarded(() =>
      this.redis.hset(this.keys.sanctions(s.scope), `${s.userId}:${s.kind}`, JSON.stringify(s)),
    );
  }

  async lift(scope: string, userId: string, kind: SanctionKind): Promise<boolean> {
    const n = await guarded(() => this.redis.hdel(this.keys.sanctions(scope), `${userId}:${kind}`));
    return n === 1;
  }

  async standing(roomId: string, userId: string, now: number): Promise<Standing> {
    const fields = KINDS.map((k) => `${userId}:${k}`);
    // two scopes, two keys (in a cluster, two slots): read both at once
    const [local, global] = await guarded(() =>
      Promise.all([
        this.redis.hmget(this.keys.sanctions(roomId), ...fields, `${userId}:reported`),
        this.redis.hmget(this.keys.sanctions(GLOBAL_SCOPE), ...fields),
      ]),
    );
    const reported = Number(local.pop() ?? 0);
    return {
      sanctions: [...local, ...global].flatMap((v) => this.parse(v, now)),
      reports: Number.isFinite(reported) ? reported : 0,
    };
  }

  async report(e: ReportEntry): Promise<number> {
    const what = JSON.stringify({ author: e.author, text: e.text, firstAt: e.at });
    const reporters = await guarded(() =>
      this.redis.reportMessage(
        this.keys.report(e.roomId, e.messageId),
        this.keys.reported(e.roomId),
        this.keys.sanctions(e.roomId),
        e.messageId,
        e.reporterId,
        e.at,
        e.reason ?? '',
        what,
        e.author.id,
        REPORT_TTL_MS,
      ),
    );
    return Number(reporters);
  }

  async reports(roomId: string, since: number, limit: number): Promise<ReportedEntry[]> {
    const listed = await guarded(() =>
      this.redis.zrevrangebyscore(this.keys.reported(roomId), '+inf', since, 'LIMIT', 0, limit),
    );
    const all = await Promise.all(
      listed.map((id) => guarded(() => this.redis.hgetall(this.keys.report(roomId, id)))),
    );
    return listed.flatMap((messageId, i) => {
      const { m, ...fields } = all[i] ?? {};
      if (m === undefined) return []; // expired meanwhile
      const reports = Object.entries(fields).flatMap(([field, value]) => {
        if (!field.startsWith('r:')) return [];
        const cut = value.indexOf('\n');
        return [{ at: Number(value.slice(0, cut)), reason: value.slice(cut + 1) }];
      });
      reports.sort((a, b) => b.at - a.at);
      const what = JSON.parse(m) as Pick<ReportedEntry, 'author' | 'text' | 'firstAt'>;
      return [
        {
          ...what,
          messageId,
          roomId,
          reporters: reports.length,
          reasons: reports.flatMap((r) => (r.reason === '' ? [] : [r.reason])).slice(0, 5),
          lastAt: reports[0]?.at ?? what.firstAt,
        },
      ];
    });
  }

  async dismiss(roomId: string, messageId: string): Promise<boolean> {
    const n = await guarded(() => this.redis.zrem(this.keys.reported(roomId), messageId));
    return n === 1;
  }

  async sanctions(roomId: string, now: number): Promise<Sanction[]> {
    const [local, global] = await guarded(() =>
      Promise.all([
        this.redis.hvals(this.keys.sanctions(roomId)),
        this.redis.hvals(this.keys.sanctions(GLOBAL_SCOPE)),
      ]),
    );
    return [...local, ...global].flatMap((v) => this.parse(v, now));
  }

  private parse(value: string | null, now: number): Sanction[] {
    if (value === null) return [];
    const s = Sanction.safeParse(JSON.parse(value));
    return s.success && inForce(s.data, now) ? [s.data] : [];
  }
}
