import {
  CodedError,
  compareGiveawayStates,
  lotteryTicket,
  type GiveawayState,
  type ClientResponse,
} from '../../client-sdk/src/protocol/index.js';
import type { Member } from '../core/context.js';
import type { RoomScope } from '../core/scope.js';
import { StateFeed } from '../core/state-feed.js';
import { assertCanWrite, assertRole, type Identity } from '../model/identity.js';
import type { GiveawayDefinition } from '../ports/giveaways.js';
import { publishedDraw, type EntryRoute } from './book.js';
import { bookOf, defineGiveaway, giveawayStateOf, type GiveawayFields } from './decisions.js';
import { drawOrRedraw, givePrizes, prizeStates } from './draw.js';

export interface RoomGiveawaysContext {
  /** Sends a giveaway's state to the room's members here (control lane). */
  send(state: GiveawayState): void;
  /** Refuses a user who may not take part (banned or timed out). */
  assertMayEnter(identity: Identity): Promise<void>;
  /** A prize drop changed (its stock goes out; its log may have grown). */
  dropChanged(dropId: string): void;
  failed(error: unknown): void;
  sha256(text: string): string;
  randomHex(bytes: number): string;
}

type Audit = Omit<ClientResponse<'giveaway:audit'>, 'mine'>;

interface Tracked {
  giveaway: GiveawayDefinition;
  drawing: Promise<void> | undefined;
  /** The audit of the draw's last version (a crowd of auditors costs one read of the entries). */
  audit: { version: number; audit: Audit; tickets: Set<string> } | undefined;
  /** Tickets of this node's users, computed once. */
  tickets: Map<string, string>;
}

/** How often entrants here are reported as present (they count as present for three times that). */
const SEEN_EVERY_MS = 2_000;
/** Entry counts go out at most this often; changes of phase and draws at once. */
const ENTRIES_INTERVAL_MS = 500;

/**
 * The giveaways of one room on this node: hosts open them, viewers enter, every node reports which
 * entrants it sees (their presence and watch time), and the first node to see a window close
 * draws (the commit-reveal rule; the store takes one draw per version), gives each winner a
 * zero-price hold on the prize, and draws again for every prize whose hold lapsed.
 */
export class RoomGiveaways {
  private readonly tracked = new Map<string, Tracked>();
  private closed = false;
  private lastSeenAt = 0;
  /** Connections here per signed-in user: the entrants this node reports as present. */
  private readonly here = new Map<string, number>();
  /** The newest state of each giveaway, as sent here. */
  private readonly feed: StateFeed<GiveawayState>;

  constructor(
    private readonly room: RoomScope,
    private readonly ctx: RoomGiveawaysContext,
  ) {
    this.feed = new StateFeed<GiveawayState>({
      read: async (id) => {
        const tracked = this.tracked.get(id);
        return tracked && this.read(tracked);
      },
      compare: compareGiveawayStates,
      send: (_id, state) => ctx.send(state),
      share: (state) => {
        room.engine.broker
          .publish(room.id, { kind: 'giveaway', state })
          .catch((error: unknown) => ctx.failed(error));
      },
      failed: (error) => ctx.failed(error),
      now: () => room.now(),
      intervalMs: ENTRIES_INTERVAL_MS,
      urgent: (next, last) =>
        next.phase !== last.phase ||
        next.version !== last.version ||
        next.prizes.some((p, i) => p.claimed !== last.prizes[i]?.claimed),
    });
  }

  private get store() {
    return this.room.engine.giveaways;
  }

  async load(): Promise<void> {
    for (const giveaway of await this.store.giveawaysOf(this.room.id)) this.entry(giveaway);
    for (const id of this.tracked.keys()) this.changed(id, false);
  }

  /** What the room was last sent of each giveaway shown (read for one not sent yet). */
  async latest(): Promise<GiveawayState[]> {
    return this.states((t) => {
      const sent = this.feed.sent(t.giveaway.id);
      return sent ? Promise.resolve(sent) : this.read(t);
    });
  }

  /** Every giveaway shown, as it stands now (snapshots). */
  async current(): Promise<GiveawayState[]> {
    return this.states((t) => this.read(t));
  }

  /** The giveaways a joining member is shown: the running one, and the last two drawn. */
  private async states(
    of: (t: Tracked) => Promise<GiveawayState | undefined>,
  ): Promise<GiveawayState[]> {
    const all = [...this.tracked.values()];
    const drawn = all.filter((t) => this.feed.sent(t.giveaway.id)?.phase === 'drawn');
    const hidden = new Set(drawn.slice(0, -2));
    const states = await Promise.all(all.filter((t) => !hidden.has(t)).map(of));
    return states.filter((s): s is GiveawayState => s !== undefined);
  }

  /** Opens a giveaway of a listed product (hosts), unless another one here is still running. */
  create(
    identity: Identity,
    fields: GiveawayFields,
  ): Promise<{ created: boolean; giveaway: GiveawayState }> {
    assertRole(identity, this.room, 'host', 'run giveaways');
    this.room.assertOpen();
    const seed = this.ctx.randomHex(32);
    const giveaway = defineGiveaway(this.room.state, this.room.id, fields, {
      hostId: this.room.hostId,
      now: this.room.now(),
      nonce: this.ctx.randomHex(4),
      seed,
      seedHash: this.ctx.sha256(seed),
    });
    return this.room.holding(async () => {
      const others = await this.store.giveawaysOf(this.room.id);
      const existing = others.find((g) => g.id === giveaway.id);
      if (!existing) {
        for (const other of others) {
          const summary = await this.store.summary(other.id, this.room.now());
          if (summary && !summary.drawn)
            throw new CodedError('INVALID_STATE', `Giveaway ${other.id} is still running here`);
        }
      }
      const { created } = existing
        ? { created: false }
        : await this.store.createGiveaway(giveaway, this.room.now());
      const ours = await this.assertOurs(giveaway.id, 'BAD_REQUEST');
      return { created, giveaway: await this.publish(this.entry(ours)) };
    });
  }

  /** Enters a member (once); their watch time so far counts from their arrival here. */
  async enter(
    member: Member,
    giveawayId: string,
    route: EntryRoute,
  ): Promise<ClientResponse<'giveaway:enter'>> {
    const { identity } = member;
    assertCanWrite(identity);
    this.room.assertMember(member);
    const tracked = this.tracked.get(giveawayId) ?? this.entry(await this.assertOurs(giveawayId));
    await this.ctx.assertMayEnter(identity);
    const { giveaway } = tracked;
    const purchased =
      giveaway.purchaseRequired && route === 'standard'
        ? await this.store.purchased(this.room.id, identity.id)
        : false;
    const now = this.room.now();
    const arrived = this.room.arrivedAt(identity.id) ?? now;
    const answer = await this.store.enter(
      giveawayId,
      {
        userId: identity.id,
        ticket: await this.ticketOf(tracked, identity.id),
        route,
        purchased,
        watchedMs: now - arrived,
      },
      now,
    );
    if (!answer) throw notFound(giveawayId, this.room.id);
    if (answer.outcome === 'own_giveaway')
      throw new CodedError('FORBIDDEN', 'Hosts cannot enter their own giveaways');
    if (answer.outcome === 'entered') this.changed(giveawayId, true);
    return answer.outcome === 'entered' || answer.outcome === 'already_entered'
      ? { outcome: answer.outcome, ticket: answer.ticket }
      : { outcome: answer.outcome };
  }

  /** Closes the window now and draws (hosts). */
  async draw(identity: Identity, giveawayId: string): Promise<{ giveaway: GiveawayState }> {
    assertRole(identity, this.room, 'host', 'draw giveaways');
    const tracked = this.tracked.get(giveawayId) ?? this.entry(await this.assertOurs(giveawayId));
    return this.room.holding(async () => {
      await this.store.close(giveawayId, this.room.now());
      await this.drawOnce(tracked);
      return { giveaway: await this.publish(tracked) };
    });
  }

  /** A drawn giveaway's audit (what `verifyGiveaway()` recomputes), with the caller's ticket. */
  async audit(member: Member, giveawayId: string): Promise<ClientResponse<'giveaway:audit'>> {
    this.room.assertMember(member);
    const tracked = this.tracked.get(giveawayId) ?? this.entry(await this.assertOurs(giveawayId));
    const summary = await this.store.summary(giveawayId, this.room.now());
    if (!summary?.drawn)
      throw new CodedError('INVALID_STATE', `Giveaway ${giveawayId} is not drawn yet`);
    let cached = tracked.audit;
    if (cached?.version !== summary.version) {
      // entries are closed once drawn: only a re-draw (a new version) changes the audit
      const record = await this.store.record(giveawayId, this.room.now());
      const draw = record && publishedDraw(bookOf(record));
      if (!record || !draw) throw notFound(giveawayId, this.room.id);
      const audit = {
        ...draw,
        entries: draw.entries.map((e) => ({ ...e })),
        lapsed: [...draw.lapsed],
      };
      cached = {
        version: record.version,
        audit,
        tickets: new Set(record.entries.map((e) => e.ticket)),
      };
      tracked.audit = cached;
    }
    const ticket = member.identity.anonymous
      ? null
      : await this.ticketOf(tracked, member.identity.id);
    return { ...cached.audit, mine: ticket !== null && cached.tickets.has(ticket) ? ticket : null };
  }

  received(state: GiveawayState): void {
    if (this.closed) return;
    const tracked = this.tracked.get(state.giveawayId);
    if (!tracked) return this.changed(state.giveawayId, false);
    this.feed.offer(state.giveawayId, state);
  }

  /** A prize drop's hold was checked out, or may have been: look again. */
  prizeChanged(dropId: string): void {
    for (const id of this.tracked.keys())
      if (this.feed.sent(id)?.prizes.some((p) => p.dropId === dropId)) this.changed(id, true);
  }

  /** A connection joined the room here. */
  joined(identity: Identity): void {
    if (!identity.anonymous) this.here.set(identity.id, (this.here.get(identity.id) ?? 0) + 1);
  }

  /** A connection left: at a user's last one here, their entries count as absent until seen again. */
  left(identity: Identity): void {
    const userId = identity.id;
    const count = (this.here.get(userId) ?? 0) - 1;
    if (count > 0) {
      this.here.set(userId, count);
      return;
    }
    this.here.delete(userId);
    for (const t of this.tracked.values()) {
      const phase = this.feed.sent(t.giveaway.id)?.phase;
      if (phase !== 'open' && phase !== 'closed') continue;
      const ticket = t.tickets.get(userId);
      if (ticket) this.store.left(t.giveaway.id, ticket).catch((e: unknown) => this.ctx.failed(e));
    }
  }

  /**
   * Called often (every quarter second): reports the entrants seen here every
   * {@link SEEN_EVERY_MS}, draws a giveaway whose window has closed and draws again for lapsed
   * prizes.
   */
  sweep(): void {
    if (this.closed) return;
    const now = this.room.now();
    const report = now - this.lastSeenAt >= SEEN_EVERY_MS;
    if (report) this.lastSeenAt = now;
    for (const t of this.tracked.values()) {
      const state = this.feed.sent(t.giveaway.id);
      if (!state) continue;
      if (report && (state.phase === 'open' || state.phase === 'closed'))
        void this.reportSeen(t).catch((e: unknown) => this.ctx.failed(e));
      const due =
        (state.phase !== 'drawn' && now >= state.closesAt) ||
        state.prizes.some((p) => !p.claimed && now >= p.claimBy);
      if (due) void this.drawOnce(t).catch((e: unknown) => this.ctx.failed(e));
    }
  }

  close(): void {
    this.closed = true;
    this.feed.close();
    this.tracked.clear();
    this.here.clear();
  }

  private async reportSeen(t: Tracked): Promise<void> {
    const tickets = await Promise.all([...this.here.keys()].map((u) => this.ticketOf(t, u)));
    await this.store.seen(t.giveaway.id, tickets, this.room.now(), SEEN_EVERY_MS);
  }

  /** One draw (or re-draw) at a time here; every node may try, the store takes one per version. */
  private drawOnce(t: Tracked): Promise<void> {
    t.drawing ??= this.drawNow(t).finally(() => {
      t.drawing = undefined;
    });
    return t.drawing;
  }

  private async drawNow(t: Tracked): Promise<void> {
    // this node's entrants are seen now; other nodes' within their last reports
    await this.reportSeen(t);
    const ports = {
      giveaways: this.store,
      inventory: this.room.engine.inventory,
      now: () => this.room.now(),
      sha256: (text: string) => this.ctx.sha256(text),
    };
    await drawOrRedraw(ports, t.giveaway);
    await givePrizes(ports, t.giveaway, (dropId) => this.ctx.dropChanged(dropId));
    this.changed(t.giveaway.id, true);
  }

  private changed(giveawayId: string, local: boolean): void {
    if (this.closed) return;
    const tracked = this.tracked.get(giveawayId);
    if (!tracked) {
      void this.assertOurs(giveawayId)
        .then((g) => {
          this.entry(g);
          this.changed(giveawayId, local);
        })
        .catch((error: unknown) => this.ctx.failed(error));
      return;
    }
    this.feed.changed(giveawayId, local);
  }

  private async publish(t: Tracked): Promise<GiveawayState> {
    const state = await this.feed.publish(t.giveaway.id);
    if (!state) throw notFound(t.giveaway.id, this.room.id);
    return state;
  }

  private async read(t: Tracked): Promise<GiveawayState | undefined> {
    const summary = await this.store.summary(t.giveaway.id, this.room.now());
    return (
      summary && giveawayStateOf(summary, await prizeStates(this.room.engine.inventory, summary))
    );
  }

  private async ticketOf(t: Tracked, userId: string): Promise<string> {
    let ticket = t.tickets.get(userId);
    if (ticket === undefined) {
      ticket = await lotteryTicket(t.giveaway.id, userId, (text) => this.ctx.sha256(text));
      t.tickets.set(userId, ticket);
    }
    return ticket;
  }

  private entry(giveaway: GiveawayDefinition): Tracked {
    let tracked = this.tracked.get(giveaway.id);
    if (!tracked) {
      tracked = {
        giveaway,
        drawing: undefined,
        audit: undefined,
        tickets: new Map(),
      };
      this.tracked.set(giveaway.id, tracked);
    }
    return tracked;
  }

  private async assertOurs(
    giveawayId: string,
    code: 'GIVEAWAY_NOT_FOUND' | 'BAD_REQUEST' = 'GIVEAWAY_NOT_FOUND',
  ): Promise<GiveawayDefinition> {
    const known = this.tracked.get(giveawayId)?.giveaway;
    if (known) return known;
    const ours = await this.store.giveawaysOf(this.room.id);
    const found = ours.find((g) => g.id === giveawayId);
    if (found) return found;
    throw code === 'BAD_REQUEST'
      ? new CodedError('BAD_REQUEST', `Giveaway id ${giveawayId} is taken by another room`)
      : notFound(giveawayId, this.room.id);
  }
}

const notFound = (giveawayId: string, roomId: string) =>
  new CodedError('GIVEAWAY_NOT_FOUND', `No giveaway ${giveawayId} in room ${roomId}`);
