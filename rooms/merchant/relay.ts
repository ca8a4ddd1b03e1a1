import type { DropDefinition, DropLogEntry, InventoryPort } from '../ports/inventory.js';
import type { MerchantEvent, MerchantOutboxPort } from '../ports/merchant-outbox.js';

export interface MerchantRelayOptions {
  /** How often every open drop is looked at (orders found by a poke go at once). */
  intervalMs: number;
  /** Log entries relayed per read. */
  batch: number;
  /** A listed drop id with no drop for this long is a creation that never finished: unlisted. */
  orphanAfterMs: number;
}

export interface MerchantRelayHooks {
  now(): number;
  /** Events went into the outbox (the webhook sender may look now). */
  appended(): void;
  failed(error: unknown): void;
}

/** The merchant's view of a drop's log entry; its id is stable (drop id and entry number). */
export function merchantEventOf(drop: DropDefinition, entry: DropLogEntry): MerchantEvent {
  const { product } = drop;
  const base = { dropId: drop.id, roomId: drop.roomId, productId: product.id, sku: product.sku };
  // an entry written after the drop was restored (epoch ≥ 1) never takes an id the lost data gave out
  const id = entry.epoch
    ? `${drop.id}.${drop.nonce}:r${entry.epoch}.${entry.n}`
    : `${drop.id}.${drop.nonce}:${entry.n}`;
  if (entry.type === 'drop.state')
    return {
      id,
      type: 'drop.state',
      at: entry.at,
      data: { ...base, state: entry.state, quantity: drop.quantity },
    };
  return {
    id,
    type: 'order.created',
    at: entry.at,
    data: {
      ...base,
      orderId: entry.orderId,
      holdId: entry.holdId,
      buyerId: entry.buyerId,
      quantity: 1,
      title: product.title,
      price: product.price,
    },
  };
}

/**
 * Copies every drop's log (orders and changes of state, committed atomically with them) into the
 * merchant outbox: a transactional outbox across the two stores. Every node relays every open
 * drop; the outbox skips ids it has seen, so a crash between the append and the cursor, or two
 * nodes relaying at once, never sends an event twice, and nothing committed is ever skipped.
 */
export class MerchantRelay {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private readonly busy = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly inventory: InventoryPort,
    private readonly outbox: MerchantOutboxPort,
    private readonly hooks: MerchantRelayHooks,
    private readonly options: MerchantRelayOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await Promise.allSettled([this.sweeping, ...this.busy.values()]);
  }

  /** A drop's log grew here: relay it now. */
  poke(dropId: string): void {
    if (!this.running) return;
    void this.relay(dropId);
  }

  /** Relays every open drop once (the periodic sweep; tests call it to wait for the relay). */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepAll().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private schedule(wait: number): void {
    this.timer = setTimeout(() => {
      void this.sweep().finally(() => {
        if (this.running) this.schedule(this.options.intervalMs);
      });
    }, wait);
  }

  private async sweepAll(): Promise<void> {
    try {
      const open = await this.inventory.openDrops();
      for (const { dropId, since } of open) await this.relay(dropId, since);
    } catch (error) {
      this.hooks.failed(error);
    }
  }

  /** One relay per drop at a time here; a poke during one runs another after it. */
  private relay(dropId: string, listedSince?: number): Promise<void> {
    const current = this.busy.get(dropId);
    if (current) {
      this.again.add(dropId);
      return current;
    }
    const run = this.relayDrop(dropId, listedSince)
      .catch((error: unknown) => this.hooks.failed(error))
      .finally(() => {
        this.busy.delete(dropId);
        if (this.again.delete(dropId) && this.running) void this.relay(dropId);
      });
    this.busy.set(dropId, run);
    return run;
  }

  private async relayDrop(dropId: string, listedSince?: number): Promise<void> {
    for (;;) {
      const now = this.hooks.now();
      const unrelayed = await this.inventory.unrelayed(dropId, now, this.options.batch);
      if (!unrelayed) {
        if (listedSince !== undefined && now - listedSince >= this.options.orphanAfterMs)
          await this.inventory.closeRelay(dropId);
        return;
      }
      const { drop, entries, settled } = unrelayed;
      let appended = false;
      for (const entry of entries) {
        const event = merchantEventOf(drop, entry);
        const result = await this.outbox.append(event, now, unrelayed.generation);
        appended ||= result.appended;
      }
      const last = entries.at(-1);
      if (last) await this.inventory.markRelayed(dropId, last.n);
      if (appended) this.hooks.appended();
      if (entries.length < this.options.batch) {
        if (settled) await this.inventory.closeRelay(dropId);
        return;
      }
    }
  }
}
