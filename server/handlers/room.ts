import { CodedError } from '../../client-sdk/src/protocol/index.js';
import type { StreamRoom } from '../../rooms/index.js';
import type { Session } from '../session.js';
import type { ClientResponse, ParsedRequest } from '../../client-sdk/src/protocol/index.js';
import type { Handlers, Services } from './context.js';

/** The room a request names (loaded from the engine if this node does not follow it yet), or ROOM_NOT_FOUND. */
export async function findRoom(services: Services, roomId: string): Promise<StreamRoom> {
  const room = await services.registry.find(roomId);
  if (!room) throw new CodedError('ROOM_NOT_FOUND', `No stream room ${roomId}`);
  return room;
}

/**
 * Runs `act` on the room a request names. A room this node let go while the request waited
 * (its last member here left) is loaded again once.
 */
export async function onRoom<T>(
  services: Services,
  roomId: string,
  act: (room: StreamRoom) => Promise<T>,
): Promise<T> {
  const room = await findRoom(services, roomId);
  try {
    return await act(room);
  } catch (error) {
    const letGo = room.isDisposed && error instanceof CodedError && error.code === 'ROOM_NOT_FOUND';
    if (!letGo) throw error;
    return act(await findRoom(services, roomId));
  }
}

/** The room a request names, which this connection must have joined. */
export function joinedRoom(session: Session, roomId: string): StreamRoom {
  const joined = session.rooms.get(roomId);
  if (!joined) throw new CodedError('NOT_IN_ROOM', `Join room ${roomId} first`);
  return joined.room;
}

export const roomHandlers: Handlers<
  'room:join' | 'room:leave' | 'queue:enter' | 'queue:leave' | 'queue:audit'
> = {
  'queue:enter': (session, { roomId }, services) =>
    onRoom(services, roomId, (room) => services.waitingRooms.enter(session, room)),

  async 'queue:audit'(_session, { roomId }, services) {
    const audit = await services.waitingRooms.audit(roomId);
    if (!audit) throw new CodedError('NOT_FOUND', `Room ${roomId} has no shuffled pre-queue`);
    return { audit };
  },

  async 'queue:leave'(session, { roomId, ticket }, services) {
    await services.waitingRooms.leave(session, roomId, ticket);
    return {};
  },

  async 'room:join'(session, request, services) {
    for (let attempt = 1; ; attempt++) {
      const room = await findRoom(services, request.roomId);
      // the replica may have been let go (its last member here left) while this request waited:
      // held from here, it is not let go under the join; one let go before is loaded again
      if (room.isDisposed && attempt < 3) continue;
      try {
        return await room.holding(() => joinRoom(session, room, request, services));
      } catch (error) {
        const letGo =
          room.isDisposed && error instanceof CodedError && error.code === 'ROOM_NOT_FOUND';
        if (!letGo || attempt >= 3) throw error;
      }
    }
  },

  async 'room:leave'(session, { roomId }, services) {
    services.media().leave(session.id, roomId);
    await session.unsubscribe(roomId)?.leave(session.id);
    return {};
  },
};

/** A join of a room found (and held) for it: shedding, the waiting room, then the room's own join. */
async function joinRoom(
  session: Session,
  room: StreamRoom,
  { roomId, resume, ticket, seeAs }: ParsedRequest<'room:join'>,
  services: Services,
): Promise<ClientResponse<'room:join'>> {
  const already = session.rooms.get(roomId)?.room === room;
  // the last thing overload gives up: viewers already in (a resume) are not new joins; a room
  // with a waiting room queues them instead (it admits at most the trickle while joins are shed)
  const waiting = services.waitingRooms.inForce(room) !== null;
  if (!already && !resume && !waiting && services.sheds('joins') && !services.joinTrickle.take()) {
    services.gaveUp('joins');
    throw new CodedError('OVERLOADED', 'This server is overloaded; joining again shortly', {
      retryAfterMs: services.joinTrickle.retryAfterMs(),
    });
  }
  if (!already && session.rooms.size >= services.config.limits.maxRoomsPerConnection) {
    throw new CodedError(
      'TOO_MANY_ROOMS',
      `A connection may join at most ${services.config.limits.maxRoomsPerConnection} rooms`,
    );
  }
  const pass = already ? undefined : await services.waitingRooms.admitJoin(session, room, ticket);
  // the room may have taken a while to load: a connection gone meanwhile joins nothing
  const closed = () => !session.socket.connected;
  if (closed()) throw new CodedError('NOT_IN_ROOM', 'The connection closed');
  if (!already) session.subscribe(room);
  try {
    const view = seeAs && { region: seeAs.region, language: seeAs.lang };
    const outcome = await room.join(session, resume, view);
    if (closed()) throw new CodedError('NOT_IN_ROOM', 'The connection closed');
    // the policy may have changed while joining: the lanes follow the partition the room chose
    session.move(roomId, room.audience.of(session));
    services.waitingRooms.joined(session, roomId);
    if (!outcome.recovered) {
      const { snapshot } = outcome;
      const key = `${roomId}|${snapshot.epoch}|${snapshot.seq}|${room.audience.of(session)}`;
      snapshot.chat = services.snapshotChat.chat(key, snapshot.chat);
    }
    return pass === undefined ? outcome : { ...outcome, pass };
  } catch (error) {
    if (!already)
      await session
        .unsubscribe(roomId)
        ?.leave(session.id)
        .catch(() => undefined);
    throw error;
  }
}
