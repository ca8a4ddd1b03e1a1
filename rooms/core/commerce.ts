import { RoomAuctions } from '../auctions/room-auctions.js';
import { RoomDrops } from '../drops/room-drops.js';
import { RoomGiveaways } from '../giveaways/room-giveaways.js';
import type { Identity } from '../model/identity.js';
import { RoomAdmissionSettings } from '../queue/room-admission.js';
import type { Context } from './context.js';
import type { RoomScope } from './scope.js';

/** What a room sells with: drops, auctions, giveaways, and the waiting room that may queue for a drop. */
export interface Commerce {
  drops: RoomDrops;
  auctions: RoomAuctions;
  giveaways: RoomGiveaways;
  admission: RoomAdmissionSettings;
}

/** Builds a room's commerce features on the room's scope and surroundings. */
export function commerceOf(
  room: RoomScope,
  ctx: Context<unknown>,
  /** Refuses a banned or timed-out user (bids, entries). */
  assertMayAct: (identity: Identity) => Promise<void>,
): Commerce {
  const { id } = room;
  const failed = (error: unknown) => ctx.output.failed(id, error);
  const dropChanged = (dropId: string) => {
    drops.feed.changed(dropId, true);
    ctx.dropLogged?.(dropId);
  };
  const drops: RoomDrops = new RoomDrops(room, {
    send: (stock) => ctx.output.dropStock(id, stock),
    failed,
    logged: (dropId) => ctx.dropLogged?.(dropId),
    ordered: (dropId, buyerId) => {
      // a purchase in the stream counts for giveaways that ask for one; a prize may be claimed
      room.engine.giveaways.notePurchase(id, buyerId).catch(failed);
      giveaways.prizeChanged(dropId);
    },
    sha256: (text) => ctx.sha256(text),
    randomHex: (bytes) => ctx.randomHex(bytes),
  });
  const auctions = new RoomAuctions(room, {
    send: (state) => ctx.output.auctionState(id, state, ctx.now()),
    assertMayBid: assertMayAct,
    dropChanged,
    merchantAppended: () => ctx.merchantAppended?.(),
    failed,
    randomHex: (bytes) => ctx.randomHex(bytes),
  });
  const giveaways: RoomGiveaways = new RoomGiveaways(room, {
    send: (state) => ctx.output.giveawayState(id, state, ctx.now()),
    assertMayEnter: assertMayAct,
    dropChanged,
    failed,
    sha256: (text) => ctx.sha256(text),
    randomHex: (bytes) => ctx.randomHex(bytes),
  });
  const admission = new RoomAdmissionSettings(room, {
    startsAt: async (dropId) =>
      (await drops.feed.current()).find((d) => d.dropId === dropId)?.startsAt,
    sha256: (text) => ctx.sha256(text),
    randomHex: (bytes) => ctx.randomHex(bytes),
  });
  return { drops, auctions, giveaways, admission };
}
