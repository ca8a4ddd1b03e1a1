import type {
  AuctionState,
  GiveawayState,
  RoomEvent,
  ServerPayload,
} from '../../client-sdk/src/protocol/index.js';

/** Reactions summed per kind (a tick's worth, or what another node summed). */
export type ReactionCounts = ServerPayload<'reaction:batch'>['counts'];

/** What travels on a room's channel. */
export type BrokerMessage =
  | { kind: 'event'; epoch: string; event: RoomEvent }
  | { kind: 'reactions'; node: string; counts: ReactionCounts }
  /** A drop of the room changed: nodes re-read its stock. */
  | { kind: 'drop'; dropId: string }
  /** An auction of the room changed: its state as read after the change (nodes keep the newest). */
  | { kind: 'auction'; state: AuctionState }
  /** A giveaway of the room changed: its state as read after the change. */
  | { kind: 'giveaway'; state: GiveawayState }
  /** For one user's connections in the room, wherever they are (moderation notices). */
  | { kind: 'user'; userId: string; notice: UserNotice };

export interface BrokerListener {
  /** A message on the room's channel; events arrive in seq order unless the link dropped. */
  message(message: BrokerMessage): void;
  /** The link to the broker came back: messages may have been lost, so catch up from history. */
  resync(): void;
}

/** Fan-out between nodes: one channel per room. */
export interface BrokerPort {
  /** This node's id, unique among the nodes sharing the engine. */
  readonly nodeId: string;
  /** Resolves once messages published after it will be delivered; returns the unsubscribe. */
  subscribe(roomId: string, listener: BrokerListener): Promise<() => void>;
  /** Publishes an unsequenced message (reaction sums) to every node's subscribers, this one's too. */
  publish(roomId: string, message: BrokerMessage): Promise<void>;
}

/** A notice for one user's connections in a room. */
export type UserNotice =
  | { type: 'chat:reviewed'; payload: ServerPayload<'chat:reviewed'> }
  | { type: 'room:removed'; payload: ServerPayload<'room:removed'> }
  | { type: 'auction:outbid'; payload: ServerPayload<'auction:outbid'> };
