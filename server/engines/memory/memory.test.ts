import { auctionContract } from '../../../test/contracts/auctions.contract.js';
import { giveawayContract } from '../../../test/contracts/giveaways.contract.js';
import { engineContract } from '../../../test/contracts/engine.contract.js';
import { inventoryContract } from '../../../test/contracts/inventory.contract.js';
import { mediaBusContract } from '../../../test/contracts/media-bus.contract.js';
import { merchantOutboxContract } from '../../../test/contracts/merchant-outbox.contract.js';
import { moderationContract } from '../../../test/contracts/moderation.contract.js';
import { waitingRoomContract } from '../../../test/contracts/waiting-room.contract.js';
import { MemoryWaitingRoom } from './waiting-room.js';
import { MemoryAuctions } from './auctions.js';
import { MemoryGiveaways } from './giveaways.js';
import { policyStoreContract } from '../../../test/contracts/policy-store.contract.js';
import {
  createMemoryEngine,
  MemoryInventory,
  MemoryMediaBus,
  MemoryMediaHub,
  MemoryMerchantOutbox,
  MemoryModeration,
  MemoryPolicyStore,
} from './index.js';

// one process is one node: every "node" is the same engine
engineContract('memory', (options, nodes) => {
  const engine = createMemoryEngine(options);
  return Promise.resolve(Array.from({ length: nodes }, () => engine));
});

// in-process steps are cheap: more runs find subtler mistakes
inventoryContract(
  'memory',
  () => {
    const inventory = new MemoryInventory();
    return Promise.resolve([inventory, inventory]);
  },
  { runs: 1000 },
);

merchantOutboxContract('memory', () => Promise.resolve(new MemoryMerchantOutbox()));

// one process is one node: every "node" holds the same store
moderationContract('memory', (count) => {
  const store = new MemoryModeration();
  return Promise.resolve(Array.from({ length: count }, () => store));
});

waitingRoomContract('memory', (count) => {
  const store = new MemoryWaitingRoom();
  return Promise.resolve(Array.from({ length: count }, () => store));
});

policyStoreContract('memory', (count) => {
  const store = new MemoryPolicyStore();
  return Promise.resolve(Array.from({ length: count }, () => store));
});

// several in-process nodes share one hub (the memory engine itself is one node)
mediaBusContract('memory', (count) => {
  const hub = new MemoryMediaHub();
  return Promise.resolve(
    Array.from({ length: count }, (_, i) => new MemoryMediaBus(hub, `node${i}`)),
  );
});

{
  // one store, as every node of the embedded engine shares its process
  const store = new MemoryAuctions();
  auctionContract('memory', (count) => Promise.resolve(Array.from({ length: count }, () => store)));
  const giveaways = new MemoryGiveaways();
  giveawayContract('memory', (count) =>
    Promise.resolve(Array.from({ length: count }, () => giveaways)),
  );
}
