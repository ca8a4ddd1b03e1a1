import type { Handlers } from './context.js';
import { joinedRoom, onRoom } from './room.js';

export const dropHandlers: Handlers<
  'drop:create' | 'drop:claim' | 'drop:checkout' | 'drop:cancel' | 'drop:lottery'
> = {
  'drop:create': (
    session,
    { roomId, dropId, startsAt, durationSeconds, holdSeconds, minPresenceSeconds, ...rest },
    services,
  ) => {
    const start = startsAt ?? services.now();
    return onRoom(services, roomId, (room) =>
      room.drops.createDrop(session.identity, {
        id: dropId,
        productId: rest.productId,
        quantity: rest.quantity,
        perBuyerCap: rest.perBuyerCap,
        startsAt: start,
        endsAt: start + durationSeconds * 1000,
        holdMs: holdSeconds * 1000,
        minPresenceMs: minPresenceSeconds * 1000,
        mode: rest.mode,
      }),
    );
  },

  'drop:claim': (session, { roomId, dropId, idempotencyKey }) =>
    joinedRoom(session, roomId).drops.claim(session, dropId, idempotencyKey),

  'drop:checkout': (session, { roomId, dropId, holdId, idempotencyKey }) =>
    joinedRoom(session, roomId).drops.checkout(session, dropId, holdId, idempotencyKey),

  'drop:lottery': (session, { roomId, dropId }) =>
    joinedRoom(session, roomId).drops.lottery(session, dropId),

  'drop:cancel': (session, { roomId, dropId, holdId }) =>
    joinedRoom(session, roomId).drops.cancel(session, dropId, holdId),
};
