import type {
  ChatMessage,
  ClientRequest,
  ClientResponse,
  CodedError,
  RoomSnapshot,
  RoomView,
  ServerPayload,
} from './protocol/index.js';

/** What `drop:result` carries: the answer to this client's claim, checkout or cancel. */
export type DropResult = { dropId: string } & (
  | { action: 'claim'; result: ClientResponse<'drop:claim'> }
  | { action: 'checkout'; result: ClientResponse<'drop:checkout'> }
  | { action: 'cancel'; result: ClientResponse<'drop:cancel'> }
);

/** What a host sets when creating an auction. */
export type AuctionFields = Omit<ClientRequest<'auction:create'>, 'roomId'>;

/** What a host sets when opening a giveaway. */
export type GiveawayFields = Omit<ClientRequest<'giveaway:create'>, 'roomId'>;

/** What a host sets when creating a drop. */
export type DropFields = Omit<ClientRequest<'drop:create'>, 'roomId'>;

/** One of this user's messages held for review. */
export interface OwnHeld {
  id: string;
  text: string;
  /** Why, as the policy says (the rule). */
  reason: string;
}

/** Fields a host sets when creating (or editing) a stream. */
export type StreamFields = Omit<ClientRequest<'stream:create'>, 'roomId'>;

/**
 * A joined room's events, under the protocol's own names. Room events arrive once each and in
 * seq order (after a reconnect, what was missed is replayed first); `room:state` follows every
 * change with the new {@link RoomView}.
 */
export interface RoomEventMap {
  /** The state after any change (an event, the viewer count, a drop's stock, a new snapshot). */
  'room:state': (state: RoomView) => void;
  /** A full state replaced the one kept: after a resume that could not recover (or a restart). */
  'room:snapshot': (snapshot: RoomSnapshot) => void;
  /** After a reconnect or a gap: everything missed was replayed (through the events below). */
  'room:resumed': (info: { missed: number }) => void;
  /** The room is no longer joined: left, or it is gone (`error` says why). */
  'room:closed': (info: { error: CodedError | null }) => void;
  'room:viewers': (event: ServerPayload<'room:viewers'>) => void;
  'chat:message': (message: ChatMessage) => void;
  /**
   * A hot room's batch left out `skipped` messages of seqs `from`..`to` (sampling; the history
   * keeps them): show "+N more". Fired after the batch's own `chat:message` events.
   */
  'chat:skipped': (info: { from: number; to: number; skipped: number }) => void;
  /**
   * A message this viewer's audience does not see (moderation): only its seq. This user's own
   * messages are never withheld from them: they arrive as `chat:message`.
   */
  'chat:withheld': (info: { roomId: string; seq: number }) => void;
  /** One of this user's messages is held for review (the send's answer said so too). */
  'chat:held': (held: OwnHeld) => void;
  /** A moderator approved (published, with `seq`) or denied one of this user's held messages. */
  'chat:reviewed': (review: ServerPayload<'chat:reviewed'>) => void;
  'chat:deleted': (event: ServerPayload<'chat:deleted'>) => void;
  'chat:pinned': (event: ServerPayload<'chat:pinned'>) => void;
  'chat:unpinned': (event: ServerPayload<'chat:unpinned'>) => void;
  'chat:slow-mode': (event: ServerPayload<'chat:slow-mode'>) => void;
  /** The room's waiting room changed (`state.admission`). */
  'room:admission': (event: ServerPayload<'room:admission'>) => void;
  /** Shield mode went on or off (`state.shield`), and why. */
  'room:shield': (event: ServerPayload<'room:shield'>) => void;
  'stream:updated': (event: ServerPayload<'stream:updated'>) => void;
  /** A product was listed in the stream, or changed. */
  'product:updated': (event: ServerPayload<'product:updated'>) => void;
  'product:removed': (event: ServerPayload<'product:removed'>) => void;
  'product:pinned': (event: ServerPayload<'product:pinned'>) => void;
  'product:unpinned': (event: ServerPayload<'product:unpinned'>) => void;
  /** The host made a user a moderator of the room, or took it back. */
  'room:role': (event: ServerPayload<'room:role'>) => void;
  'reaction:batch': (event: ServerPayload<'reaction:batch'>) => void;
  /** A drop's stock: on every change of state, and while it sells at most 10 times a second. */
  'drop:stock': (stock: ServerPayload<'drop:stock'>) => void;
  /** The answer to this client's claim, checkout or cancel (also returned by the call). */
  'drop:result': (result: DropResult) => void;
  /** A lottery this client entered was drawn: the draw, with this buyer's result in `mine`. */
  'drop:lottery': (draw: ClientResponse<'drop:lottery'>) => void;
  /**
   * An auction changed (created, started, a bid taken, ended, settled): `state.auctions` holds the
   * newest. Never sampled; an update older than one already seen is not announced.
   */
  'auction:update': (state: ServerPayload<'auction:update'>) => void;
  /** Another buyer's bid took the lead from this one. */
  'auction:outbid': (notice: ServerPayload<'auction:outbid'>) => void;
  /** This buyer won an auction: the item is held for them at the winning price (check out with `drops.checkout`). */
  'auction:won': (state: ServerPayload<'auction:update'>) => void;
  /**
   * A giveaway changed (opened, closed, drawn with its seed revealed, a prize claimed or drawn
   * again; its entry count at most twice a second): `state.giveaways` holds the newest.
   */
  'giveaway:update': (state: ServerPayload<'giveaway:update'>) => void;
  /** This user won a giveaway: the prize is held for them at 0 until `claimBy` (claim it with `drops.checkout`). */
  'giveaway:won': (state: ServerPayload<'giveaway:update'>) => void;
  /** The simulcast layers a watched video now arrives in (lower when bandwidth drops). */
  'media:layers': (event: ServerPayload<'media:layers'>) => void;
}
