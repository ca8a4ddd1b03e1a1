import { assertRole } from '../../rooms/index.js';
import type { Handlers } from './context.js';
import { onRoom } from './room.js';

export const streamHandlers: Handlers<
  'stream:create' | 'stream:start' | 'stream:end' | 'time:sync'
> = {
  async 'stream:create'(session, { roomId, ...fields }, services) {
    // anyone who may host a new room may try; an existing room checks its own host on the edit
    assertRole(session.identity, { id: roomId, hostId: null }, 'host', 'create a stream');
    const { room, created } = await services.registry.open(roomId, fields, session.identity);
    if (created) return { seq: room.seq, stream: room.stream.info };
    return onRoom(services, roomId, (r) => r.stream.update(session.identity, fields));
  },

  'stream:start': (session, { roomId }, services) =>
    onRoom(services, roomId, (room) => room.stream.start(session.identity)),

  async 'stream:end'(session, { roomId }, services) {
    const ended = await onRoom(services, roomId, (room) => room.stream.end(session.identity));
    services.streamEnded(roomId);
    return ended;
  },

  'time:sync': (_session, _input, services) => ({ serverTime: services.now() }),
};
