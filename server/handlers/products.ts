import type { ActorHandlers } from './context.js';
import { onRoom } from './room.js';

export const productHandlers: ActorHandlers<
  'product:upsert' | 'product:remove' | 'product:pin' | 'product:unpin'
> = {
  'product:upsert': (session, { roomId, product }, services) =>
    onRoom(services, roomId, (room) => room.products.upsert(session.identity, product)),

  'product:remove': (session, { roomId, productId }, services) =>
    onRoom(services, roomId, (room) => room.products.remove(session.identity, productId)),

  'product:pin': (session, { roomId, productId }, services) =>
    onRoom(services, roomId, (room) => room.products.pin(session.identity, productId)),

  'product:unpin': (session, { roomId, productId }, services) =>
    onRoom(services, roomId, (room) => room.products.unpin(session.identity, productId)),
};
