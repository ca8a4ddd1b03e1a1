import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  CodedError,
  drawLottery,
  type QueueStatus,
  type RoomAdmission,
} from '../client-sdk/src/protocol/index.js';
import {
  isStaff,
  roleIn,
  type Engine,
  type QueueState,
  type RateRule,
  type RoomRegistry,
  type StreamRoom,
} from '../rooms/index.js';
import type { Session } from './session.js';

/** How the node runs waiting rooms. */
export interface WaitingRoomOptions {
  /** How often a room with people waiting here admits and tells them where they stand. */
  tickMs: number;
  /** How long an admitted ticket holds its seat before its holder joins. */
  passMs: number;
  /** How long a viewer who joined may come back (a reconnect) with the pass, without queueing. */
  keepMs: number;
  /** Every room's waiting room unless it has its own (null fields: none). */
  defaults: { capacity: number | null; admitPerSecond: number | null };
}

/** The waiting room in force in a room: its own, or the node's defaults. */
type InForce = Pick<RoomAdmission, 'capacity' | 'admitPerSecond'> & {
  preQueue: RoomAdmission['preQueue'];
};

interface Waiter {
  session: Session;
  ticket: string;
  publicId: string;
  number: number | null;
  /** What it was told last, to tell it again only when something changed. */
  told: string;
  toldAt: number;
}

interface Line {
  roomId: string;
  waiters: Map<string, Waiter>;
  timer: NodeJS.Timeout | undefined;
  /** The room's replica, held loaded while people wait here. */
  release: (() => void) | undefined;
  /** Admissions a second (smoothed), from the line's progress. */
  perSecond: number;
  last: { admitted: number; at: number } | null;
  soldOut: Set<string>;
}

/** A waiter is told again at least this often while it waits (its estimate moves). */
const RETELL_MS = 2000;
/** Weight of the newest measurement in the smoothed admission rate. */
const SMOOTHING = 0.3;
/** "No cap": more seats than any room has viewers. */
const NO_CAP = 1_000_000_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The node's side of waiting rooms: it decides joins (a pass, or a free seat with nobody ahead),
 * takes people's places in line, and for each room with people waiting here it admits the next
 * (the engine keeps admission atomic across nodes), shuffles a pre-queue at its end with the
 * committed seed, and tells each waiter its place, its estimate, its turn and the drops that sold
 * out meanwhile.
 */
export class WaitingRooms {
  private readonly lines = new Map<string, Line>();
  private closed = false;

  constructor(
    private readonly engine: Pick<Engine, 'waitingRoom' | 'presence'>,
    private readonly registry: RoomRegistry,
    private readonly options: WaitingRoomOptions,
    /**
     * Null unless overload sheds new joins; then the joins a second this node still lets in (0:
     * none; the waiting keep their places).
     */
    private readonly shedding: () => number | null,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /**
   * How fast a room admits now: its own rate, or while overload sheds new joins at most the
   * node's trickle; undefined: nobody is admitted now.
   */
  private rate(rules: InForce): RateRule | null | undefined {
    const trickle = this.shedding();
    if (trickle === null) return rateOf(rules.admitPerSecond);
    if (trickle <= 0) return undefined;
    return rateOf(Math.min(rules.admitPerSecond ?? Infinity, trickle));
  }

  /** The waiting room in force in a room, or null when it has none. */
  inForce(room: StreamRoom): InForce | null {
    const own = room.state.admission;
    if (own) return own;
    const { capacity, admitPerSecond } = this.options.defaults;
    if (capacity === null && admitPerSecond === null) return null;
    return { capacity, admitPerSecond, preQueue: null };
  }

  /**
   * Lets a join through, or refuses it with ROOM_FULL (the caller then queues). Staff and rooms
   * without a waiting room pass; a good pass passes; with nobody ahead and a seat free, the
   * joiner takes its place and its turn at once. Returns the pass to give back (none: no waiting room).
   */
  async admitJoin(
    session: Session,
    room: StreamRoom,
    ticket?: string,
  ): Promise<string | undefined> {
    const rules = this.inForce(room);
    if (!rules || isStaff(roleIn(session.identity, room))) return undefined;
    const port = this.engine.waitingRoom;
    const now = this.now();
    if (ticket !== undefined && (await port.use(room.id, ticket, now, this.options.keepMs)))
      return ticket;
    const entry = await port.enter(room.id, session.identity.id, offer(room.id), now);
    const rate = this.rate(rules);
    if (entry.admittedAt === null && entry.number !== null && rate !== undefined)
      await port.admit(room.id, now, await this.free(room.id, rules), rate, this.options.passMs);
    if (await port.use(room.id, entry.ticket, now, this.options.keepMs)) return entry.ticket;
    throw new CodedError(
      'ROOM_FULL',
      'This room is full or letting people in at its pace: take a place in line (queue:enter)',
    );
  }

  /** Takes (or finds again) the session's place in the room's line and follows it from here. */
  async enter(session: Session, room: StreamRoom): Promise<QueueStatus> {
    const rules = this.inForce(room);
    const port = this.engine.waitingRoom;
    const entry = await port.enter(room.id, session.identity.id, offer(room.id), this.now());
    const line = this.line(room);
    const waiter: Waiter = {
      session,
      ticket: entry.ticket,
      publicId: entry.publicId,
      number: entry.admittedAt === null ? entry.number : -1,
      told: '',
      toldAt: 0,
    };
    line.waiters.set(entry.ticket, waiter);
    const status = this.statusOf(line, waiter, await port.state(room.id), rules);
    waiter.told = key(status);
    waiter.toldAt = this.now();
    this.schedule(line, 0);
    return status;
  }

  audit(roomId: string): ReturnType<Engine['waitingRoom']['audit']> {
    return this.engine.waitingRoom.audit(roomId);
  }

  async leave(session: Session, roomId: string, ticket: string): Promise<void> {
    const line = this.lines.get(roomId);
    const waiter = line?.waiters.get(ticket);
    if (waiter && waiter.session !== session) return;
    const entry = await this.engine.waitingRoom.ticket(roomId, ticket);
    if (entry && entry.userId !== session.identity.id) return;
    line?.waiters.delete(ticket);
    await this.engine.waitingRoom.leave(roomId, ticket);
  }

  /** A connection closed: it waits nowhere here any more (its places stay: it may come back). */
  forget(session: Session): void {
    for (const line of this.lines.values())
      for (const [ticket, waiter] of line.waiters)
        if (waiter.session === session) line.waiters.delete(ticket);
  }

  /** The session joined: it no longer waits in that room. */
  joined(session: Session, roomId: string): void {
    const line = this.lines.get(roomId);
    if (!line) return;
    for (const [ticket, waiter] of line.waiters)
      if (waiter.session === session) line.waiters.delete(ticket);
  }

  close(): void {
    this.closed = true;
    for (const line of this.lines.values()) {
      clearTimeout(line.timer);
      line.release?.();
    }
    this.lines.clear();
  }

  private line(room: StreamRoom): Line {
    let line = this.lines.get(room.id);
    if (!line) {
      line = {
        roomId: room.id,
        waiters: new Map(),
        timer: undefined,
        release: undefined,
        perSecond: 0,
        last: null,
        soldOut: new Set(),
      };
      this.lines.set(room.id, line);
      const held = line;
      // the replica stays loaded (its drops' stock, its settings) while people wait here
      void room
        .holding(() => new Promise<void>((resolve) => (held.release = resolve)))
        .catch(() => undefined);
    }
    return line;
  }

  private schedule(line: Line, delayMs: number): void {
    if (this.closed || line.timer) return;
    line.timer = setTimeout(() => {
      line.timer = undefined;
      this.run(line).then(
        () => {
          if (line.waiters.size > 0) this.schedule(line, this.options.tickMs);
          else this.drop(line);
        },
        (error: unknown) => {
          this.logger.warn({ err: error, room: line.roomId }, 'waiting room: will retry');
          this.schedule(line, this.options.tickMs);
        },
      );
    }, delayMs);
    line.timer.unref();
  }

  private drop(line: Line): void {
    if (this.lines.get(line.roomId) !== line) return;
    this.lines.delete(line.roomId);
    line.release?.();
  }

  /** One turn: order a pre-queue whose end came, admit who is next, tell everyone here. */
  private async run(line: Line): Promise<void> {
    const room = this.registry.get(line.roomId) ?? (await this.registry.find(line.roomId));
    if (!room) {
      line.waiters.clear();
      return;
    }
    const port = this.engine.waitingRoom;
    const now = this.now();
    const closed = await port.closePreQueue(room.id, now);
    if (closed) {
      const order = await drawLottery(closed.seed, closed.entrants, closed.entrants.length, sha256);
      await port.orderPreQueue(room.id, order);
      this.logger.info(
        { room: room.id, entrants: order.length },
        'waiting room: pre-queue shuffled with its committed seed',
      );
    }
    const rules = this.inForce(room);
    const rate = rules ? this.rate(rules) : undefined;
    if (rules && rate !== undefined)
      await port.admit(room.id, now, await this.free(room.id, rules), rate, this.options.passMs);
    else if (!rules) await port.admit(room.id, now, NO_CAP, null, this.options.passMs);
    const state = await port.state(room.id);
    this.measure(line, state, now);
    // pre-queue entrants learn their number once it was shuffled
    if (state.preQueue?.ordered)
      await Promise.all(
        [...line.waiters.values()]
          .filter((w) => w.number === null)
          .map(async (w) => {
            const entry = await port.ticket(room.id, w.ticket);
            if (entry) w.number = entry.admittedAt === null ? entry.number : -1;
          }),
      );
    for (const stock of await room.drops.feed.latest())
      if (stock.state === 'sold_out' || stock.state === 'ended') line.soldOut.add(stock.dropId);
    for (const waiter of line.waiters.values()) {
      if (!waiter.session.socket.connected) {
        line.waiters.delete(waiter.ticket);
        continue;
      }
      const status = this.statusOf(line, waiter, state, rules);
      const told = key(status);
      if (told === waiter.told && now - waiter.toldAt < RETELL_MS) continue;
      waiter.told = told;
      waiter.toldAt = now;
      waiter.session.socket.emit('queue:update', status);
      // told its turn: it joins next; a pass unused lapses by itself
      if (status.status === 'admitted') line.waiters.delete(waiter.ticket);
    }
  }

  private measure(line: Line, state: QueueState, now: number): void {
    const { last } = line;
    line.last = { admitted: state.admitted, at: now };
    if (!last || now <= last.at) return;
    const rate = ((state.admitted - last.admitted) * 1000) / (now - last.at);
    line.perSecond =
      line.perSecond === 0 ? rate : SMOOTHING * rate + (1 - SMOOTHING) * line.perSecond;
  }

  private statusOf(
    line: Line,
    waiter: Waiter,
    state: QueueState,
    rules: InForce | null,
  ): QueueStatus {
    const pre = state.preQueue;
    const admitted = waiter.number === -1 || (waiter.number !== null && waiter.number < state.head);
    const position =
      admitted || waiter.number === null ? null : Math.max(1, waiter.number - state.head + 1);
    const perSecond = line.perSecond > 0 ? line.perSecond : (rules?.admitPerSecond ?? 0);
    const now = this.now();
    const estimatedWaitMs =
      waiter.number === null && pre
        ? Math.max(0, pre.until - now)
        : position === null
          ? admitted
            ? 0
            : null
          : perSecond > 0
            ? Math.round((position * 1000) / perSecond)
            : null;
    return {
      roomId: line.roomId,
      ticket: waiter.ticket,
      publicId: waiter.publicId,
      status: admitted ? 'admitted' : waiter.number === null ? 'pre' : 'waiting',
      position,
      estimatedWaitMs,
      preQueue: pre
        ? { until: pre.until, seedHash: pre.seedHash, seed: pre.seed, dropId: pre.dropId }
        : null,
      soldOut: [...line.soldOut],
    };
  }

  /** Seats free now: the capacity less the room's viewers on every node. */
  private async free(roomId: string, rules: InForce): Promise<number> {
    if (rules.capacity === null) return NO_CAP;
    return Math.max(0, rules.capacity - (await this.engine.presence.count(roomId)));
  }
}

/** A new ticket (secret) and its public id (what an audit shows): a hash of room and ticket. */
function offer(roomId: string): { ticket: string; publicId: string } {
  const ticket = randomBytes(18).toString('base64url');
  return { ticket, publicId: publicIdOf(roomId, ticket) };
}

/** The public id of a ticket in a room: the first 32 hex digits of SHA-256 of `"<roomId>:<ticket>"`. */
export function publicIdOf(roomId: string, ticket: string): string {
  return sha256(`${roomId}:${ticket}`).slice(0, 32);
}

function rateOf(perSecond: number | null): RateRule | null {
  if (perSecond === null) return null;
  return { capacity: Math.max(1, Math.ceil(perSecond)), refillPerSecond: perSecond };
}

/** What a status says that is worth telling again (its estimate only when it moved a lot). */
const key = (s: QueueStatus) =>
  `${s.status}|${s.position ?? ''}|${s.preQueue?.seed ?? ''}|${s.soldOut.join(',')}`;
