import { CodedError } from '../../client-sdk/src/protocol/index.js';
import { assertRole, type StreamRoom } from '../../rooms/index.js';
import type { Session } from '../session.js';
import type { Handlers } from './context.js';
import { joinedRoom } from './room.js';

/** Media requests need the room joined and its stream not ended (before it starts, the host may preview). */
function member(session: Session, roomId: string): StreamRoom {
  const room = joinedRoom(session, roomId);
  if (room.stream.info.state === 'ended')
    throw new CodedError('INVALID_STATE', 'The stream has ended');
  return room;
}

/** Publishing needs the host role in the room, too. */
function host(session: Session, roomId: string): void {
  assertRole(session.identity, member(session, roomId), 'host', 'publish video');
}

export const mediaHandlers: Handlers<
  | 'media:capabilities'
  | 'media:transport'
  | 'media:connect'
  | 'media:produce'
  | 'media:consume'
  | 'media:resume'
  | 'media:layers'
  | 'media:close'
> = {
  'media:capabilities': (session, { roomId }, services) => {
    member(session, roomId);
    return services.media().capabilities(session.mediaLink, roomId);
  },

  'media:transport': (session, { roomId, direction }, services) => {
    if (direction === 'send') host(session, roomId);
    else member(session, roomId);
    return services.media().createTransport(session.mediaLink, roomId, direction);
  },

  async 'media:connect'(session, { roomId, transportId, dtlsParameters }, services) {
    member(session, roomId);
    await services.media().connect(session.mediaLink, roomId, transportId, dtlsParameters);
    return {};
  },

  'media:produce': (session, { roomId, transportId, kind, rtpParameters }, services) => {
    host(session, roomId);
    return services.media().produce(session.mediaLink, roomId, transportId, kind, rtpParameters);
  },

  'media:consume': (session, { roomId, transportId, producerId, rtpCapabilities }, services) => {
    member(session, roomId);
    return services
      .media()
      .consume(session.mediaLink, roomId, transportId, producerId, rtpCapabilities);
  },

  async 'media:resume'(session, { roomId, consumerId }, services) {
    member(session, roomId);
    await services.media().resume(session.mediaLink, roomId, consumerId);
    return {};
  },

  async 'media:layers'(session, { roomId, consumerId, ...layers }, services) {
    member(session, roomId);
    await services.media().setLayers(session.mediaLink, roomId, consumerId, layers);
    return {};
  },

  'media:close': (session, { roomId, direction }, services) => {
    services.media().leave(session.id, roomId, direction);
    return {};
  },
};
