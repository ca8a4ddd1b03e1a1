import { RoomAuctions } from '../auctions/room-auctions.js';
import { RoomDrops } from '../drops/room-drops.js';
import type { Identity } from '../model/identity.js';
import { RoomAdmissionSettings } from '../queue/room-admission.js';
import type { Context } from './context.js';
import type { RoomScope } from './scope.js';

/** What a room sells with: drops, auctions, and the waiting room that may queue for a drop. */
export interface Commerce {
  drops: RoomDrops;
  auctions: RoomAuctions;
  admission: RoomAdmissionSettings;
}

/** Builds a room's commerce features on the room's scope and surroundings. */
export function commerceOf(
  room: RoomScope,
  ctx: Context<unknown>,
  assertMayBid: (identity: Identity) => Promise<void>,
): Commerce {
  const { id } = room;
  const drops = new RoomDrops(room, {
    send: (stock) => ctx.output.dropStock(id, stock),
    failed: (error) => ctx.output.failed(id, error),
    logged: (dropId) => ctx.dropLogged?.(dropId),
    sha256: (text) => ctx.sha256(text),
    randomHex: (bytes) => ctx.randomHex(bytes),
  });
  const auctions = new RoomAuctions(room, {
    send: (state) => ctx.output.auctionState(id, state, ctx.now()),
    assertMayBid,
    dropChanged: (dropId) => {
      drops.feed.changed(dropId, true);
      ctx.dropLogged?.(dropId);
    },
    merchantAppended: () => ctx.merchantAppended?.(),
    failed: (error) => ctx.output.failed(id, error),
    randomHex: (bytes) => ctx.randomHex(bytes),
  });
  const admission = new RoomAdmissionSettings(room, {
    startsAt: async (dropId) =>
      (await drops.feed.current()).find((d) => d.dropId === dropId)?.startsAt,
    sha256: (text) => ctx.sha256(text),
    randomHex: (bytes) => ctx.randomHex(bytes),
  });
  return { drops, auctions, admission };
}
