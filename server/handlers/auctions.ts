import type { Handlers } from './context.js';
import { joinedRoom, onRoom } from './room.js';

export const auctionHandlers: Handlers<
  'auction:create' | 'auction:start' | 'auction:bid' | 'auction:get'
> = {
  'auction:create': (session, req, services) =>
    onRoom(services, req.roomId, (room) =>
      room.auctions.create(session.identity, {
        id: req.auctionId,
        productId: req.productId,
        startingMinor: req.startingMinor,
        durationMs: req.durationSeconds * 1000,
        counterBidMs: req.counterBidSeconds * 1000,
        suddenDeath: req.suddenDeath,
        increments: req.increments,
        payMs: req.paySeconds * 1000,
        start: req.start,
      }),
    ),

  'auction:start': (session, { roomId, auctionId }, services) =>
    onRoom(services, roomId, (room) => room.auctions.start(session.identity, auctionId)),

  'auction:bid': (session, { roomId, auctionId, maxMinor, idempotencyKey }) =>
    joinedRoom(session, roomId).auctions.bid(session, auctionId, maxMinor, idempotencyKey),

  'auction:get': (session, { roomId, auctionId }) =>
    joinedRoom(session, roomId).auctions.get(session, auctionId),
};
