import type {
  AuctionState,
  DropStock,
  GiveawayState,
} from '../../client-sdk/src/protocol/index.js';
import type { Audience } from './audience.js';
import type { JoinOutcome, Member, ResumePoint, RoomEngine, RoomLimits } from './context.js';

/** How long a resume waits for this replica to reach the client's last seq. */
const CATCH_UP_WAIT_MS = 500;

/** What a resume reads of its room. */
export interface Resumable {
  readonly id: string;
  /** Read again after each wait: a reload meanwhile changes it. */
  readonly epoch: string;
  readonly seq: number;
  readonly engine: RoomEngine;
  readonly limits: RoomLimits;
  readonly audience: Audience;
  /** Where the room's drops stand now (stock is not in the log). */
  readonly drops: { readonly feed: { latest(): Promise<DropStock[]> } };
  readonly auctions: { latest(): Promise<AuctionState[]> };
  readonly giveaways: { latest(): Promise<GiveawayState[]> };
  now(): number;
}

/**
 * The events after a resume point, as the member's audience sees them, when the room can still
 * give all of them; undefined when it cannot (another epoch, a trimmed log, a replica behind).
 */
export async function resumeFrom(
  room: Resumable,
  point: ResumePoint | undefined,
  member: Member,
  waitForSeq: (seq: number, timeoutMs: number) => Promise<void>,
): Promise<JoinOutcome | undefined> {
  const epoch = room.epoch;
  if (point?.epoch !== epoch) return undefined;
  // a client coming from another node may have seen events this replica is still receiving
  if (point.lastSeq > room.seq && point.lastSeq <= (await room.engine.history.lastSeq(room.id)))
    await waitForSeq(point.lastSeq, CATCH_UP_WAIT_MS).catch(() => undefined);
  const seq = room.seq;
  if (point.lastSeq > seq || room.epoch !== epoch) return undefined;
  const { complete, events } = await room.engine.history.since(
    room.id,
    point.lastSeq,
    room.limits.replayLimit,
    epoch,
  );
  if (!complete || room.epoch !== epoch) return undefined;
  const viewers = await room.engine.presence.count(room.id);
  if (room.epoch !== epoch) return undefined;
  const missed = room.audience.replay(
    events.filter((e) => e.seq <= seq),
    member,
  );
  return {
    recovered: true,
    missed,
    seq,
    viewers,
    serverTime: room.now(),
    drops: await room.drops.feed.latest(),
    auctions: await room.auctions.latest(),
    giveaways: await room.giveaways.latest(),
  };
}
