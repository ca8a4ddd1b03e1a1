import type { Handlers } from './context.js';
import { joinedRoom, onRoom } from './room.js';

export const chatHandlers: Handlers<
  'chat:send' | 'chat:delete' | 'chat:pin' | 'chat:unpin' | 'chat:set-slow-mode' | 'reaction:send'
> = {
  'chat:send': (session, { roomId, text, clientMsgId }) =>
    joinedRoom(session, roomId).chat.send(session, text, clientMsgId),

  'chat:delete': (session, { roomId, messageId }, services) =>
    onRoom(services, roomId, (room) => room.chat.delete(session.identity, messageId)),

  'chat:pin': (session, { roomId, messageId }, services) =>
    onRoom(services, roomId, (room) => room.chat.pin(session.identity, messageId)),

  'chat:unpin': (session, { roomId, messageId }, services) =>
    onRoom(services, roomId, (room) => room.chat.unpin(session.identity, messageId)),

  'chat:set-slow-mode': (session, { roomId, seconds }, services) =>
    onRoom(services, roomId, (room) => room.chat.setSlowMode(session.identity, seconds)),

  async 'reaction:send'(session, { roomId, kind, count }) {
    await joinedRoom(session, roomId).chat.react(session, kind, count ?? 1);
    return {};
  },
};
