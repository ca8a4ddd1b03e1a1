import { RoomError, type StreamRoom } from '../../rooms/index.js';
import type { Session } from '../session.js';
import type { Handlers, Services } from './context.js';

/** The room a request names (loaded from the engine if this node does not follow it yet), or ROOM_NOT_FOUND. */
export async function findRoom(services: Services, roomId: string): Promise<StreamRoom> {
  const room = await services.registry.find(roomId);
  if (!room) throw new RoomError('ROOM_NOT_FOUND', `No stream room ${roomId}`);
  return room;
}

/** The room a request names, which this connection must have joined. */
export function joinedRoom(session: Session, roomId: string): StreamRoom {
  const joined = session.rooms.get(roomId);
  if (!joined) throw new RoomError('NOT_IN_ROOM', `Join room ${roomId} first`);
  return joined.room;
}

export const roomHandlers: Handlers<'room:join' | 'room:leave'> = {
  async 'room:join'(session, { roomId, resume }, services) {
    let room = await findRoom(services, roomId);
    // the replica may have been let go (its last member here left) while this request waited
    if (room.isDisposed) room = await findRoom(services, roomId);
    const already = session.rooms.get(roomId)?.room === room;
    if (!already && session.rooms.size >= services.config.limits.maxRoomsPerConnection) {
      throw new RoomError(
        'TOO_MANY_ROOMS',
        `A connection may join at most ${services.config.limits.maxRoomsPerConnection} rooms`,
      );
    }
    if (!already) session.subscribe(room);
    try {
      return await room.join(session, resume);
    } catch (error) {
      if (!already) session.unsubscribe(roomId);
      throw error;
    }
  },

  async 'room:leave'(session, { roomId }) {
    await session.unsubscribe(roomId)?.leave(session.id);
    return {};
  },
};
