import type { Handlers } from './context.js';
import { joinedRoom, onRoom } from './room.js';

export const chatHandlers: Handlers<
  'chat:send' | 'chat:delete' | 'chat:pin' | 'chat:unpin' | 'chat:set-slow-mode' | 'reaction:send'
> = {
  'chat:send': (session, { roomId, text, clientMsgId }) =>
    joinedRoom(session, roomId).sendChat(session, text, clientMsgId),

  'chat:delete': (session, { roomId, messageId }, services) =>
    onRoom(services, roomId, (room) => room.deleteMessage(session.identity, messageId)),

  'chat:pin': (session, { roomId, messageId }, services) =>
    onRoom(services, roomId, (room) => room.pin(session.identity, messageId)),

  'chat:unpin': (session, { roomId, messageId }, services) =>
    onRoom(services, roomId, (room) => room.unpin(session.identity, messageId)),

  'chat:set-slow-mode': (session, { roomId, seconds }, services) =>
    onRoom(services, roomId, (room) => room.setSlowMode(session.identity, seconds)),

  async 'reaction:send'(session, { roomId, kind, count }) {
    await joinedRoom(session, roomId).react(session, kind, count ?? 1);
    return {};
  },
};
