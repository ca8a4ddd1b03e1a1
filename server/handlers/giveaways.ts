import type { Handlers } from './context.js';
import { joinedRoom, onRoom } from './room.js';

export const giveawayHandlers: Handlers<
  'giveaway:create' | 'giveaway:enter' | 'giveaway:draw' | 'giveaway:audit'
> = {
  'giveaway:create': (session, req, services) =>
    onRoom(services, req.roomId, (room) =>
      room.giveaways.create(session.identity, {
        id: req.giveawayId,
        productId: req.productId,
        winners: req.winners,
        durationMs: req.durationSeconds * 1000,
        claimMs: req.claimSeconds * 1000,
        minWatchMs: req.minWatchSeconds * 1000,
        purchaseRequired: req.purchaseRequired,
      }),
    ),

  'giveaway:enter': (session, { roomId, giveawayId, route }) =>
    joinedRoom(session, roomId).giveaways.enter(session, giveawayId, route),

  'giveaway:draw': (session, { roomId, giveawayId }, services) =>
    onRoom(services, roomId, (room) => room.giveaways.draw(session.identity, giveawayId)),

  'giveaway:audit': (session, { roomId, giveawayId }) =>
    joinedRoom(session, roomId).giveaways.audit(session, giveawayId),
};
