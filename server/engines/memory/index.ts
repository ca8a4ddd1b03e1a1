import type { MediaBusPort } from '../../../media/bus.js';
import type { Engine } from '../../../rooms/index.js';
import { join } from 'node:path';
import { Journal } from '../durable/journal.js';
import { durableInventory, durableOutbox } from '../durable/ports.js';
import { durableAuctions, durableGiveaways } from '../durable/replayed.js';
import { DurableRooms } from '../durable/rooms.js';
import { MemoryBroker } from './broker.js';
import { MemoryHistory } from './history.js';
import { MemoryInventory } from './inventory.js';
import { MemoryMediaBus, MemoryMediaHub } from './media-bus.js';
import { MemoryMerchantOutbox } from './merchant-outbox.js';
import { MemoryModeration } from './moderation.js';
import { MemoryWaitingRoom } from './waiting-room.js';
import { MemoryPolicyStore } from './policy-store.js';
import { MemoryPresence } from './presence.js';
import { MemoryRateLimits } from './rate-limits.js';
import { MemoryAuctions } from './auctions.js';
import { MemoryGiveaways } from './giveaways.js';

export interface MemoryEngineOptions {
  historyLength: number;
  now?: () => number;
  /**
   * Keep drops, orders and merchant events in a journal file here (created if missing), so a
   * restart, even `kill -9`, loses no answer a buyer got. Without: memory only.
   */
  dataDir?: string;
  /** The journal failed to commit (a full or lost disk): every write is refused from then on. */
  onJournalBroken?: (error: Error) => void;
}

/** The embedded engine: everything in this process, nothing to install. */
export function createMemoryEngine(
  options: MemoryEngineOptions,
): Engine & { mediaBus: MediaBusPort; journal: Journal | null } {
  const now = options.now ?? Date.now;
  const broker = new MemoryBroker();
  const journal =
    options.dataDir === undefined
      ? null
      : new Journal(join(options.dataDir, 'liveshop.db'), {
          ...(options.onJournalBroken ? { onBroken: options.onJournalBroken } : {}),
        });
  const rooms = journal ? new DurableRooms(journal) : undefined;
  const history = new MemoryHistory(options.historyLength, broker, now, rooms);
  if (rooms) history.restore(rooms.load(options.historyLength, now()));
  return {
    name: journal ? 'embedded' : 'memory',
    journal,
    history,
    broker,
    presence: new MemoryPresence(),
    rateLimits: new MemoryRateLimits(now),
    inventory: journal ? durableInventory(journal) : new MemoryInventory(),
    merchantOutbox: journal ? durableOutbox(journal, now) : new MemoryMerchantOutbox(now),
    moderation: new MemoryModeration(),
    waitingRoom: new MemoryWaitingRoom(),
    auctions: journal ? durableAuctions(journal) : new MemoryAuctions(),
    giveaways: journal ? durableGiveaways(journal) : new MemoryGiveaways(),
    policies: new MemoryPolicyStore(),
    mediaBus: new MemoryMediaBus(new MemoryMediaHub(now)),
    // a journal that failed to commit stops the node taking traffic (it restarts from its file)
    isReady: () => journal?.broken == null,
    notReadyReason: () =>
      journal?.broken
        ? `journal ${journal.file} failed to commit: ${journal.broken.message}`
        : null,
    close: () => {
      journal?.close();
      return Promise.resolve();
    },
  };
}

export {
  MemoryBroker,
  MemoryHistory,
  MemoryInventory,
  MemoryMediaBus,
  MemoryMediaHub,
  MemoryMerchantOutbox,
  MemoryModeration,
  MemoryPolicyStore,
  MemoryPresence,
  MemoryRateLimits,
};
