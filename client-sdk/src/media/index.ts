import { CodedError } from '../protocol/error-codes.js';
import type { Room } from '../room.js';
import {
  Publication,
  Viewing,
  type MediaChannel,
  type PublishOptions,
  type WatchOptions,
} from './session.js';

export {
  Publication,
  Viewing,
  type PublishOptions,
  type SentVideoStats,
  type VideoStats,
  type WatchOptions,
} from './session.js';

/**
 * Live video, its own entry point (`liveshop/sdk/media`) so apps that only chat and buy do not
 * ship mediasoup-client. A session belongs to a joined room: it is set up again after reconnects
 * (or when the server loses the stream), closes when the room is left, and `close()` stops it.
 */

/** Publishes a host's camera and microphone in a joined room (video with simulcast). */
export function publish(
  room: Room,
  stream: MediaStream,
  options?: PublishOptions,
): Promise<Publication> {
  return start(room, (channel) => new Publication(channel, room.id, stream, options));
}

/**
 * Plays a joined room's video in `element` (pass null to handle `viewing.stream` yourself).
 * Tracks the host publishes later are added as they come.
 */
export function watch(
  room: Room,
  element: HTMLVideoElement | null,
  options?: WatchOptions,
): Promise<Viewing> {
  return start(room, (channel) => new Viewing(channel, room.id, element, options));
}

async function start<S extends Publication | Viewing>(
  room: Room,
  make: (channel: MediaChannel) => S,
): Promise<S> {
  if (!room.joined) throw new CodedError('NOT_IN_ROOM', `Join room ${room.id} first`);
  const session = make({
    request: (event, payload) => room.request(event, payload),
    failed: (error) => room.mediaFailed(error),
  });
  // the server keeps one publishing and one watching side per connection and room
  const detach = room.attachMedia(session);
  const close = session.close.bind(session);
  session.close = async () => {
    detach();
    await close();
  };
  try {
    await session.start();
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
}
