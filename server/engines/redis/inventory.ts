import type {
  CancelResult,
  CheckoutResult,
  ClaimResult,
  DropStock,
  HoldStatus,
  Order,
} from '../../../client-sdk/src/protocol/index.js';
import {
  RoomError,
  dropState,
  type DropDefinition,
  type HoldRecord,
  type InventoryPort,
} from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';
import type { Keys } from './keys.js';

/** Drops in Redis: every step one Lua script (`inventory-scripts.ts`), so nodes never race. */
export class RedisInventory implements InventoryPort {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async createDrop(drop: DropDefinition): Promise<{ created: boolean }> {
    // listed first (the room's set sits on the room's shard, the drop on its own): a reader
    // skips an id whose drop is not there, so a crash between the two leaves nothing visible
    await guarded(() =>
      this.redis.zadd(this.keys.roomDrops(drop.roomId), 'NX', String(drop.startsAt), drop.id),
    );
    const created = await guarded(() =>
      this.redis.dropCreate(
        ...this.keys.drop(drop.id),
        drop.id,
        drop.roomId,
        drop.productId,
        drop.quantity,
        drop.perBuyerCap,
        drop.startsAt,
        drop.endsAt,
        drop.holdMs,
      ),
    );
    return { created: created === 1 };
  }

  async dropsOf(roomId: string): Promise<DropDefinition[]> {
    const ids = await guarded(() => this.redis.zrange(this.keys.roomDrops(roomId), '0', '-1'));
    const fields = ['roomId', 'productId', 'quantity', 'cap', 'startsAt', 'endsAt', 'holdMs'];
    const rows = await guarded(() =>
      Promise.all(ids.map((id) => this.redis.hmget(this.keys.drop(id)[0], ...fields))),
    );
    return rows.flatMap((row, i) => {
      const [room, productId, quantity, cap, startsAt, endsAt, holdMs] = row;
      if (room !== roomId || productId == null) return [];
      return [
        {
          id: ids[i] ?? '',
          roomId,
          productId,
          quantity: Number(quantity),
          perBuyerCap: Number(cap),
          startsAt: Number(startsAt),
          endsAt: Number(endsAt),
          holdMs: Number(holdMs),
        },
      ];
    });
  }

  async claim(dropId: string, buyerId: string, key: string, now: number): Promise<ClaimResult> {
    return this.answer<ClaimResult>(dropId, () =>
      this.redis.dropClaim(...this.keys.drop(dropId), buyerId, key, now),
    );
  }

  async checkout(
    dropId: string,
    holdId: string,
    buyerId: string,
    key: string,
    now: number,
  ): Promise<CheckoutResult> {
    return this.answer<CheckoutResult>(dropId, () =>
      this.redis.dropCheckout(...this.keys.drop(dropId), holdId, buyerId, key, now),
    );
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
    const reply = (await guarded(() => this.redis.dropStock(...this.keys.drop(dropId), now))) as
      string[] | null;
    if (!reply) return undefined;
    const [quantity, remaining, held, sold, startsAt, endsAt] = reply.map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return {
      dropId,
      state: dropState({ startsAt, endsAt }, remaining, now),
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
    const entries = (await guarded(() =>
      this.redis.xrange(this.keys.drop(dropId)[6], '-', '+'),
    )) as [string, string[]][];
    return entries.map(([, fields]) => {
      const f = Object.fromEntries(
        Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]]),
      ) as Record<string, string>;
      return {
        orderId: f.order ?? '',
        dropId,
        holdId: f.hold ?? '',
        buyerId: f.buyer ?? '',
        at: Number(f.at),
      };
    });
  }

  private async answer<T>(dropId: string, call: () => Promise<unknown>): Promise<T> {
    const reply = (await guarded(call)) as string | null;
    if (reply === null) throw new RoomError('DROP_NOT_FOUND', `No drop ${dropId}`);
    return JSON.parse(reply) as T;
  }
}
