import {
  SNAPSHOT_CHAT_LIMIT,
  type AuctionState,
  type DropStock,
  type GiveawayState,
  type RoomSnapshot,
} from '../../client-sdk/src/protocol/index.js';
import { roleIn } from '../model/identity.js';
import type { RoomState } from '../model/room-state.js';
import type { Audience } from './audience.js';
import type { Member, RoomEngine } from './context.js';

/** What a snapshot reads of its room. */
export interface Snapshotted {
  readonly id: string;
  readonly hostId: string;
  readonly moderators: readonly string[];
  readonly epoch: string;
  readonly state: RoomState;
  readonly engine: RoomEngine;
  readonly audience: Audience;
  readonly drops: { readonly feed: { current(): Promise<DropStock[]> } };
  readonly auctions: { current(): Promise<AuctionState[]> };
  readonly giveaways: { current(): Promise<GiveawayState[]> };
  now(): number;
}

/** The room as a member sees it now (their audience's chat). */
export async function snapshotOf(room: Snapshotted, member: Member): Promise<RoomSnapshot> {
  const viewers = await room.engine.presence.count(room.id);
  const s = room.state;
  return {
    roomId: room.id,
    epoch: room.epoch,
    seq: s.seq,
    serverTime: room.now(),
    stream: s.stream,
    viewers,
    slowModeSeconds: s.slowModeSeconds,
    shield: s.shield,
    admission: s.admission,
    chat: room.audience.chat(s.recent.values(), member, SNAPSHOT_CHAT_LIMIT),
    pinned: [...s.pinned],
    products: [...s.products],
    pinnedProducts: [...s.pinnedProducts],
    drops: await room.drops.feed.current(),
    auctions: await room.auctions.current(),
    giveaways: await room.giveaways.current(),
    moderators: [...s.moderators],
    role: roleIn(member.identity, room),
  };
}
