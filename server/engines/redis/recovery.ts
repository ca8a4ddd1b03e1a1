import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CodedError, type Order } from '../../../client-sdk/src/protocol/index.js';
import type {
  DropDefinition,
  DropLogEntry,
  MerchantEvent,
  MerchantOutboxPort,
} from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';
import { definitionArgs } from './inventory-scripts.js';
import { outboxGeneration } from './merchant-outbox.js';
import type { Keys } from './keys.js';
import type {
  JournalEntry,
  JournalledDrop,
  OrderJournal,
  RestorePlan,
  Verdict,
} from './order-journal.js';

/** The order journal's side of the Redis inventory (see {@link DropRecovery}). */
export interface InventoryJournal {
  /** Journals a new drop before Redis gets it; false: the journal has another drop of this id. */
  created(drop: DropDefinition, now: number): Promise<boolean>;
  /** The order journalled for a hold, if any (the answer to a checkout Redis contradicted). */
  orderOf(
    dropId: string,
    holdId: string,
  ): Promise<{ orderId: string; buyerId: string } | undefined>;
  /** Journals an order Redis committed: `stale` when Redis contradicts the journal (the hold is lost). */
  ordered(dropId: string, entry: JournalEntry): Promise<Verdict>;
  /** Journals log entries before they go to the merchant; returns those that may go (a prefix). */
  relayed(dropId: string, entries: DropLogEntry[]): Promise<DropLogEntry[]>;
  /** Redis has no such drop: restores it if the journal knows it (true then: ask Redis again). */
  missing(dropId: string): Promise<boolean>;
  /** Redis did not know a hold: true if the drop was behind the journal and is restored now. */
  unknownHold(dropId: string): Promise<boolean>;
  /** The drop's orders as journalled (the system of record), or undefined for an unknown drop. */
  orders(dropId: string): Promise<Order[] | undefined>;
  /** The drop's relay is done. */
  settled(dropId: string): Promise<void>;
}

/** A data loss found and repaired: what the error log, the metric and `engine.restored` say. */
export interface DataLossReport {
  /** `missing`: Redis had lost the drop; `stale`: it had an older copy; `outbox`: its merchant events. */
  kind: 'missing' | 'stale' | 'outbox';
  dropId: string | null;
  /** The epoch the drop starts again in. */
  epoch: number | null;
  /** Orders and units as restored. */
  orders: number;
  /** Merchant events sent again from the journal (the merchant had not confirmed them). */
  redelivered: number;
}

export interface RecoveryOptions {
  /** How often this node checks Redis against the journal. */
  auditMs: number;
  /** Redis Cluster: no single server identity to watch (every shard is checked by its drops). */
  cluster: boolean;
  dataLoss(report: DataLossReport): void;
}

type Reason = 'missing' | 'stale' | 'suspect';
/** What a restore did: nothing (`none`), a new epoch (`soft`), a rebuild (`full`); `unknown` drop. */
type Restored = 'none' | 'soft' | 'full' | 'unknown';

/** An order entry in full (a stale Redis may put another entry at its place: never taken for it). */
const orderKey = (e: JournalEntry) =>
  e.type === 'order.created'
    ? `${e.epoch}:${e.n}:${e.orderId}:${e.holdId}:${e.buyerId}:${e.at}`
    : '';

/** The fields of a drop's hash that say whether Redis is behind the journal. */
const FIELDS = ['id', 'epoch', 'events', 'sold', 'restoring'] as const;

/**
 * Whether Redis lost the drop (`missing`: gone, or a restore left half done) or holds an older
 * copy than the journal (`stale`: another epoch, fewer log entries or fewer orders than were
 * journalled, which a Redis that kept everything never has), by the {@link FIELDS} of its hash.
 */
function behind(drop: JournalledDrop, fields: (string | null)[] | undefined): Reason | null {
  const [id, epoch, events, sold, restoring] = fields ?? [];
  if (id == null || restoring === '1') return 'missing';
  if (Number(epoch ?? 0) !== drop.epoch) return 'stale';
  if (Number(events ?? 0) < drop.top || Number(sold ?? 0) < drop.sold) return 'stale';
  return null;
}

/** Entries per script call when a drop is written back (a call blocks Redis while it runs). */
const RESTORE_CHUNK = 200;

/**
 * Keeps Redis honest against the order journal. Redis can come back empty (restarted without
 * persistence, FLUSHALL) or stale (a lagging replica promoted); this node notices by
 *
 * - a drop missing when a script runs (restored at once, then the script runs again),
 * - an entry the journal refuses as contradicting it (another order at its place, an order id
 *   given twice, a sale past the quantity),
 * - and a periodic audit: Redis's server identity (run and replication ids: a restart or a
 *   failover), a sentinel key (gone: Redis was emptied), and every unsettled drop's epoch and
 *   newest entry against the journal's.
 *
 * A drop found lost is rebuilt from the journal under its lock (definition, orders, their holds as
 * ordered, buyers' counts, state) in a new epoch, so every hold Redis forgot answers `hold_lost`
 * and no new id repeats one the lost data gave out; then every event the merchant had not
 * confirmed is sent again, with an `engine.restored` event. Each loss is an error log line and a
 * report for the metric; `/readyz` says so while drops are being restored.
 */
export class DropRecovery implements InventoryJournal {
  /**
   * Orders this node journalled at checkout and its relay has not sent yet, per drop (by
   * {@link orderKey}): the relay does not journal them again. Forgotten as the relay takes them,
   * or when the drop settles (another node's relay may have sent them).
   */
  private readonly journalled = new Map<string, Set<string>>();
  /** When a hold Redis did not know last made this node check the drop against the journal. */
  private readonly checked = new Map<string, number>();
  /** Redis lost its outbox (or may have): undelivered events are to be sent again, until done. */
  private redeliverPending: 'emptied' | 'suspect' | null = null;
  /** Drops being restored here now. */
  readonly restoring = new Set<string>();
  private readonly inflight = new Map<string, Promise<Restored>>();
  private identity: string | undefined;
  private sentinel: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private auditing: Promise<void> | undefined;
  /** False after the journal failed to answer, until it answers again. */
  healthy = true;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    readonly journal: OrderJournal,
    private readonly outbox: MerchantOutboxPort,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly options: RecoveryOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = () => {
      this.timer = setTimeout(() => {
        void this.audit().finally(() => {
          if (this.running) loop();
        });
      }, this.options.auditMs);
    };
    void this.audit().finally(() => {
      if (this.running) loop();
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await Promise.allSettled([this.auditing, ...this.inflight.values()]);
    await this.journal.close();
  }

  /** Why the engine should not take traffic now, if it should not. */
  notReadyReason(): string | null {
    if (this.restoring.size > 0)
      return `restoring ${this.restoring.size} drop(s) from the order journal after Redis lost data`;
    if (!this.healthy) return 'order journal unreachable';
    return null;
  }

  created(drop: DropDefinition, now: number): Promise<boolean> {
    return this.call(() => this.journal.created(drop, now));
  }

  orderOf(
    dropId: string,
    holdId: string,
  ): Promise<{ orderId: string; buyerId: string } | undefined> {
    return this.call(() => this.journal.orderOfHold(dropId, holdId));
  }

  async ordered(dropId: string, entry: JournalEntry): Promise<Verdict> {
    const [verdict = 'ok'] = await this.call(() => this.journal.append(dropId, [entry]));
    if (verdict === 'stale') this.repair(dropId, entry.epoch);
    else {
      let known = this.journalled.get(dropId);
      if (!known) this.journalled.set(dropId, (known = new Set()));
      known.add(orderKey(entry));
    }
    return verdict;
  }

  async relayed(dropId: string, entries: DropLogEntry[]): Promise<DropLogEntry[]> {
    const journalled = entries.map((e) => ({ ...e, epoch: e.epoch ?? 0 }));
    // the orders this node journalled at checkout need no second transaction now
    const known = this.journalled.get(dropId);
    const unknown = journalled.filter((e) => !known?.delete(orderKey(e)));
    // what is before these entries was relayed (by any node): forgotten here too
    const first = journalled[0]?.n ?? 0;
    if (known) for (const key of known) if (Number(key.split(':')[1]) < first) known.delete(key);
    if (unknown.length === 0) return entries;
    const verdicts = await this.call(() => this.journal.append(dropId, unknown));
    const stale = verdicts.indexOf('stale');
    if (stale === -1) return entries;
    const contradicted = unknown[stale];
    this.repair(dropId, contradicted?.epoch ?? 0);
    return entries.slice(0, contradicted ? journalled.indexOf(contradicted) : 0);
  }

  async missing(dropId: string): Promise<boolean> {
    return (await this.restore(dropId, 'missing', 0)) !== 'unknown';
  }

  async unknownHold(dropId: string): Promise<boolean> {
    // one look per drop and audit period: a crowd of made-up hold ids costs the journal nothing
    const now = this.now();
    if ((this.checked.get(dropId) ?? -Infinity) > now - this.options.auditMs) return false;
    this.checked.set(dropId, now);
    const done = await this.restore(dropId, 'missing', 0);
    return done === 'soft' || done === 'full';
  }

  /** Restores a drop whose entry the journal refused, in the background (logged if it fails). */
  private repair(dropId: string, seenEpoch: number): void {
    this.restore(dropId, 'stale', seenEpoch).catch((error: unknown) =>
      this.logger.warn(
        { err: String(error), dropId },
        'order journal: restore failed; the audit retries',
      ),
    );
  }

  orders(dropId: string): Promise<Order[] | undefined> {
    return this.call(() => this.journal.orders(dropId));
  }

  settled(dropId: string): Promise<void> {
    this.journalled.delete(dropId);
    this.checked.delete(dropId);
    return this.call(() => this.journal.settled(dropId));
  }

  /** The merchant confirmed an event. */
  delivered(eventId: string): void {
    this.journal.markDelivered(eventId);
  }

  /**
   * One audit of Redis against the journal (the periodic one; tests call it to wait for it).
   * `suspect`: Redis is known to have failed over (as a changed identity says), so every open drop
   * moves to a new epoch even if nothing journalled is missing: holds it forgot answer hold_lost.
   */
  audit(options: { suspect?: boolean } = {}): Promise<void> {
    this.auditing ??= this.auditOnce(options.suspect ?? false)
      .catch((error: unknown) => {
        this.logger.warn({ err: String(error) }, 'order journal: audit failed; next one retries');
      })
      .finally(() => {
        this.auditing = undefined;
      });
    return this.auditing;
  }

  /** Resolves once no restore is running here. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
  }

  private async auditOnce(known: boolean): Promise<void> {
    const suspect = (await this.identityChanged()) || known;
    const emptied = await this.sentinelGone();
    const drops = await this.call(() => this.journal.unsettled());
    const pipeline = this.redis.pipeline();
    for (const { dropId } of drops) pipeline.hmget(this.keys.drop(dropId)[0], ...FIELDS);
    const replies = drops.length > 0 ? ((await guarded(() => pipeline.exec())) ?? []) : [];
    if (emptied) this.redeliverPending = 'emptied';
    else if (suspect) this.redeliverPending ??= 'suspect';
    // one drop at a time (each restore holds a connection of the journal's pool)
    for (const [i, drop] of drops.entries()) {
      const [, fields] = replies[i] ?? [];
      const found = behind(drop, fields as (string | null)[] | undefined);
      const reason = found ?? (suspect ? 'suspect' : null);
      if (reason)
        await this.restore(drop.dropId, reason, drop.epoch).catch((error: unknown) =>
          this.logger.warn(
            { err: String(error), dropId: drop.dropId },
            'order journal: restore failed; the next audit retries',
          ),
        );
    }
    const pending = this.redeliverPending;
    if (pending) {
      const redelivered = await this.redeliver();
      this.redeliverPending = null;
      if (pending === 'emptied' && redelivered > 0) {
        this.logger.error(
          { redelivered },
          'Redis lost the merchant outbox: events the merchant had not confirmed are sent again from the order journal',
        );
        this.options.dataLoss({
          kind: 'outbox',
          dropId: null,
          epoch: null,
          orders: 0,
          redelivered,
        });
      }
    }
  }

  /** A new run or replication id since the last audit: Redis restarted or failed over. */
  private async identityChanged(): Promise<boolean> {
    if (this.options.cluster) return false;
    const info = await guarded(() => this.redis.info());
    const field = (name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1] ?? '';
    const identity = `${field('run_id')}/${field('master_replid')}`;
    const changed = this.identity !== undefined && this.identity !== identity;
    if (changed)
      this.logger.warn(
        { was: this.identity, now: identity },
        'Redis restarted or failed over: checking every open drop against the order journal',
      );
    this.identity = identity;
    return changed;
  }

  private generation(): Promise<string> {
    return outboxGeneration(this.redis, this.keys.sentinel());
  }

  /** The sentinel key is gone (or was written again by another node): Redis was emptied. */
  private async sentinelGone(): Promise<boolean> {
    const key = this.keys.sentinel();
    let value = await guarded(() => this.redis.get(key));
    const gone = value === null;
    if (gone) {
      await guarded(() => this.redis.set(key, randomUUID(), 'NX'));
      value = await guarded(() => this.redis.get(key));
    }
    const emptied = gone || (this.sentinel !== undefined && value !== this.sentinel);
    this.sentinel = value ?? undefined;
    return emptied;
  }

  /** Restores a drop (once at a time here); true when Redis has it again. */
  private restore(dropId: string, reason: Reason, seenEpoch: number): Promise<Restored> {
    const current = this.inflight.get(dropId);
    if (current) return current;
    const run = this.restoreDrop(dropId, reason, seenEpoch).finally(() => {
      this.inflight.delete(dropId);
      this.restoring.delete(dropId);
    });
    this.inflight.set(dropId, run);
    return run;
  }

  private async restoreDrop(dropId: string, reason: Reason, seenEpoch: number): Promise<Restored> {
    const keys = this.keys.drop(dropId);
    let plan: RestorePlan | undefined;
    let redelivered = 0;
    const mode = await this.call(() =>
      this.journal.restore(
        dropId,
        async (journalled) => {
          const fields = await guarded(() => this.redis.hmget(keys[0], ...FIELDS));
          // an expired settled drop is not a loss (its orders stay listed from the journal)
          if (journalled.settled && reason === 'missing') return 'none';
          if (behind(journalled, fields)) return 'full';
          const inRedis = Number(fields[1] ?? 0);
          // a contradiction seen in an epoch Redis still holds entries of (a soft restore moved
          // the epoch on, not the floor): not repaired yet
          if (reason === 'stale' && (inRedis <= seenEpoch || journalled.floor <= seenEpoch))
            return 'full';
          if (reason === 'suspect' && inRedis <= seenEpoch) return 'soft';
          return 'none';
        },
        async (how, restored) => {
          this.restoring.add(dropId);
          plan = restored;
          redelivered = await this.write(how, restored);
        },
      ),
    );
    if (mode === 'unknown' || mode === 'none') return mode;
    if (mode === 'soft' || !plan) {
      this.logger.warn(
        { dropId },
        'drop checked against the order journal after a Redis restart or failover: nothing lost',
      );
      return mode;
    }
    const orders = plan.entries.filter((e) => e.type === 'order.created').length;
    const report: DataLossReport = {
      kind: reason === 'missing' ? 'missing' : 'stale',
      dropId,
      epoch: plan.epoch,
      orders,
      redelivered,
    };
    await this.outbox.append(this.restoredEvent(plan, report), this.now(), await this.generation());
    this.logger.error(
      { ...report, quantity: plan.drop.quantity, remaining: plan.drop.quantity - orders },
      'Redis lost data: drop restored from the order journal (holds it forgot answer hold_lost)',
    );
    this.options.dataLoss(report);
    return mode;
  }

  private restoredEvent(plan: RestorePlan, report: DataLossReport): MerchantEvent {
    const { drop } = plan;
    return {
      id: `${drop.id}.${drop.nonce}:restored.${plan.epoch}`,
      type: 'engine.restored',
      at: this.now(),
      data: {
        dropId: drop.id,
        roomId: drop.roomId,
        productId: drop.product.id,
        reason: report.kind,
        epoch: plan.epoch,
        quantity: drop.quantity,
        sold: report.orders,
        remaining: drop.quantity - report.orders,
        orders: plan.entries.flatMap((e) => (e.type === 'order.created' ? [e.orderId] : [])),
        redelivered: report.redelivered,
        holdsLost: true,
      },
    };
  }

  /**
   * Writes a restore plan into Redis (the caller holds the drop's lock in the journal); a full one
   * sends the merchant again what it has not confirmed, before the drop answers again, so those
   * events come before anything the drop logs from then on. Resolves with how many were sent.
   */
  private async write(how: 'soft' | 'full', plan: RestorePlan): Promise<number> {
    const { drop, epoch } = plan;
    const keys = this.keys.drop(drop.id);
    const drawn = drop.mode === 'lottery' && plan.entries.some((e) => e.type === 'order.created');
    await guarded(() =>
      this.redis.dropRestoreBegin(
        ...keys,
        epoch,
        how === 'full' ? 1 : 0,
        ...definitionArgs(drop),
        plan.state ?? 'scheduled',
        Math.round(plan.clock),
        drawn ? 1 : 0,
      ),
    );
    if (how === 'soft') return 0;
    for (let i = 0; i < plan.entries.length; i += RESTORE_CHUNK) {
      const args = plan.entries.slice(i, i + RESTORE_CHUNK).flatMap((e) => {
        const order = e.type === 'order.created' ? [e.orderId, e.holdId, e.buyerId] : ['', '', ''];
        return [e.n, e.epoch, e.type, e.at, e.type === 'drop.state' ? e.state : '', ...order];
      });
      if ((await guarded(() => this.redis.dropRestoreEntries(...keys, epoch, ...args))) !== 1)
        throw new Error(`drop ${drop.id} changed in Redis while it was restored`);
    }
    let redelivered = 0;
    const generation = await this.generation();
    for (const event of plan.undelivered)
      if ((await this.outbox.append(event, this.now(), generation)).appended) redelivered += 1;
    if ((await guarded(() => this.redis.dropRestoreEnd(...keys, epoch))) !== 1)
      throw new Error(`drop ${drop.id} changed in Redis while it was restored`);
    await guarded(() =>
      Promise.all([
        this.redis.zadd(this.keys.roomDrops(drop.roomId), 'NX', String(drop.startsAt), drop.id),
        this.redis.zadd(this.keys.openDrops(), 'NX', String(this.now()), drop.id),
      ]),
    );
    return redelivered;
  }

  /** Appends every event the merchant has not confirmed, of every drop, to the outbox. */
  private async redeliver(): Promise<number> {
    const events = await this.call(() => this.journal.undelivered());
    const generation = await this.generation();
    let appended = 0;
    for (const event of events)
      if ((await this.outbox.append(event, this.now(), generation)).appended) appended += 1;
    return appended;
  }

  /** A journal call; the journal unreachable is a retryable UNAVAILABLE, as Redis away is. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.healthy = true;
      return result;
    } catch (error) {
      if (error instanceof CodedError) throw error;
      if (this.healthy)
        this.logger.error({ err: String(error) }, 'order journal unreachable: orders wait for it');
      this.healthy = false;
      throw new CodedError('UNAVAILABLE', 'The order journal is unreachable; retry shortly', 1000);
    }
  }
}
