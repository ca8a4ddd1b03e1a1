import type {
  PreQueue,
  PreQueueAudit,
  QueueState,
  QueueTicket,
  RateRule,
  WaitingRoomPort,
} from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';
import type { Keys } from './keys.js';

/** An entry as the scripts store it (short names: it is kept for every ticket). */
interface Stored {
  t: string;
  p: string;
  u: string;
  n?: number;
  a?: number;
}

const ticketOf = (raw: string): QueueTicket => {
  const e = JSON.parse(raw) as Stored;
  return { ticket: e.t, publicId: e.p, userId: e.u, number: e.n ?? null, admittedAt: e.a ?? null };
};

/**
 * Waiting rooms in Redis: each room's line in six keys of its slot, changed only by the scripts
 * in waiting-room-scripts.ts, so admissions from every node are one sequence and a node that dies
 * takes nothing of the line with it.
 */
export class RedisWaitingRoom implements WaitingRoomPort {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async setPreQueue(roomId: string, pre: (PreQueue & { seed: string }) | null): Promise<void> {
    const args = pre ? [pre.until, pre.seed, pre.seedHash, pre.dropId ?? ''] : [];
    await guarded(() => this.redis.queueSetPre(...this.keys.queue(roomId), ...args));
  }

  async enter(
    roomId: string,
    userId: string,
    offer: { ticket: string; publicId: string },
    now: number,
  ): Promise<QueueTicket> {
    const raw = await guarded(() =>
      this.redis.queueEnter(...this.keys.queue(roomId), userId, offer.ticket, offer.publicId, now),
    );
    return ticketOf(raw as string);
  }

  async ticket(roomId: string, ticket: string): Promise<QueueTicket | undefined> {
    const [, , , entries] = this.keys.queue(roomId);
    const raw = await guarded(() => this.redis.hget(entries, ticket));
    return raw === null ? undefined : ticketOf(raw);
  }

  async leave(roomId: string, ticket: string): Promise<void> {
    await guarded(() => this.redis.queueLeave(...this.keys.queue(roomId), ticket));
  }

  async admit(
    roomId: string,
    now: number,
    free: number,
    rate: RateRule | null,
    passMs: number,
  ): Promise<string[]> {
    const admitted = await guarded(() =>
      this.redis.queueAdmit(
        ...this.keys.queue(roomId),
        now,
        free,
        rate?.capacity ?? 0,
        rate?.refillPerSecond ?? 0,
        passMs,
      ),
    );
    return admitted as string[];
  }

  async use(roomId: string, ticket: string, now: number, keepMs: number): Promise<boolean> {
    const used = await guarded(() =>
      this.redis.queueUse(...this.keys.queue(roomId), ticket, now, keepMs),
    );
    return used === 1;
  }

  async state(roomId: string): Promise<QueueState> {
    const reply = (await guarded(() => this.redis.queueState(...this.keys.queue(roomId)))) as (
      string | number
    )[];
    const [head, waiting, pre, admitted, preState, until, seedHash, seed, dropId] =
      reply.map(String);
    return {
      head: Number(head),
      waiting: Number(waiting),
      pre: preState === 'open' ? Number(pre) : 0,
      admitted: Number(admitted),
      preQueue:
        preState === ''
          ? null
          : {
              until: Number(until),
              seedHash: seedHash ?? '',
              dropId: dropId ? dropId : null,
              seed: seed ? seed : null,
              ordered: preState === 'ordered',
            },
    };
  }

  async closePreQueue(
    roomId: string,
    now: number,
  ): Promise<{ entrants: string[]; seed: string } | undefined> {
    const reply = (await guarded(() =>
      this.redis.queueClosePre(...this.keys.queue(roomId), now),
    )) as (string | null)[];
    const [seed, entrants] = reply;
    if (!seed || !entrants) return undefined;
    return { seed, entrants: JSON.parse(entrants) as string[] };
  }

  async orderPreQueue(roomId: string, order: readonly string[]): Promise<void> {
    await guarded(() =>
      this.redis.queueOrderPre(...this.keys.queue(roomId), JSON.stringify(order)),
    );
  }

  async audit(roomId: string): Promise<PreQueueAudit | undefined> {
    const reply = (await guarded(() => this.redis.queueAudit(...this.keys.queue(roomId)))) as (
      string | null
    )[];
    const [until, seedHash, seed, dropId, entrants, order] = reply;
    if (!until || !seedHash || !seed || !entrants || !order) return undefined;
    return {
      roomId,
      until: Number(until),
      seedHash,
      seed,
      dropId: dropId ? dropId : null,
      entrants: JSON.parse(entrants) as string[],
      order: JSON.parse(order) as string[],
    };
  }
}
