/** How long an appended event's id is remembered, so a second append of it is skipped. */
export const MERCHANT_ID_RETENTION_MS = 7 * 24 * 3600_000;

/** An event for the merchant: an order, or a drop's change of state. */
export interface MerchantEvent {
  /** Stable across redeliveries, so the merchant can drop duplicates. */
  id: string;
  type: string;
  /** When it happened (ms since the epoch). */
  at: number;
  data: Record<string, unknown>;
}

/**
 * Durable events for the merchant, delivered at least once. An appended event stays pending
 * until a sender confirms it; pending events survive restarts, and the events a sender took but
 * never confirmed go to another sender after `reclaimAfterMs`.
 */
export interface MerchantOutboxPort {
  /**
   * Appends an event unless one with its id was appended within {@link MERCHANT_ID_RETENTION_MS}
   * (so relaying the same change twice, from two nodes or after a crash, sends it once). With the
   * `generation` its entry was read under (`Unrelayed.generation`), refused as UNAVAILABLE
   * if the outbox is another one by now (Redis lost it: what was read before goes again, in order,
   * from the order journal).
   */
  append(event: MerchantEvent, now: number, generation?: string): Promise<{ appended: boolean }>;
  /**
   * Up to `limit` events for `sender` to deliver, oldest first: its own unconfirmed ones, then
   * ones another sender left unconfirmed for `reclaimAfterMs`, then new ones.
   */
  take(sender: string, limit: number, reclaimAfterMs: number): Promise<MerchantEvent[]>;
  /** Confirms delivery: the event is not handed out again. */
  delivered(id: string): Promise<void>;
  /** The newest `limit` events, oldest first (the HTTP listing when no webhook is set). */
  recent(limit: number): Promise<MerchantEvent[]>;
  /**
   * Takes or renews, for `ttlMs`, the lease of the one sender that delivers, so the merchant gets
   * events in the outbox's order however many nodes there are; false while another holds it.
   */
  lead(sender: string, ttlMs: number): Promise<boolean>;
}
