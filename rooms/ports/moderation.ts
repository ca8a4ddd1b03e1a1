import type {
  Author,
  DecisionRecord,
  HeldMessage,
  ReportedMessage,
  Sanction,
  SanctionKind,
} from '../../client-sdk/src/protocol/index.js';
import type { Stamp } from '../moderation/stamp.js';

/** A held message as the store keeps it: with how it is published once approved. */
export interface HeldEntry extends HeldMessage {
  stamp?: Stamp;
}

/** One viewer's report of a message. */
export interface ReportEntry {
  roomId: string;
  messageId: string;
  /** The message as it was reported (kept from its first report). */
  author: Author;
  text: string;
  reporterId: string;
  reason?: string;
  at: number;
}

/** A reported message as the store keeps it (whether it is hidden is the room's to say). */
export type ReportedEntry = Omit<ReportedMessage, 'hidden'>;

/** What to export of the statements of reasons. */
export interface DecisionQuery {
  /** From this time (inclusive), server epoch ms. */
  since: number;
  /** Only records whose user's region, or whose audience's regions, include this one. */
  region?: string;
  roomId?: string;
  /** At most this many, oldest first. */
  limit: number;
  /** Continue where the previous page's `cursor` says. */
  cursor?: string;
}

/**
 * Moderation's shared state, the same on every node and kept across restarts as the engine keeps
 * it: the statements of reasons, the messages held for review, and the sanctions in force.
 */
export interface ModerationStore {
  /** Keeps statements of reasons (their `id`s are unique). */
  record(records: readonly DecisionRecord[]): Promise<void>;
  /** Statements of reasons matching a query, oldest first; `cursor` when more may follow. */
  decisions(query: DecisionQuery): Promise<{ records: DecisionRecord[]; cursor?: string }>;

  /** Holds a message for review. */
  hold(entry: HeldEntry): Promise<void>;
  /** A room's held messages, oldest first. */
  held(roomId: string): Promise<HeldEntry[]>;
  /** Takes a held message out of the queue: of two moderators deciding at once, one gets it. */
  take(roomId: string, messageId: string): Promise<HeldEntry | undefined>;

  /** Sets a sanction (`scope`: a room id, or `*` for every room), replacing one of the same kind. */
  sanction(sanction: Sanction): Promise<void>;
  /** Lifts a sanction; false when there was none. */
  lift(scope: string, userId: string, kind: SanctionKind): Promise<boolean>;
  /**
   * A user's standing in a room at `now`: the sanctions in force (the room's and the global
   * ones) and how many distinct reports their messages there drew. One read.
   */
  standing(roomId: string, userId: string, now: number): Promise<Standing>;
  /**
   * A report of a message (each reporter counts once per message); returns the message's distinct
   * reporters. A reporter's first report of a message also counts against its author's standing
   * and puts the message (back) on the room's list of reports.
   */
  report(entry: ReportEntry): Promise<number>;
  /**
   * The room's listed reported messages last reported at `since` or later, most recently
   * reported first, at most `limit`; each with its five newest reasons.
   */
  reports(roomId: string, since: number, limit: number): Promise<ReportedEntry[]>;
  /** Takes a message off the room's list of reports (its reporters still count); false if absent. */
  dismiss(roomId: string, messageId: string): Promise<boolean>;
  /** Every sanction in force in a room, and the global ones, at `now`. */
  sanctions(roomId: string, now: number): Promise<Sanction[]>;
}

/** What {@link ModerationStore.standing} reads. */
export interface Standing {
  sanctions: Sanction[];
  /** Distinct reports of the user's messages in the room. */
  reports: number;
}

/** How long a message's reports are kept (a report is about recent chat). */
export const REPORT_TTL_MS = 86_400_000;

/** The scope of sanctions that apply in every room. */
export const GLOBAL_SCOPE = '*';

/** True when a sanction still applies at `now`. */
export const inForce = (s: Sanction, now: number): boolean => s.until === null || s.until > now;

/** True when a statement of reasons belongs to a region (its user's, or its audience's). */
export const ofRegion = (record: DecisionRecord, region: string): boolean =>
  record.userRegion === region || (record.groupRegions ?? []).includes(region);

/** True when a record matches a query's filters (not its paging). */
export const matchesQuery = (record: DecisionRecord, q: DecisionQuery): boolean =>
  record.at >= q.since &&
  (q.region === undefined || ofRegion(record, q.region)) &&
  (q.roomId === undefined || record.roomId === q.roomId);
