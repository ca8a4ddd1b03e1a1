import { assertRole } from '../../rooms/index.js';
import type { Handlers } from './context.js';
import { findRoom } from './room.js';

export const streamHandlers: Handlers<
  'stream:create' | 'stream:start' | 'stream:end' | 'time:sync'
> = {
  async 'stream:create'(session, { roomId, ...fields }, services) {
    assertRole(session.identity, roomId, 'host', 'create a stream');
    const { room, created } = await services.registry.open(roomId, fields, session.identity);
    if (created) return { seq: room.seq, stream: room.stream };
    return room.updateStream(session.identity, fields);
  },

  'stream:start': async (session, { roomId }, services) =>
    (await findRoom(services, roomId)).start(session.identity),

  'stream:end': async (session, { roomId }, services) =>
    (await findRoom(services, roomId)).end(session.identity),

  'time:sync': (_session, _input, services) => ({ serverTime: services.now() }),
};
