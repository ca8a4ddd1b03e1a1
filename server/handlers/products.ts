import type { ActorHandlers } from './context.js';
import { onRoom } from './room.js';

export const productHandlers: ActorHandlers<
  'product:upsert' | 'product:remove' | 'product:pin' | 'product:unpin'
> = {
  'product:upsert': (session, { roomId, product }, services) =>
    onRoom(services, roomId, (room) => room.upsertProduct(session.identity, product)),

  'product:remove': (session, { roomId, productId }, services) =>
    onRoom(services, roomId, (room) => room.removeProduct(session.identity, productId)),

  'product:pin': (session, { roomId, productId }, services) =>
    onRoom(services, roomId, (room) => room.pinProduct(session.identity, productId)),

  'product:unpin': (session, { roomId, productId }, services) =>
    onRoom(services, roomId, (room) => room.unpinProduct(session.identity, productId)),
};
