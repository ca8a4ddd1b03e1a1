import pg from 'pg';
import type { Logger } from 'pino';
import type { DropState, Order } from '../../../client-sdk/src/protocol/index.js';
import {
  merchantEventOf,
  type DropDefinition,
  type DropLogEntry,
  type MerchantEvent,
} from '../../../rooms/index.js';

/** A drop's log entry as the journal takes it: always with its epoch. */
export type JournalEntry = DropLogEntry & { epoch: number };

/**
 * What the journal made of an entry: `ok` (durable, now or before), or `stale`: it contradicts
 * what the journal holds (another entry at its place, its order id taken by another hold, a sale
 * past the drop's quantity, or an epoch the drop has left), which only a Redis that lost data
 * produces. A stale entry is never journalled; the drop must be restored.
 */
export type Verdict = 'ok' | 'stale';

/** A drop as the journal holds it (for the audit of Redis against it). */
export interface JournalledDrop {
  dropId: string;
  epoch: number;
  /** The highest entry number journalled (0: none). */
  top: number;
  /** Orders journalled. */
  sold: number;
  /** The oldest epoch whose entries Redis may still hold (a full restore moves it up). */
  floor: number;
  settled: boolean;
}

/** What a restore writes back into Redis, read under the drop's lock. */
export interface RestorePlan {
  drop: DropDefinition;
  /** The epoch the drop starts again in. */
  epoch: number;
  /** Every journalled entry, oldest first. */
  entries: JournalEntry[];
  /** The last journalled state, if any. */
  state: DropState | null;
  /** The latest time in the journal (the drop's clock never goes back). */
  clock: number;
  /** The drop's events the merchant has not confirmed, in log order (to send again). */
  undelivered: MerchantEvent[];
}

export interface OrderJournalOptions {
  url: string;
  logger: Logger;
  /** The PostgreSQL schema of the tables (tests give each their own). */
  schema?: string;
  poolSize?: number;
}

interface Row {
  epoch: number;
  n: number;
  type: string;
  at: string;
  state: string | null;
  order_id: string | null;
  hold_id: string | null;
  buyer_id: string | null;
}

function entryOf(row: Row): JournalEntry {
  const base = { n: row.n, epoch: row.epoch, at: Number(row.at) };
  if (row.type === 'order.created')
    return {
      ...base,
      type: 'order.created',
      orderId: row.order_id ?? '',
      holdId: row.hold_id ?? '',
      buyerId: row.buyer_id ?? '',
    };
  return { ...base, type: 'drop.state', state: row.state as DropState };
}

const same = (a: JournalEntry, b: JournalEntry) =>
  a.epoch === b.epoch &&
  a.type === b.type &&
  a.at === b.at &&
  (a.type === 'order.created' && b.type === 'order.created'
    ? a.orderId === b.orderId && a.holdId === b.holdId && a.buyerId === b.buyerId
    : a.type === 'drop.state' && b.type === 'drop.state' && a.state === b.state);

interface Batch {
  entries: JournalEntry[];
  settle: { resolve(verdicts: Verdict[]): void; reject(error: unknown): void; count: number }[];
}

/** How long delivery confirmations wait to be written together. */
const DELIVERED_FLUSH_MS = 100;

/**
 * The system of record for what the Redis engine sells: every drop's definition and every entry
 * of its log (orders, changes of state) in PostgreSQL, committed (fsync'd) before a buyer hears
 * "ordered" and before the merchant is sent anything. Redis stays the fast, shared, atomic place
 * where claims race; the journal is what a Redis that comes back empty or stale is restored from.
 *
 * Appends for one drop made in the same turn of the event loop go as one transaction (group
 * commit), under the drop's row lock, so the journal itself never sells past the quantity, never
 * gives one order id to two holds, and never takes an entry from an epoch the drop has left.
 */
export class OrderJournal {
  private readonly pool: pg.Pool;
  private readonly drops: string;
  private readonly log: string;
  private readonly schema: string;
  private ready: Promise<void> | undefined;
  private readonly batches = new Map<string, Batch>();
  /** Drops with a transaction running. */
  private readonly flushing = new Set<string>();
  private readonly definitions = new Map<string, DropDefinition>();
  private delivered = new Set<string>();
  private deliveredTimer: ReturnType<typeof setTimeout> | undefined;
  private deliveredWrite: Promise<void> = Promise.resolve();

  constructor(private readonly options: OrderJournalOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 8,
      // a journal that does not answer is a retryable UNAVAILABLE, never a hang: no waiting long
      // for a connection, a statement or the drop's lock, and a restorer cut off mid-restore
      // lets go of the lock
      connectionTimeoutMillis: 3000,
      statement_timeout: 10_000,
      lock_timeout: 10_000,
      idle_in_transaction_session_timeout: 60_000,
    });
    // an idle client losing its server must not crash the process: the next query reports it
    this.pool.on('error', (err) =>
      options.logger.warn({ err: err.message }, 'order journal: connection lost'),
    );
    this.schema = pg.escapeIdentifier(options.schema ?? 'liveshop');
    this.drops = `${this.schema}.drops`;
    this.log = `${this.schema}.drop_log`;
  }

  /** Creates the tables once (every node may race to; a lock makes it one at a time). */
  init(): Promise<void> {
    this.ready ??= this.transaction(async (db) => {
      await db.query('SELECT pg_advisory_xact_lock(7734201)');
      await db.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await db.query(`CREATE TABLE IF NOT EXISTS ${this.drops} (
        drop_id text PRIMARY KEY,
        definition jsonb NOT NULL,
        quantity integer NOT NULL,
        epoch integer NOT NULL DEFAULT 0,
        floor integer NOT NULL DEFAULT 0,
        sold integer NOT NULL DEFAULT 0,
        top integer NOT NULL DEFAULT 0,
        settled boolean NOT NULL DEFAULT false,
        created_at bigint NOT NULL)`);
      await db.query(`CREATE TABLE IF NOT EXISTS ${this.log} (
        drop_id text NOT NULL,
        epoch integer NOT NULL,
        n integer NOT NULL,
        event_id text NOT NULL UNIQUE,
        type text NOT NULL,
        at bigint NOT NULL,
        state text,
        order_id text,
        hold_id text,
        buyer_id text,
        delivered boolean NOT NULL DEFAULT false,
        PRIMARY KEY (drop_id, epoch, n))`);
      await db.query(
        `CREATE UNIQUE INDEX IF NOT EXISTS drop_log_order ON ${this.log} (drop_id, order_id)`,
      );
      await db.query(
        `CREATE UNIQUE INDEX IF NOT EXISTS drop_log_hold ON ${this.log} (drop_id, hold_id) WHERE type = 'order.created'`,
      );
      await db.query(
        `CREATE INDEX IF NOT EXISTS drop_log_undelivered ON ${this.log} (drop_id, n) WHERE NOT delivered`,
      );
    }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /**
   * Journals a new drop's definition, before Redis gets it (a drop Redis knows, the journal
   * knows); false when the journal has another drop of this id (two creates raced: the first to
   * commit here is the drop, and the other must not reach Redis). A settled drop whose id is used
   * again (its Redis keys expired) is kept, renamed `<id>#<nonce>`, with its orders.
   */
  async created(drop: DropDefinition, now: number): Promise<boolean> {
    await this.init();
    const mine = await this.transaction(async (db) => {
      const { rows } = await db.query<{ nonce: string; settled: boolean }>(
        `SELECT definition->>'nonce' AS nonce, settled FROM ${this.drops} WHERE drop_id = $1 FOR UPDATE`,
        [drop.id],
      );
      const before = rows[0];
      if (before?.nonce === drop.nonce) return true;
      if (before && !before.settled) return false;
      if (before) {
        const archived = `${drop.id}#${before.nonce}`;
        await db.query(`UPDATE ${this.log} SET drop_id = $2 WHERE drop_id = $1`, [
          drop.id,
          archived,
        ]);
        await db.query(`UPDATE ${this.drops} SET drop_id = $2 WHERE drop_id = $1`, [
          drop.id,
          archived,
        ]);
      }
      await db.query(
        `INSERT INTO ${this.drops} (drop_id, definition, quantity, created_at) VALUES ($1, $2, $3, $4)`,
        [drop.id, JSON.stringify(drop), drop.quantity, now],
      );
      return true;
    });
    this.definitions.delete(drop.id);
    return mine;
  }

  /** The order journalled for a hold, if any. */
  async orderOfHold(
    dropId: string,
    holdId: string,
  ): Promise<{ orderId: string; buyerId: string } | undefined> {
    await this.init();
    const { rows } = await this.pool.query<{ order_id: string; buyer_id: string }>(
      `SELECT order_id, buyer_id FROM ${this.log} WHERE drop_id = $1 AND hold_id = $2 AND type = 'order.created'`,
      [dropId, holdId],
    );
    const row = rows[0];
    return row ? { orderId: row.order_id, buyerId: row.buyer_id } : undefined;
  }

  /**
   * Journals entries of a drop's log; resolves once committed, with a verdict per entry. Group
   * commit: one transaction per drop at a time here, and what arrives while it runs goes in the
   * next one, together. A drop the journal does not know (made before it was configured) takes
   * its entries as they come.
   */
  append(dropId: string, entries: JournalEntry[]): Promise<Verdict[]> {
    if (entries.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      let batch = this.batches.get(dropId);
      if (!batch) {
        batch = { entries: [], settle: [] };
        this.batches.set(dropId, batch);
        if (!this.flushing.has(dropId)) setImmediate(() => void this.flush(dropId));
      }
      batch.entries.push(...entries);
      batch.settle.push({ resolve, reject, count: entries.length });
    });
  }

  private async flush(dropId: string): Promise<void> {
    const batch = this.batches.get(dropId);
    if (!batch || this.flushing.has(dropId)) return;
    this.batches.delete(dropId);
    this.flushing.add(dropId);
    try {
      await this.init();
      const verdicts = await this.transaction((db) => this.write(db, dropId, batch.entries));
      let at = 0;
      for (const s of batch.settle) {
        s.resolve(verdicts.slice(at, at + s.count));
        at += s.count;
      }
    } catch (error) {
      for (const s of batch.settle) s.reject(error);
    } finally {
      this.flushing.delete(dropId);
      // what came in meanwhile
      if (this.batches.has(dropId)) void this.flush(dropId);
    }
  }

  private async write(
    db: pg.PoolClient,
    dropId: string,
    entries: JournalEntry[],
  ): Promise<Verdict[]> {
    const drop = await this.lockDrop(db, dropId);
    if (!drop) return entries.map(() => 'ok');
    this.definitions.set(dropId, drop.definition);
    const existing = await db.query<Row>(
      `SELECT epoch, n, type, at, state, order_id, hold_id, buyer_id FROM ${this.log}
       WHERE drop_id = $1 AND (n = ANY($2::int[]) OR order_id = ANY($3::text[])
         OR hold_id = ANY($4::text[]))`,
      [
        dropId,
        entries.map((e) => e.n),
        entries.flatMap((e) => (e.type === 'order.created' ? [e.orderId] : [])),
        entries.flatMap((e) => (e.type === 'order.created' ? [e.holdId] : [])),
      ],
    );
    // entry numbers never repeat in a drop, whatever the epoch
    const byPlace = new Map<number, JournalEntry>();
    const byOrder = new Map<string, JournalEntry>();
    const byHold = new Map<string, JournalEntry>();
    for (const row of existing.rows) {
      const entry = entryOf(row);
      byPlace.set(entry.n, entry);
      if (entry.type === 'order.created') {
        byOrder.set(entry.orderId, entry);
        byHold.set(entry.holdId, entry);
      }
    }
    let { sold, top } = drop;
    const added: JournalEntry[] = [];
    const verdicts = entries.map((entry): Verdict => {
      const there = byPlace.get(entry.n);
      if (there) return same(there, entry) ? 'ok' : 'stale';
      // entries of the epochs Redis still holds (a soft restore keeps the one before)
      if (entry.epoch > drop.epoch || entry.epoch < drop.floor) return 'stale';
      if (entry.type === 'order.created') {
        const other = byOrder.get(entry.orderId) ?? byHold.get(entry.holdId);
        // one order per order id, and per hold
        if (other) return same(other, entry) ? 'ok' : 'stale';
        if (sold >= drop.quantity) return 'stale';
        sold += 1;
        byOrder.set(entry.orderId, entry);
        byHold.set(entry.holdId, entry);
      }
      byPlace.set(entry.n, entry);
      top = Math.max(top, entry.n);
      added.push(entry);
      return 'ok';
    });
    if (added.length > 0) {
      const orders = added.map((e) => (e.type === 'order.created' ? e : null));
      await db.query(
        `INSERT INTO ${this.log} (drop_id, epoch, n, event_id, type, at, state, order_id, hold_id, buyer_id)
         SELECT $1, * FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::bigint[],
           $7::text[], $8::text[], $9::text[], $10::text[])`,
        [
          dropId,
          added.map((e) => e.epoch),
          added.map((e) => e.n),
          added.map((e) => merchantEventOf(drop.definition, e).id),
          added.map((e) => e.type),
          added.map((e) => e.at),
          added.map((e) => (e.type === 'drop.state' ? e.state : null)),
          orders.map((e) => e?.orderId ?? null),
          orders.map((e) => e?.holdId ?? null),
          orders.map((e) => e?.buyerId ?? null),
        ],
      );
      await db.query(`UPDATE ${this.drops} SET sold = $2, top = $3 WHERE drop_id = $1`, [
        dropId,
        sold,
        top,
      ]);
    }
    return verdicts;
  }

  /** The merchant confirmed an event: it is not sent again after a restore (written in batches). */
  markDelivered(eventId: string): void {
    this.delivered.add(eventId);
    this.deliveredTimer ??= setTimeout(() => void this.flushDelivered(), DELIVERED_FLUSH_MS);
  }

  private flushDelivered(): Promise<void> {
    clearTimeout(this.deliveredTimer);
    this.deliveredTimer = undefined;
    const ids = [...this.delivered];
    this.delivered = new Set();
    if (ids.length === 0) return this.deliveredWrite;
    this.deliveredWrite = this.deliveredWrite
      .then(() => this.init())
      .then(() =>
        this.pool.query(
          `UPDATE ${this.log} SET delivered = true WHERE event_id = ANY($1::text[])`,
          [ids],
        ),
      )
      .then(
        () => undefined,
        (error: unknown) => {
          // lost marks only mean a second delivery after a restore (the merchant drops it by id)
          this.options.logger.warn(
            { err: String(error), events: ids.length },
            'order journal: delivery marks not written',
          );
        },
      );
    return this.deliveredWrite;
  }

  /** Drops whose relay has not finished, with their epochs and newest entry numbers. */
  async unsettled(): Promise<JournalledDrop[]> {
    await this.init();
    const { rows } = await this.pool.query<{
      drop_id: string;
      epoch: number;
      top: number;
      sold: number;
      floor: number;
    }>(
      `SELECT drop_id, epoch, top, sold, floor FROM ${this.drops} WHERE NOT settled ORDER BY created_at, drop_id`,
    );
    return rows.map((r) => ({
      dropId: r.drop_id,
      epoch: r.epoch,
      top: r.top,
      sold: r.sold,
      floor: r.floor,
      settled: false,
    }));
  }

  /** The drop's relay is done: the audit no longer looks at it (its orders stay listed). */
  async settled(dropId: string): Promise<void> {
    await this.init();
    await this.pool.query(`UPDATE ${this.drops} SET settled = true WHERE drop_id = $1`, [dropId]);
  }

  /** A journalled drop's definition, if the journal knows it. */
  async definition(dropId: string): Promise<DropDefinition | undefined> {
    const known = this.definitions.get(dropId);
    if (known) return known;
    await this.init();
    const { rows } = await this.pool.query<{ definition: DropDefinition }>(
      `SELECT definition FROM ${this.drops} WHERE drop_id = $1`,
      [dropId],
    );
    const drop = rows[0]?.definition;
    if (drop) this.definitions.set(dropId, drop);
    return drop;
  }

  /** The drop's journalled orders, oldest first (undefined for a drop the journal does not know). */
  async orders(dropId: string): Promise<Order[] | undefined> {
    if (!(await this.definition(dropId))) return undefined;
    const { rows } = await this.pool.query<Row>(
      `SELECT epoch, n, type, at, state, order_id, hold_id, buyer_id FROM ${this.log}
       WHERE drop_id = $1 AND type = 'order.created' ORDER BY n`,
      [dropId],
    );
    return rows.map((row) => ({
      orderId: row.order_id ?? '',
      dropId,
      holdId: row.hold_id ?? '',
      buyerId: row.buyer_id ?? '',
      at: Number(row.at),
    }));
  }

  /** Events the merchant has not confirmed, per drop in log order (all drops, or one). */
  async undelivered(dropId?: string): Promise<MerchantEvent[]> {
    await this.flushDelivered();
    const { rows } = await this.pool.query<Row & { drop_id: string }>(
      `SELECT drop_id, epoch, n, type, at, state, order_id, hold_id, buyer_id FROM ${this.log}
       WHERE NOT delivered AND ($1::text IS NULL OR drop_id = $1) ORDER BY drop_id, n`,
      [dropId ?? null],
    );
    const events: MerchantEvent[] = [];
    for (const row of rows) {
      const drop = await this.definition(row.drop_id);
      if (drop) events.push(merchantEventOf(drop, entryOf(row)));
    }
    return events;
  }

  /**
   * Restores a drop under its lock, which appends wait for: `decide` looks at Redis and says what
   * it needs (`none`, `soft`: only a new epoch, `full`: rebuilt from the journal); for the other
   * two, the drop's epoch moves on and `apply` writes the plan into Redis before the lock is let
   * go. A restorer that dies lets go of the lock with its connection and changes nothing here.
   * Resolves with what was done (`unknown` for a drop the journal does not know).
   */
  async restore(
    dropId: string,
    decide: (journalled: JournalledDrop) => Promise<'none' | 'soft' | 'full'>,
    apply: (mode: 'soft' | 'full', plan: RestorePlan) => Promise<void>,
  ): Promise<'none' | 'soft' | 'full' | 'unknown'> {
    await this.init();
    return this.transaction(async (db) => {
      const row = await this.lockDrop(db, dropId);
      if (!row) return 'unknown';
      const mode = await decide({
        dropId,
        epoch: row.epoch,
        top: row.top,
        sold: row.sold,
        floor: row.floor,
        settled: row.settled,
      });
      if (mode === 'none') return mode;
      const epoch = row.epoch + 1;
      // a full restore leaves nothing of the epochs before in Redis: their late entries are stale
      await db.query(
        `UPDATE ${this.drops} SET epoch = $2, floor = CASE WHEN $3 THEN $2 ELSE floor END
         WHERE drop_id = $1`,
        [dropId, epoch, mode === 'full'],
      );
      const { rows } = await db.query<Row & { delivered: boolean }>(
        `SELECT epoch, n, type, at, state, order_id, hold_id, buyer_id, delivered FROM ${this.log}
         WHERE drop_id = $1 ORDER BY n`,
        [dropId],
      );
      const entries = rows.map(entryOf);
      const states = entries.filter((e) => e.type === 'drop.state');
      // read here, in the same transaction: a restore needs no second connection of the pool
      const undelivered = rows
        .filter((r) => !r.delivered)
        .map((r) => merchantEventOf(row.definition, entryOf(r)))
        .filter((event) => !this.delivered.has(event.id));
      await apply(mode, {
        drop: row.definition,
        epoch,
        entries,
        state: states.at(-1)?.state ?? null,
        clock: Math.max(0, ...entries.map((e) => e.at)),
        undelivered,
      });
      return mode;
    });
  }

  async close(): Promise<void> {
    await this.flushDelivered();
    await this.pool.end();
  }

  /** A drop's journal row, locked until the transaction ends (appends and restores queue on it). */
  private async lockDrop(db: pg.PoolClient, dropId: string) {
    const { rows } = await db.query<{
      epoch: number;
      floor: number;
      quantity: number;
      sold: number;
      top: number;
      settled: boolean;
      definition: DropDefinition;
    }>(
      `SELECT epoch, floor, quantity, sold, top, settled, definition FROM ${this.drops}
       WHERE drop_id = $1 FOR UPDATE`,
      [dropId],
    );
    return rows[0];
  }

  private async transaction<T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    const db = await this.pool.connect();
    // the pool does not listen to a client it lent: a connection lost meanwhile must not crash
    // the process (the query under way fails, and so the transaction; the client is let go)
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    db.on('error', onError);
    try {
      await db.query('BEGIN');
      const result = await work(db);
      await db.query('COMMIT');
      return result;
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      db.off('error', onError);
      db.release(lost);
    }
  }
}
