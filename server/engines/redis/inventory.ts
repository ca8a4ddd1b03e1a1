import { CodedError } from '../../../client-sdk/src/protocol/index.js';
import type {
  CancelResult,
  CheckoutResult,
  ClaimResult,
  DropMode,
  DropState,
  DropStock,
  HoldStatus,
  Order,
  Product,
} from '../../../client-sdk/src/protocol/index.js';
import {
  type DropDefinition,
  type DropLogEntry,
  type HoldRecord,
  type ClaimAnswer,
  type ClaimOptions,
  type InventoryPort,
  type LotteryBook,
  type RateRule,
  type Unrelayed,
} from '../../../rooms/index.js';
import { holdSecret } from '../../ids.js';
import { guarded, type RedisClient } from './connection.js';
import { definitionArgs } from './inventory-scripts.js';
import { outboxGeneration } from './merchant-outbox.js';
import type { Keys } from './keys.js';
import type { InventoryJournal } from './recovery.js';

type Entry = [id: string, fields: string[]];

/**
 * How long a settled drop (ended, every hold ended, every event relayed to the merchant) stays in
 * Redis, for `GET /v1/drops/:id/orders` and late lookups; then its keys expire.
 */
export const DROP_RETAIN_MS = 30 * 24 * 3600_000;

/** Most claims one script call carries (it blocks Redis for about 5 µs per claim). */
const MAX_BATCH = 256;

interface PendingClaim {
  buyerId: string;
  key: string;
  now: number;
  ticket: string;
  resolve(answer: ClaimAnswer): void;
  reject(error: unknown): void;
}

const DEFINITION_FIELDS = [
  'roomId',
  'product',
  'quantity',
  'cap',
  'startsAt',
  'endsAt',
  'holdMs',
  'minPresenceMs',
  'mode',
  'seed',
  'seedHash',
  'nonce',
];

/** A log entry from its Stream form (id `0-n`). */
function logEntry([id, fields]: Entry): DropLogEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] ?? ''] = fields[i + 1] ?? '';
  const n = Number(id.slice(id.indexOf('-') + 1));
  const at = Number(f.at);
  const epoch = f.e ? { epoch: Number(f.e) } : {};
  if (f.type === 'order.created')
    return {
      n,
      ...epoch,
      type: 'order.created',
      at,
      orderId: f.order ?? '',
      holdId: f.hold ?? '',
      buyerId: f.buyer ?? '',
    };
  return { n, ...epoch, type: 'drop.state', at, state: f.state as DropState };
}

/** Drops in Redis: every step one Lua script (`inventory-scripts.ts`), so nodes never race. */
export class RedisInventory implements InventoryPort {
  /** Claims waiting for this turn's script call, per drop (the first claim's rate rule applies). */
  private readonly batches = new Map<
    string,
    { claims: PendingClaim[]; rate: RateRule | undefined }
  >();

  /**
   * With a journal (the order journal of {@link DropRecovery}): every drop and order is journalled
   * before anyone hears of it, orders are listed from it, and a drop Redis lost is restored from
   * it when a script finds it missing.
   */
  /** Waits for this turn's writes to reach the replicas (one WAIT for all). */
  private replicating: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly journal?: InventoryJournal,
    /** Replicas a new drop or order must reach (WAIT) before anyone hears of it; 0: none. */
    private readonly replicas: { count: number; timeoutMs: number } = { count: 0, timeoutMs: 0 },
  ) {}

  /**
   * Resolves once every write this connection made so far is on `replicas.count` replicas: one
   * WAIT per turn of the event loop covers every order of the turn. Too few within the timeout:
   * a retryable UNAVAILABLE (the retry gets the same answer, and waits again).
   */
  private replicated(): Promise<void> {
    if (this.replicas.count === 0) return Promise.resolve();
    this.replicating ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      this.replicating = undefined;
      const acked = await guarded(() =>
        this.redis.wait(this.replicas.count, this.replicas.timeoutMs),
      );
      if (acked < this.replicas.count)
        throw new CodedError(
          'UNAVAILABLE',
          `Only ${acked} replica(s) confirmed; retry shortly`,
          1000,
        );
    });
    return this.replicating;
  }

  /** Runs a drop's script; a drop Redis lost (null) is restored from the journal, then asked again. */
  private async run<T>(dropId: string, call: () => Promise<unknown>): Promise<T | null> {
    const reply = (await guarded(call)) as T | null;
    if (reply !== null || !this.journal || !(await this.journal.missing(dropId))) return reply;
    return (await guarded(call)) as T | null;
  }

  async createDrop(drop: DropDefinition, now: number): Promise<{ created: boolean }> {
    // two creates of one id raced: the one the journal took first is the drop
    if (this.journal && !(await this.journal.created(drop, now))) return { created: false };
    // listed first (the room's set and the open list sit on other shards than the drop): a
    // reader skips an id whose drop is not there, so a crash between them leaves nothing visible
    await guarded(() =>
      Promise.all([
        this.redis.zadd(this.keys.roomDrops(drop.roomId), 'NX', String(drop.startsAt), drop.id),
        this.redis.zadd(this.keys.openDrops(), 'NX', String(now), drop.id),
      ]),
    );
    const created = await guarded(() =>
      this.redis.dropCreate(...this.keys.drop(drop.id), now, ...definitionArgs(drop)),
    );
    await this.replicated();
    return { created: created === 1 };
  }

  async dropsOf(roomId: string): Promise<DropDefinition[]> {
    const ids = await guarded(() => this.redis.zrange(this.keys.roomDrops(roomId), '0', '-1'));
    const drops = await Promise.all(ids.map((id) => this.definition(id)));
    return drops.filter((d): d is DropDefinition => d?.roomId === roomId);
  }

  private async definition(dropId: string): Promise<DropDefinition | undefined> {
    const [
      roomId,
      product,
      quantity,
      cap,
      startsAt,
      endsAt,
      holdMs,
      minPresenceMs,
      mode,
      seed,
      hash,
      nonce,
    ] = await guarded(() => this.redis.hmget(this.keys.drop(dropId)[0], ...DEFINITION_FIELDS));
    if (roomId == null || product == null) return undefined;
    return {
      id: dropId,
      roomId,
      product: JSON.parse(product) as Product,
      quantity: Number(quantity),
      perBuyerCap: Number(cap),
      startsAt: Number(startsAt),
      endsAt: Number(endsAt),
      holdMs: Number(holdMs),
      minPresenceMs: Number(minPresenceMs ?? 0),
      nonce: nonce ?? '',
      mode: (mode ?? 'first_come') as DropMode,
      seed: seed || null,
      seedHash: hash || null,
    };
  }

  claim(
    dropId: string,
    buyerId: string,
    key: string,
    now: number,
    options: ClaimOptions = {},
  ): Promise<ClaimAnswer> {
    // claims on one drop wait for the end of this turn of the event loop and go as one script call
    return new Promise((resolve, reject) => {
      let batch = this.batches.get(dropId);
      if (!batch) {
        batch = { claims: [], rate: options.rate };
        this.batches.set(dropId, batch);
        setImmediate(() => void this.flush(dropId));
      }
      batch.claims.push({ buyerId, key, now, ticket: options.ticket ?? '', resolve, reject });
      if (batch.claims.length >= MAX_BATCH) void this.flush(dropId);
    });
  }

  private async flush(dropId: string): Promise<void> {
    const batch = this.batches.get(dropId);
    if (!batch) return;
    this.batches.delete(dropId);
    const { claims, rate } = batch;
    try {
      const args = claims.flatMap((c) => [c.buyerId, c.key, c.now, c.ticket, holdSecret()]);
      const reply = await this.run<string[]>(dropId, () =>
        this.redis.dropClaim(
          ...this.keys.drop(dropId),
          rate?.capacity ?? 0,
          rate?.refillPerSecond ?? 0,
          ...args,
        ),
      );
      if (reply === null) throw new CodedError('DROP_NOT_FOUND', `No drop ${dropId}`);
      claims.forEach((c, i) => c.resolve(JSON.parse(reply[i] ?? '{}') as ClaimAnswer));
    } catch (error) {
      for (const c of claims) c.reject(error);
    }
  }

  async lottery(dropId: string): Promise<LotteryBook | undefined> {
    const [drop, holds] = this.keys.drop(dropId);
    // drawn is read first: winners written by a draw after it are then only left out, never half-read
    const drawnFlag = await guarded(() => this.redis.hget(drop, 'drawn'));
    if (drawnFlag === null) return undefined;
    const drawn = drawnFlag === '1';
    const fields = await guarded(() => this.redis.hgetall(holds));
    const entries: LotteryBook['entries'] = [];
    const winners = new Map<string, string>();
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith('t\n')) entries.push({ ticket: field.slice(2), buyerId: value });
      else if (field.startsWith('w\n')) winners.set(field.slice(2), value);
    }
    return { entries, winners: drawn ? winners : null };
  }

  async draw(
    dropId: string,
    winners: readonly string[],
    entries: number,
    now: number,
  ): Promise<boolean> {
    const reply = await this.run<number>(dropId, () =>
      this.redis.dropDraw(
        ...this.keys.drop(dropId),
        now,
        entries,
        ...winners.flatMap((ticket) => [ticket, holdSecret()]),
      ),
    );
    if (reply === null) throw new CodedError('DROP_NOT_FOUND', `No drop ${dropId}`);
    return reply !== -1;
  }

  async claimed(dropId: string, buyerId: string, key: string): Promise<ClaimResult | undefined> {
    const answer = await guarded(() =>
      this.redis.hget(this.keys.drop(dropId)[5], `claim\n${buyerId}\n${key}`),
    );
    return answer === null ? undefined : (JSON.parse(answer) as ClaimResult);
  }

  async checkout(
    dropId: string,
    holdId: string,
    buyerId: string,
    key: string,
    now: number,
  ): Promise<CheckoutResult> {
    const answer = await this.answer<CheckoutResult & { n?: number; epoch?: number; at?: number }>(
      dropId,
      () => this.redis.dropCheckout(...this.keys.drop(dropId), holdId, buyerId, key, now),
    );
    // a hold Redis does not know, on a drop Redis holds an older copy of than the journal (a
    // failover not yet noticed): restored first, the same checkout then answers hold_lost
    if (answer.outcome === 'not_found' && (await this.journal?.unknownHold(dropId)))
      return this.checkout(dropId, holdId, buyerId, key, now);
    if (answer.outcome !== 'ordered') return answer;
    await this.replicated();
    // the script's answer carries the order's log entry, for the journal (never for the buyer)
    const { n = 0, epoch = 0, at = now, ...order } = answer;
    if (!this.journal || n === 0) return order;
    const entry = { n, epoch, at, type: 'order.created' as const, buyerId, ...order };
    if ((await this.journal.ordered(dropId, entry)) === 'ok') return order;
    // Redis contradicted the journal (it is being restored): the hold's journalled order stands
    const journalled = await this.journal.orderOf(dropId, holdId);
    if (journalled?.buyerId === buyerId)
      return { outcome: 'ordered', orderId: journalled.orderId, holdId };
    return { outcome: 'hold_lost' };
  }

  async cancel(
    dropId: string,
    holdId: string,
    buyerId: string,
    now: number,
  ): Promise<CancelResult> {
    return this.answer<CancelResult>(dropId, () =>
      this.redis.dropCancel(...this.keys.drop(dropId), holdId, buyerId, now),
    );
  }

  async stock(dropId: string, now: number): Promise<DropStock | undefined> {
    const reply = await this.run<string[]>(dropId, () =>
      this.redis.dropStock(...this.keys.drop(dropId), now),
    );
    if (!reply) return undefined;
    const [state, ...figures] = reply;
    const [quantity, remaining, held, sold, startsAt, endsAt] = figures.map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const product = JSON.parse(figures[6] ?? '{}') as Product;
    const [mode, seedHash, entries, drawn, seed] = figures.slice(7);
    return {
      dropId,
      state: state as DropState,
      mode: (mode ?? 'first_come') as DropMode,
      lottery:
        mode === 'lottery'
          ? {
              seedHash: seedHash ?? '',
              entries: Number(entries),
              drawn: drawn === '1',
              seed: drawn === '1' ? (seed ?? null) : null,
            }
          : null,
      productId: product.id,
      quantity,
      remaining,
      held,
      sold,
      startsAt,
      endsAt,
    };
  }

  async hold(dropId: string, holdId: string): Promise<HoldRecord | undefined> {
    const [, holds, , statuses] = this.keys.drop(dropId);
    const [[buyerId, expiresAt], status] = await guarded(() =>
      Promise.all([
        this.redis.hmget(holds, holdId, `${holdId}#expiresAt`),
        this.redis.hget(statuses, holdId),
      ]),
    );
    if (!buyerId || !status) return undefined;
    const ordered = status.startsWith('ordered:');
    return {
      holdId,
      buyerId,
      expiresAt: Number(expiresAt),
      status: (ordered ? 'ordered' : status) as HoldStatus,
      orderId: ordered ? status.slice('ordered:'.length) : null,
    };
  }

  async orders(dropId: string): Promise<Order[]> {
    const journalled = await this.journal?.orders(dropId);
    if (journalled) return journalled;
    const entries = (await guarded(() =>
      this.redis.xrange(this.keys.drop(dropId)[6], '-', '+'),
    )) as Entry[];
    return entries
      .map(logEntry)
      .flatMap((e) =>
        e.type === 'order.created'
          ? [{ orderId: e.orderId, dropId, holdId: e.holdId, buyerId: e.buyerId, at: e.at }]
          : [],
      );
  }

  async openDrops(): Promise<{ dropId: string; since: number }[]> {
    const flat = await guarded(() =>
      this.redis.zrange(this.keys.openDrops(), '0', '-1', 'WITHSCORES'),
    );
    return Array.from({ length: flat.length / 2 }, (_, i) => ({
      dropId: flat[2 * i] ?? '',
      since: Number(flat[2 * i + 1]),
    }));
  }

  async unrelayed(dropId: string, now: number, limit: number): Promise<Unrelayed | undefined> {
    // with the journal, the outbox's generation, read before the entries: if Redis loses the
    // outbox after this, the appends of what was read here are refused (the restore sends it)
    const generation = this.journal
      ? await outboxGeneration(this.redis, this.keys.sentinel())
      : undefined;
    const reply = await this.run<[number, Entry[]]>(dropId, () =>
      this.redis.dropUnrelayed(...this.keys.drop(dropId), now, limit),
    );
    if (!reply) return undefined;
    const drop = await this.definition(dropId);
    if (!drop) return undefined;
    const entries = reply[1].map(logEntry);
    // what goes to the merchant is journalled first; a contradiction stops the relay here
    const relayable = this.journal ? await this.journal.relayed(dropId, entries) : entries;
    return {
      drop,
      entries: relayable,
      settled: reply[0] === 1 && relayable === entries,
      generation,
    };
  }

  async markRelayed(dropId: string, n: number): Promise<void> {
    await guarded(() => this.redis.dropRelayed(...this.keys.drop(dropId), n));
  }

  /**
   * Also sets the settled drop's keys to expire after {@link DROP_RETAIN_MS} (its scripts keep
   * any key they write later on the same clock). A listed id with no drop is only unlisted, and
   * only if it still has none.
   */
  async closeRelay(dropId: string): Promise<void> {
    const keys = this.keys.drop(dropId);
    await guarded(async () => {
      if ((await this.redis.exists(keys[0])) === 1) {
        const pipeline = this.redis.pipeline();
        for (const key of keys) pipeline.pexpire(key, DROP_RETAIN_MS);
        await pipeline.exec();
      }
      await this.redis.zrem(this.keys.openDrops(), dropId);
    });
    await this.journal?.settled(dropId);
  }

  private async answer<T>(dropId: string, call: () => Promise<unknown>): Promise<T> {
    const reply = await this.run<string>(dropId, call);
    if (reply === null) throw new CodedError('DROP_NOT_FOUND', `No drop ${dropId}`);
    return JSON.parse(reply) as T;
  }
}
