import type { RateRule } from './rate-limits.js';

/** A place in a room's line, and once its turn came, a pass to join with. */
export interface QueueTicket {
  /** The secret the holder joins with. */
  ticket: string;
  /** What the pre-queue's audit shows of it (a hash of the ticket: the ticket itself stays secret). */
  publicId: string;
  userId: string;
  /** Its place in line (admitted when the head passes it); null in a pre-queue not yet shuffled. */
  number: number | null;
  /** When its turn came; null while it waits. */
  admittedAt: number | null;
}

/** A pre-queue: arrivals before `until` are ordered at `until` by a seed committed in advance. */
export interface PreQueue {
  until: number;
  /** SHA-256 of the seed, published when the pre-queue opens. */
  seedHash: string;
  /** The drop it is for (sold out is told to everyone still in line), if any. */
  dropId: string | null;
}

/** A room's line as every node sees it. */
export interface QueueState {
  /** Numbers below this have had their turn. */
  head: number;
  /** Tickets with a number still waiting for their turn. */
  waiting: number;
  /** Tickets in the pre-queue, not ordered yet. */
  pre: number;
  /** Tickets admitted so far (progress, for estimates). */
  admitted: number;
  /** The pre-queue, with its seed once revealed (at its end). */
  preQueue: (PreQueue & { seed: string | null; ordered: boolean }) | null;
}

/** Everything anyone needs to check a pre-queue's order: recompute it from the seed (SDK `verifyQueueOrder`). */
export interface PreQueueAudit extends PreQueue {
  roomId: string;
  seed: string;
  /** The public ids of everyone in the pre-queue when it closed, sorted. */
  entrants: string[];
  /** The order they were given (`publicId`s), first admitted first. */
  order: string[];
}

/**
 * A room's waiting room, shared by every node: a line of tickets, admitted in order as seats free
 * up and the admission rate allows, and an optional pre-queue shuffled at its end. Admission is
 * atomic across nodes (no seat is given twice); the line outlives any node.
 */
export interface WaitingRoomPort {
  /** Opens a pre-queue (the seed kept secret until it ends), or removes one not yet ended (null). */
  setPreQueue(roomId: string, pre: (PreQueue & { seed: string }) | null): Promise<void>;
  /**
   * Takes a place in line for `userId` with the ticket offered (the same user again gets the ticket
   * it has). During a pre-queue the place is in the pre-queue; after its end, at the back.
   */
  enter(
    roomId: string,
    userId: string,
    offer: { ticket: string; publicId: string },
    now: number,
  ): Promise<QueueTicket>;
  ticket(roomId: string, ticket: string): Promise<QueueTicket | undefined>;
  /** Gives up a place in line, or a pass. */
  leave(roomId: string, ticket: string): Promise<void>;
  /**
   * Admits the next in line: at most `free` minus the seats passes hold (given and not used yet, or
   * used a moment ago), and as many as
   * the bucket `rate` allows (null: no rate). Nobody is admitted while a pre-queue runs or waits to
   * be ordered. Each admitted ticket's pass is good for `passMs`. Returns the tickets admitted.
   */
  admit(
    roomId: string,
    now: number,
    free: number,
    rate: RateRule | null,
    passMs: number,
  ): Promise<string[]>;
  /**
   * Joins with a ticket: true when its turn came and its pass is good (not expired unused, or used
   * within `keepMs`, for a viewer coming back); it then counts as a viewer. Its seat stays
   * reserved for {@link USED_PASS_GRACE_MS} more, until the join shows in the room's presence
   * (else a seat would look free in between, and be given twice).
   */
  use(roomId: string, ticket: string, now: number, keepMs: number): Promise<boolean>;
  state(roomId: string): Promise<QueueState>;
  /**
   * Closes a pre-queue whose end has come (later arrivals queue behind it) and returns its
   * entrants' public ids with the seed, for the caller to order; undefined when there is none to
   * order (none, not ended, or ordered already). Any node may call it, as often as it likes.
   */
  closePreQueue(
    roomId: string,
    now: number,
  ): Promise<{ entrants: string[]; seed: string } | undefined>;
  /** Numbers the closed pre-queue's tickets in this order of public ids (once: later calls change nothing). */
  orderPreQueue(roomId: string, order: readonly string[]): Promise<void>;
  audit(roomId: string): Promise<PreQueueAudit | undefined>;
}

/** How long a pass just used still reserves its seat: until its holder counts as a viewer. */
export const USED_PASS_GRACE_MS = 1_000;
