import { compareAuctionStates } from './auction-order.js';
import type { AuctionState } from './auctions.js';
import { compareGiveawayStates } from './giveaway-order.js';
import type { GiveawayState } from './giveaways.js';
import type { DropStock } from './drops.js';
import type { RoomAdmission } from './queue.js';
import type { ServerPayload } from './events.js';
import type {
  ChatMessage,
  Product,
  Role,
  ShieldState,
  RoomEvent,
  RoomEventInput,
  RoomEventOf,
  RoomSnapshot,
  StreamInfo,
} from './schemas.js';

/**
 * A room's state as a fold over its events, shared by the server (its replicas) and the SDK (the
 * state it keeps for the app), so both agree on what an event does. Types only from the schema
 * files: nothing here needs zod at run time.
 */

/** The part of a room's state that control events change; the server stores it whole with each. */
export interface RoomControl {
  stream: StreamInfo;
  slowModeSeconds: number;
  pinned: ChatMessage[];
  /** The stream's products, in listing order. */
  products: Product[];
  /** Ids of pinned products, oldest pin first. */
  pinnedProducts: string[];
  /** Users the host made moderators of the room. */
  moderators: string[];
  /** Shield mode, while it is on. */
  shield: ShieldState | null;
  /** The room's waiting room, if it has one. */
  admission: RoomAdmission | null;
}

/** The chat message a `chat:message` event carries. */
export function toChatMessage(event: RoomEventOf<'chat:message'>): ChatMessage {
  return { id: event.id, seq: event.seq, ts: event.ts, author: event.author, text: event.text };
}

/** True for the events that change {@link RoomControl} (everything but chat messages and their placeholders). */
export const isControl = (event: Pick<RoomEventInput, 'type'>): boolean =>
  event.type !== 'chat:message' && event.type !== 'chat:withheld';

/** The control state after an event (a new object; chat messages leave it as it is). */
export function applyControl(control: RoomControl, event: RoomEventInput): RoomControl {
  switch (event.type) {
    case 'chat:message':
    case 'chat:withheld':
      return control;
    case 'chat:deleted':
    case 'chat:unpinned':
      return { ...control, pinned: control.pinned.filter((m) => m.id !== event.messageId) };
    case 'chat:pinned':
      return {
        ...control,
        pinned: [...control.pinned.filter((m) => m.id !== event.message.id), event.message],
      };
    case 'chat:slow-mode':
      return { ...control, slowModeSeconds: event.seconds };
    case 'room:admission':
      return { ...control, admission: event.admission };
    case 'room:shield':
      return { ...control, shield: event.shield, slowModeSeconds: event.slowModeSeconds };
    case 'stream:updated':
      return { ...control, stream: event.stream };
    case 'product:updated': {
      const { product } = event;
      const at = control.products.findIndex((p) => p.id === product.id);
      const products =
        at < 0
          ? [...control.products, product]
          : control.products.map((p, i) => (i === at ? product : p));
      return { ...control, products };
    }
    case 'product:removed':
      return {
        ...control,
        products: control.products.filter((p) => p.id !== event.productId),
        pinnedProducts: control.pinnedProducts.filter((id) => id !== event.productId),
      };
    case 'product:pinned':
      return {
        ...control,
        pinnedProducts: [
          ...control.pinnedProducts.filter((id) => id !== event.productId),
          event.productId,
        ],
      };
    case 'product:unpinned':
      return {
        ...control,
        pinnedProducts: control.pinnedProducts.filter((id) => id !== event.productId),
      };
    case 'room:role': {
      const others = control.moderators.filter((id) => id !== event.userId);
      return {
        ...control,
        moderators: event.role === 'moderator' ? [...others, event.userId] : others,
      };
    }
  }
}

/** How many recent messages a {@link RoomView} keeps by default. */
export const VIEW_CHAT_LIMIT = 100;

/**
 * A joined room as a client sees it. Immutable: every change makes a new object (and keeps the
 * parts it did not touch), so a UI can compare by reference.
 */
export interface RoomView extends RoomControl {
  roomId: string;
  epoch: string;
  /** The last event applied. */
  seq: number;
  /** This user's role in the room. */
  role: Role;
  viewers: number;
  /** Recent messages not deleted, oldest first. */
  chat: ChatMessage[];
  /** The room's drops and their stock, in the order they were first seen. */
  drops: DropStock[];
  /** The room's auctions, each as newest seen, in the order they were first seen. */
  auctions: AuctionState[];
  /** The room's giveaways, likewise. */
  giveaways: GiveawayState[];
}

/** What changes a {@link RoomView}: a room event, the viewer count, a drop's stock or an auction. */
export type RoomUpdate =
  | RoomEvent
  | ({ type: 'room:viewers' } & ServerPayload<'room:viewers'>)
  | ({ type: 'drop:stock' } & ServerPayload<'drop:stock'>)
  | ({ type: 'auction:update' } & ServerPayload<'auction:update'>)
  | ({ type: 'giveaway:update' } & ServerPayload<'giveaway:update'>);

/** The view a snapshot describes. */
export function viewOf(snapshot: RoomSnapshot): RoomView {
  const { serverTime: _, ...view } = snapshot;
  return view;
}

/** The view after an update; room events must come in seq order (the SDK sees to it). */
export function reduceRoom(
  view: RoomView,
  update: RoomUpdate,
  chatLimit = VIEW_CHAT_LIMIT,
): RoomView {
  switch (update.type) {
    case 'room:viewers':
      return update.count === view.viewers ? view : { ...view, viewers: update.count };
    case 'drop:stock': {
      const { roomId: _, type: __, ...stock } = update;
      return { ...view, drops: upsert(view.drops, stock, (d) => d.dropId) };
    }
    case 'auction:update': {
      const { roomId: _, type: __, serverTime: ___, ...auction } = update;
      const auctions = upsert(view.auctions, auction, (a) => a.auctionId, compareAuctionStates);
      return auctions === view.auctions ? view : { ...view, auctions };
    }
    case 'giveaway:update': {
      const { roomId: _, type: __, serverTime: ___, ...giveaway } = update;
      const giveaways = upsert(
        view.giveaways,
        giveaway,
        (g) => g.giveawayId,
        compareGiveawayStates,
      );
      return giveaways === view.giveaways ? view : { ...view, giveaways };
    }
    case 'chat:message': {
      const chat = [...view.chat, toChatMessage(update)];
      return {
        ...view,
        seq: update.seq,
        chat: chat.length > chatLimit ? chat.slice(-chatLimit) : chat,
      };
    }
    case 'chat:withheld':
      return { ...view, seq: update.seq };
    default: {
      const chat =
        update.type === 'chat:deleted'
          ? view.chat.filter((m) => m.id !== update.messageId)
          : view.chat;
      return { ...view, ...applyControl(view, update), seq: update.seq, chat };
    }
  }
}

/**
 * `list` with `item` in the place of the one of its id (or added last); with `compare`, only if
 * newer than the one held (two servers' updates may cross), else `list` itself.
 */
function upsert<T>(
  list: T[],
  item: T,
  idOf: (t: T) => string,
  compare?: (a: T, b: T) => number,
): T[] {
  const at = list.findIndex((t) => idOf(t) === idOf(item));
  const held = list[at];
  if (held === undefined) return [...list, item];
  if (compare && compare(item, held) <= 0) return list;
  return list.map((t, i) => (i === at ? item : t));
}
