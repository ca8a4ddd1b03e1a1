import {
  takeUpTo,
  USED_PASS_GRACE_MS,
  type BucketState,
  type PreQueue,
  type PreQueueAudit,
  type QueueState,
  type QueueTicket,
  type RateRule,
  type WaitingRoomPort,
} from '../../../rooms/index.js';

interface Entry extends QueueTicket {
  /** When it joined with its pass last (null: not yet). */
  usedAt: number | null;
}

interface Line {
  head: number;
  next: number;
  admitted: number;
  bucket: BucketState | undefined;
  entries: Map<string, Entry>;
  byUser: Map<string, string>;
  /** Waiting numbered tickets, by number. */
  line: Map<number, string>;
  /** Seats passes hold: an unused one's until it lapses, a used one's a moment more. */
  passes: Map<string, number>;
  pre:
    | (PreQueue & {
        seed: string;
        state: 'open' | 'closed' | 'ordered';
        /** Pre-queue tickets in arrival order (public id → ticket). */
        entrants: Map<string, string>;
        base: number;
        closedEntrants: string[];
        order: string[];
      })
    | null;
}

/** The embedded engine's waiting rooms: the same rules as the Redis scripts, in one process. */
export class MemoryWaitingRoom implements WaitingRoomPort {
  private readonly rooms = new Map<string, Line>();

  private of(roomId: string): Line {
    let line = this.rooms.get(roomId);
    if (!line) {
      line = {
        head: 0,
        next: 0,
        admitted: 0,
        bucket: undefined,
        entries: new Map(),
        byUser: new Map(),
        line: new Map(),
        passes: new Map(),
        pre: null,
      };
      this.rooms.set(roomId, line);
    }
    return line;
  }

  setPreQueue(roomId: string, pre: (PreQueue & { seed: string }) | null): Promise<void> {
    const line = this.of(roomId);
    const open = line.pre?.state === 'open' ? line.pre : null;
    if (pre === null) {
      // removed before its end: its entrants queue behind, in the order they came
      if (open) {
        line.pre = null;
        for (const ticket of open.entrants.values()) this.number(line, ticket);
      }
      return Promise.resolve();
    }
    const entrants = open?.entrants ?? new Map<string, string>();
    line.pre = { ...pre, state: 'open', entrants, base: 0, closedEntrants: [], order: [] };
    return Promise.resolve();
  }

  enter(
    roomId: string,
    userId: string,
    offer: { ticket: string; publicId: string },
    now: number,
  ): Promise<QueueTicket> {
    const line = this.of(roomId);
    this.close(line, now);
    const known = line.byUser.get(userId);
    const existing = known === undefined ? undefined : line.entries.get(known);
    if (existing) return Promise.resolve(copy(existing));
    const entry: Entry = {
      ticket: offer.ticket,
      publicId: offer.publicId,
      userId,
      number: null,
      admittedAt: null,
      usedAt: null,
    };
    line.entries.set(entry.ticket, entry);
    line.byUser.set(userId, entry.ticket);
    if (line.pre?.state === 'open') line.pre.entrants.set(entry.publicId, entry.ticket);
    else this.number(line, entry.ticket);
    return Promise.resolve(copy(entry));
  }

  ticket(roomId: string, ticket: string): Promise<QueueTicket | undefined> {
    const entry = this.rooms.get(roomId)?.entries.get(ticket);
    return Promise.resolve(entry ? copy(entry) : undefined);
  }

  leave(roomId: string, ticket: string): Promise<void> {
    const line = this.rooms.get(roomId);
    const entry = line?.entries.get(ticket);
    if (!line || !entry) return Promise.resolve();
    line.entries.delete(ticket);
    if (line.byUser.get(entry.userId) === ticket) line.byUser.delete(entry.userId);
    if (entry.number !== null && entry.admittedAt === null) line.line.delete(entry.number);
    line.passes.delete(ticket);
    line.pre?.entrants.delete(entry.publicId);
    return Promise.resolve();
  }

  admit(
    roomId: string,
    now: number,
    free: number,
    rate: RateRule | null,
    passMs: number,
  ): Promise<string[]> {
    const line = this.of(roomId);
    this.close(line, now);
    if (line.pre && line.pre.state !== 'ordered') return Promise.resolve([]);
    // a pass not used in time is gone with its place: its holder queues again at the back
    // a used pass only lets its seat go (its holder is a viewer by now)
    for (const [ticket, until] of line.passes)
      if (until <= now) {
        if (line.entries.get(ticket)?.usedAt != null) line.passes.delete(ticket);
        else this.forget(line, ticket);
      }
    let slots = Math.min(free - line.passes.size, line.line.size);
    if (slots <= 0) return Promise.resolve([]);
    if (rate) {
      const lease = takeUpTo(line.bucket, rate, slots, now);
      if (lease.granted === 0) return Promise.resolve([]);
      slots = lease.granted;
      line.bucket = lease.state;
    }
    const admitted: string[] = [];
    // from the head up: a number with no ticket left its place
    for (let number = line.head; admitted.length < slots && number < line.next; number++) {
      const ticket = line.line.get(number);
      line.head = number + 1;
      if (ticket === undefined) continue;
      line.line.delete(number);
      const entry = line.entries.get(ticket);
      if (!entry) continue;
      entry.admittedAt = now;
      line.passes.set(ticket, now + passMs);
      admitted.push(ticket);
    }
    line.admitted += admitted.length;
    return Promise.resolve(admitted);
  }

  use(roomId: string, ticket: string, now: number, keepMs: number): Promise<boolean> {
    const line = this.rooms.get(roomId);
    const entry = line?.entries.get(ticket);
    if (!line || entry?.admittedAt === null || entry === undefined) return Promise.resolve(false);
    const pass = line.passes.get(ticket);
    const good =
      entry.usedAt === null ? pass !== undefined && pass > now : now - entry.usedAt < keepMs;
    if (!good) {
      this.forget(line, ticket);
      return Promise.resolve(false);
    }
    entry.usedAt = now;
    line.passes.set(ticket, now + USED_PASS_GRACE_MS);
    return Promise.resolve(true);
  }

  state(roomId: string): Promise<QueueState> {
    const line = this.of(roomId);
    const { pre } = line;
    return Promise.resolve({
      head: line.head,
      waiting: line.line.size,
      pre: pre?.state === 'open' ? pre.entrants.size : 0,
      admitted: line.admitted,
      preQueue: pre
        ? {
            until: pre.until,
            seedHash: pre.seedHash,
            dropId: pre.dropId,
            seed: pre.state === 'open' ? null : pre.seed,
            ordered: pre.state === 'ordered',
          }
        : null,
    });
  }

  closePreQueue(
    roomId: string,
    now: number,
  ): Promise<{ entrants: string[]; seed: string } | undefined> {
    const line = this.of(roomId);
    this.close(line, now);
    const { pre } = line;
    if (pre?.state !== 'closed') return Promise.resolve(undefined);
    return Promise.resolve({ entrants: [...pre.closedEntrants], seed: pre.seed });
  }

  orderPreQueue(roomId: string, order: readonly string[]): Promise<void> {
    const line = this.of(roomId);
    const { pre } = line;
    if (pre?.state !== 'closed') return Promise.resolve();
    order.forEach((publicId, i) => {
      const ticket = pre.entrants.get(publicId);
      const entry = ticket === undefined ? undefined : line.entries.get(ticket);
      if (!entry || ticket === undefined) return; // left before its turn was set
      entry.number = pre.base + i;
      line.line.set(entry.number, ticket);
    });
    pre.order = [...order];
    pre.state = 'ordered';
    return Promise.resolve();
  }

  audit(roomId: string): Promise<PreQueueAudit | undefined> {
    const pre = this.rooms.get(roomId)?.pre;
    if (pre?.state !== 'ordered') return Promise.resolve(undefined);
    return Promise.resolve({
      roomId,
      until: pre.until,
      seedHash: pre.seedHash,
      dropId: pre.dropId,
      seed: pre.seed,
      entrants: [...pre.closedEntrants],
      order: [...pre.order],
    });
  }

  /** Drops a ticket whose turn came and went (its holder gets a new place when it enters again). */
  private forget(line: Line, ticket: string): void {
    const entry = line.entries.get(ticket);
    line.passes.delete(ticket);
    if (!entry) return;
    line.entries.delete(ticket);
    if (line.byUser.get(entry.userId) === ticket) line.byUser.delete(entry.userId);
  }

  /** A pre-queue whose end has come stops taking entrants; their numbers are set aside. */
  private close(line: Line, now: number): void {
    const { pre } = line;
    if (pre?.state !== 'open' || now < pre.until) return;
    pre.state = 'closed';
    pre.base = line.next;
    line.next += pre.entrants.size;
    pre.closedEntrants = [...pre.entrants.keys()].sort();
  }

  private number(line: Line, ticket: string): void {
    const entry = line.entries.get(ticket);
    if (!entry) return;
    entry.number = line.next++;
    line.line.set(entry.number, ticket);
  }
}

function copy(entry: Entry): QueueTicket {
  const { usedAt: _, ...ticket } = entry;
  return { ...ticket };
}
