import { useEffect, useState } from 'preact/hooks';
import {
  CodedError,
  ID_PATTERN,
  type JoinOptions,
  type LiveShopClient,
  type QueueStatus,
  type Room,
  type RoomView,
} from '../../../src/index.js';

/** Where a page stands with its room. */
export type Phase = 'connecting' | 'queued' | 'joined' | 'closed' | 'failed';

export interface Show {
  phase: Phase;
  room: Room | null;
  view: RoomView | null;
  /** The connection is down; the SDK reconnects and resumes by itself. */
  reconnecting: boolean;
  /** In a full room's waiting room. */
  queue: QueueStatus | null;
  error: CodedError | null;
}

/** Connection refusals that retrying with the same token will not change. */
const REFUSED = new Set(['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'AUTH_REQUIRED', 'BANNED']);

const INITIAL: Show = {
  phase: 'connecting',
  room: null,
  view: null,
  reconnecting: false,
  queue: null,
  error: null,
};

/**
 * Joins a room (waiting in line if it is full) and follows it: the newest view after every change,
 * the connection's state, and why it ended. Leaves when the page lets go of it. The join's
 * `options` are the page's (read when the room changes).
 */
export function useShow(
  client: LiveShopClient,
  roomId: string | null,
  options: JoinOptions = {},
): Show {
  const [show, setShow] = useState<Show>(INITIAL);
  useEffect(() => {
    if (!roomId) return;
    if (!ID_PATTERN.test(roomId)) {
      // a malformed link: nobody could have made this room
      setShow({
        ...INITIAL,
        phase: 'failed',
        error: new CodedError('ROOM_NOT_FOUND', 'No such room'),
      });
      return;
    }
    let gone = false;
    const update = (change: Partial<Show>) => {
      if (!gone) setShow((s) => ({ ...s, ...change }));
    };
    const offs = [
      client.on('disconnected', () => update({ reconnecting: true })),
      client.on('reconnecting', () => update({ reconnecting: true })),
      client.on('connected', () => update({ reconnecting: false })),
      client.on('queue', (queue) => update({ phase: 'queued', queue })),
      // a refused connection is final until the token changes: say why instead of waiting
      client.on('error', (error) => {
        if (REFUSED.has(error.code)) update({ phase: 'failed', error });
      }),
    ];
    let room: Room | null = null;
    client.join(roomId, options).then(
      (joined) => {
        room = joined;
        if (gone) {
          void joined.leave();
          return;
        }
        offs.push(
          joined.on('room:state', (view) => update({ view })),
          joined.on('room:resumed', () => update({ reconnecting: false })),
          joined.on('room:closed', ({ error }) => update({ phase: 'closed', error })),
        );
        update({ phase: 'joined', room: joined, view: joined.state, queue: null });
      },
      (error: unknown) => {
        const coded =
          error instanceof CodedError ? error : new CodedError('INTERNAL', String(error));
        // a refusal already said why; the join's own timeout after it says less
        if (!gone)
          setShow((s) => (s.phase === 'failed' ? s : { ...s, phase: 'failed', error: coded }));
      },
    );
    return () => {
      gone = true;
      for (const off of offs) off();
      if (room) void room.leave();
    };
  }, [client, roomId]);
  return show;
}

/** The server's clock, ticking (every `everyMs`) so countdowns redraw. */
export function useServerNow(client: LiveShopClient, everyMs = 250): number {
  const [now, setNow] = useState(() => client.serverNow());
  useEffect(() => {
    const timer = setInterval(() => setNow(client.serverNow()), everyMs);
    return () => clearInterval(timer);
  }, [client, everyMs]);
  return now;
}
