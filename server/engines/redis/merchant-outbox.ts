import {
  MERCHANT_ID_RETENTION_MS,
  type MerchantEvent,
  type MerchantOutboxPort,
} from '../../../rooms/index.js';
import { randomUUID } from 'node:crypto';
import { CodedError } from '../../../client-sdk/src/protocol/index.js';
import { guarded, type RedisClient } from './connection.js';

type Entry = [id: string, fields: string[]];

const GROUP = 'senders';
const MAX_EVENTS = 100_000;

/**
 * The outbox's generation: the sentinel key's value, written first if Redis lost it (a Redis
 * without it was emptied: the order journal's audit notices the new value and sends again what
 * the merchant had not confirmed).
 */
export async function outboxGeneration(redis: RedisClient, sentinelKey: string): Promise<string> {
  // one command: the value there, or this one written now
  const fresh = randomUUID();
  return (await guarded(() => redis.set(sentinelKey, fresh, 'NX', 'GET'))) ?? fresh;
}

function eventOf([entryId, fields]: Entry): MerchantEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] ?? ''] = fields[i + 1] ?? '';
  return {
    id: f.id ?? entryId,
    type: f.type ?? '',
    at: Number(f.at),
    data: JSON.parse(f.data ?? '{}') as Record<string, unknown>,
  };
}

/**
 * The merchant outbox as a Redis Stream read by a consumer group: an append skips an event id seen
 * lately (a sorted set by time, in the same script), XACK confirms delivery, a sender reads its own unconfirmed entries first (after a
 * restart too), and XAUTOCLAIM hands entries a dead sender left to the living.
 */
export class RedisMerchantOutbox implements MerchantOutboxPort {
  private group: Promise<void> | undefined;
  /** Stream entry ids of the events this process took, by event id, for XACK. */
  private readonly entries = new Map<string, string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly idsKey: string,
    /** The engine's sentinel key (its value: the outbox's generation). */
    private readonly sentinelKey: string,
    /** Told of each confirmed delivery (the order journal marks the event delivered). */
    private readonly onDelivered?: (id: string) => void,
  ) {}

  /** The senders' lease, beside the stream (the same slot in a Cluster). */
  private get leaseKey(): string {
    return `${this.key}:sender`;
  }

  async append(
    event: MerchantEvent,
    now: number,
    generation?: string,
  ): Promise<{ appended: boolean }> {
    await this.ensureGroup();
    const added = await guarded(() =>
      this.redis.merchantAppend(
        this.key,
        this.idsKey,
        this.sentinelKey,
        event.id,
        event.type,
        event.at,
        JSON.stringify(event.data),
        now,
        MERCHANT_ID_RETENTION_MS,
        MAX_EVENTS,
        generation ?? '',
      ),
    );
    if (added === -1)
      throw new CodedError('UNAVAILABLE', 'The merchant outbox is being restored; retry', 1000);
    return { appended: added === 1 };
  }

  async take(sender: string, limit: number, reclaimAfterMs: number): Promise<MerchantEvent[]> {
    try {
      return await this.takeFrom(sender, limit, reclaimAfterMs);
    } catch (error) {
      // a Redis that came back empty lost the group with the stream: make it again, once
      if (!(error instanceof Error) || !error.message.startsWith('NOGROUP')) throw error;
      this.group = undefined;
      return this.takeFrom(sender, limit, reclaimAfterMs);
    }
  }

  private async takeFrom(
    sender: string,
    limit: number,
    reclaimAfterMs: number,
  ): Promise<MerchantEvent[]> {
    await this.ensureGroup();
    const taken = new Map<string, MerchantEvent>();
    const add = (entries: Entry[]) => {
      // XAUTOCLAIM gives a null body for an entry trimmed away meanwhile
      for (const entry of entries) {
        if (!Array.isArray(entry[1])) continue;
        const event = eventOf(entry);
        this.entries.set(event.id, entry[0]);
        taken.set(entry[0], event);
      }
    };
    add(await this.read(sender, limit, '0'));
    if (taken.size < limit) {
      const reply = (await guarded(() =>
        this.redis.xautoclaim(
          this.key,
          GROUP,
          sender,
          reclaimAfterMs,
          '0-0',
          'COUNT',
          limit - taken.size,
        ),
      )) as [string, Entry[], ...unknown[]];
      add(reply[1]);
    }
    if (taken.size < limit) add(await this.read(sender, limit - taken.size, '>'));
    // in the stream's order, whoever held them before (ids are `<ms>-<seq>`)
    const order = (id: string) => id.split('-').map(Number) as [number, number];
    return [...taken]
      .sort(([a], [b]) => {
        const [am, as] = order(a);
        const [bm, bs] = order(b);
        return am - bm || as - bs;
      })
      .slice(0, limit)
      .map(([, event]) => event);
  }

  async delivered(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    await guarded(() => this.redis.xack(this.key, GROUP, entry));
    this.entries.delete(id);
    this.onDelivered?.(id);
  }

  async recent(limit: number): Promise<MerchantEvent[]> {
    const entries = (await guarded(() =>
      this.redis.xrevrange(this.key, '+', '-', 'COUNT', limit),
    )) as Entry[];
    return entries.reverse().map(eventOf);
  }

  async lead(sender: string, ttlMs: number): Promise<boolean> {
    const held = await guarded(() => this.redis.merchantLead(this.leaseKey, sender, ttlMs));
    return held === 1;
  }

  private async read(sender: string, count: number, from: '0' | '>'): Promise<Entry[]> {
    const reply = (await guarded(() =>
      this.redis.xreadgroup('GROUP', GROUP, sender, 'COUNT', count, 'STREAMS', this.key, from),
    )) as [string, Entry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  private ensureGroup(): Promise<void> {
    this.group ??= guarded(() => this.redis.xgroup('CREATE', this.key, GROUP, '0', 'MKSTREAM'))
      .then(() => undefined)
      .catch((error: unknown) => {
        if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return;
        this.group = undefined;
        throw error;
      });
    return this.group;
  }
}
