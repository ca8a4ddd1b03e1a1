import type { Product } from '../../client-sdk/src/protocol/index.js';
import type { EntryAnswer, EntryRoute, GiveawayTerms } from '../giveaways/book.js';

/** A giveaway as the engine keeps it: fixed once created. */
export interface GiveawayDefinition extends GiveawayTerms {
  /** The prize: the giveaway's own copy of the product (each winner's order is of it, at 0). */
  product: Product;
  createdAt: number;
  /** Random, fixed at creation: keeps prize drop and event ids unique if the id is used again. */
  nonce: string;
}

/** One person's entry, with what the nodes saw of them since. */
export interface GiveawayEntryRecord {
  ticket: string;
  userId: string;
  route: EntryRoute;
  /** Time watched: before entering (from their arrival) and, since, as the nodes saw them. */
  watchedMs: number;
  /** When a node last saw them in the room (0: a node saw them leave). */
  seenAt: number;
}

/** A prize as drawn: its winner, and the zero-price hold they claim it with. */
export interface PrizeRecord {
  ticket: string;
  userId: string;
  claimBy: number;
  /** The one-unit drop the prize became, and the winner's hold on it (set once made). */
  dropId: string;
}

/** A giveaway's draw as committed: who was eligible, the prizes, the winners who let theirs lapse. */
export interface GiveawayDrawRecord {
  at: number;
  eligible: string[];
  lapsed: string[];
  prizes: PrizeRecord[];
}

/** A giveaway as stored: its definition, entries, window and draw (with the draw's version). */
export interface GiveawayRecord {
  giveaway: GiveawayDefinition;
  /** The window's end: the host may bring it forward (draw early). */
  closesAt: number;
  /** The giveaway's own clock (the latest time any node told it). */
  clock: number;
  entries: GiveawayEntryRecord[];
  drawn: GiveawayDrawRecord | null;
  /** How often a draw was committed (the first draw, then each re-draw). */
  version: number;
}

/** A giveaway as stored, its entries counted, not listed. */
export type GiveawaySummary = Omit<GiveawayRecord, 'entries'> & { entries: number };

/**
 * Giveaways, shared by every node. Entries are atomic and once per person, on the giveaway's own
 * clock (a lagging node cannot enter anyone after the window closed); draws are computed by a
 * node from the shared rule and committed only at the version they were computed from, so every
 * node ends with the same winners.
 */
export interface GiveawayPort {
  createGiveaway(giveaway: GiveawayDefinition, now: number): Promise<{ created: boolean }>;
  /** The giveaways of a room, by creation, then id. */
  giveawaysOf(roomId: string): Promise<GiveawayDefinition[]>;
  /**
   * Enters a person (see `enterGiveaway` in rooms/giveaways/book.ts): once, in the window, not
   * drawn, with a purchase or the free route if asked. `watchedMs`: watched before entering.
   * Undefined for an unknown giveaway.
   */
  enter(
    giveawayId: string,
    entry: {
      userId: string;
      ticket: string;
      route: EntryRoute;
      purchased: boolean;
      watchedMs: number;
    },
    now: number,
  ): Promise<EntryAnswer | undefined>;
  /**
   * These entrants are in the room now (a node's heartbeat): each one's watch time grows by the
   * time since they were last seen, at most `stepMs`. Tickets not entered are skipped.
   */
  seen(giveawayId: string, tickets: string[], now: number, stepMs: number): Promise<void>;
  /** An entrant left the room (a node saw their last connection go): absent until seen again. */
  left(giveawayId: string, ticket: string): Promise<void>;
  /** Closes the window at `now` if it is still open (the host draws early); returns its end. */
  close(giveawayId: string, now: number): Promise<number | undefined>;
  /** The giveaway without its entries (their count only), moving its clock to `now`. */
  summary(giveawayId: string, now: number): Promise<GiveawaySummary | undefined>;
  /** The giveaway as stored now, moving its clock to `now`. */
  record(giveawayId: string, now: number): Promise<GiveawayRecord | undefined>;
  /** Commits a draw (or re-draw) if the stored version is still `version`; true if it was. */
  commitDraw(giveawayId: string, version: number, drawn: GiveawayDrawRecord): Promise<boolean>;
  /** A user bought something in this room's stream (giveaways that ask for a purchase). */
  notePurchase(roomId: string, userId: string): Promise<void>;
  purchased(roomId: string, userId: string): Promise<boolean>;
}
