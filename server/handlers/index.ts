import type { HandlerTable } from './context.js';
import { auctionHandlers } from './auctions.js';
import { chatHandlers } from './chat.js';
import { dropHandlers } from './drops.js';
import { giveawayHandlers } from './giveaways.js';
import { mediaHandlers } from './media.js';
import { moderationHandlers } from './moderation.js';
import { productHandlers } from './products.js';
import { roomHandlers } from './room.js';
import { streamHandlers } from './stream.js';

/** Every client event's handler; the type makes a missing one a compile error. */
export const handlers: HandlerTable = {
  ...roomHandlers,
  ...chatHandlers,
  ...streamHandlers,
  ...productHandlers,
  ...dropHandlers,
  ...auctionHandlers,
  ...giveawayHandlers,
  ...mediaHandlers,
  ...moderationHandlers,
};

export type { HandlerTable, Services } from './context.js';
