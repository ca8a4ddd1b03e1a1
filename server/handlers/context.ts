import type { Logger } from 'pino';
import type {
  ClientEventName,
  ClientResponse,
  ParsedRequest,
} from '../../client-sdk/src/protocol/index.js';
import type { MediaService } from '../../media/index.js';
import type { RoomRegistry } from '../../rooms/index.js';
import type { Config } from '../config.js';
import type { PolicySource } from '../moderation/policy-source.js';
import type { ShedStep, Trickle } from '../overload.js';
import type { SnapshotChatCache } from '../snapshot-cache.js';
import type { WaitingRooms } from '../waiting-room.js';
import type { Session } from '../session.js';

/** What handlers may use. */
export interface Services {
  readonly config: Config;
  readonly registry: RoomRegistry;
  readonly logger: Logger;
  now(): number;
  /** Live video; refuses with MEDIA_UNAVAILABLE when no worker runs. */
  media(): MediaService;
  /** A stream ended: its media closes. */
  streamEnded(roomId: string): void;
  /** The moderation policy in force here (none: no moderation): from the file, the API or a peer. */
  readonly policy: PolicySource;
  /** Whether overload gives up this work now (new joins are the last step). */
  sheds(step: ShedStep): boolean;
  /** The new joins still let in while joins are shed, and the waits of the others. */
  readonly joinTrickle: Pick<Trickle, 'take' | 'retryAfterMs'>;
  /** Snapshot chat stringified once per room, seq and audience (see SnapshotChatCache). */
  readonly snapshotChat: SnapshotChatCache;
  /** Waiting rooms: who may join, places in line, admissions. */
  readonly waitingRooms: WaitingRooms;
  /** Counts work given up to overload (a metric). */
  gaveUp(work: 'joins'): void;
}

/** A handler sees only validated input and returns the ack's result, or throws a CodedError. */
export type Handler<E extends ClientEventName> = (
  session: Session,
  input: ParsedRequest<E>,
  services: Services,
) => Promise<ClientResponse<E>> | ClientResponse<E>;

export type HandlerTable = { [E in ClientEventName]: Handler<E> };
export type Handlers<E extends ClientEventName> = { [K in E]: Handler<K> };

/** Who sends a request that needs no connection (the HTTP API): just an identity. */
export type Actor = Pick<Session, 'identity'>;

/** Handlers that need only the sender's identity, so the HTTP API can run them too. */
export type ActorHandlers<E extends ClientEventName> = {
  [K in E]: (
    actor: Actor,
    input: ParsedRequest<K>,
    services: Services,
  ) => Promise<ClientResponse<K>> | ClientResponse<K>;
};
