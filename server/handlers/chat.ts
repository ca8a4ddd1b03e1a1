import type { Handlers } from './context.js';
import { findRoom, joinedRoom } from './room.js';

export const chatHandlers: Handlers<
  'chat:send' | 'chat:delete' | 'chat:pin' | 'chat:unpin' | 'chat:set-slow-mode' | 'reaction:send'
> = {
  'chat:send': (session, { roomId, text, clientMsgId }) =>
    joinedRoom(session, roomId).sendChat(session, text, clientMsgId),

  'chat:delete': async (session, { roomId, messageId }, services) =>
    (await findRoom(services, roomId)).deleteMessage(session.identity, messageId),

  'chat:pin': async (session, { roomId, messageId }, services) =>
    (await findRoom(services, roomId)).pin(session.identity, messageId),

  'chat:unpin': async (session, { roomId, messageId }, services) =>
    (await findRoom(services, roomId)).unpin(session.identity, messageId),

  'chat:set-slow-mode': async (session, { roomId, seconds }, services) =>
    (await findRoom(services, roomId)).setSlowMode(session.identity, seconds),

  async 'reaction:send'(session, { roomId, kind, count }) {
    await joinedRoom(session, roomId).react(session, kind, count ?? 1);
    return {};
  },
};
