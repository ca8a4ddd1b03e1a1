import { pino } from 'pino';
import { engineContract } from '../../../test/contracts/engine.contract.js';
import { useRedis } from '../../../test/helpers/redis.js';
import { inventoryContract } from '../../../test/contracts/inventory.contract.js';
import { merchantOutboxContract } from '../../../test/contracts/merchant-outbox.contract.js';
import { createRedisEngine } from './index.js';
import { afterAll } from 'vitest';

const redis = useRedis();

engineContract('redis', async (options, nodes) => {
  const keyPrefix = redis.prefix();
  const engines = Array.from({ length: nodes }, (_, i) =>
    createRedisEngine({
      ...options,
      url: redis.url,
      keyPrefix,
      nodeId: `node${i}`,
      logger: pino({ level: 'silent' }),
    }),
  );
  await Promise.all(engines.map((e) => e.ready()));
  return engines;
});

// the drops contract, on two nodes' connections to the same Redis
const inventoryEngines: ReturnType<typeof createRedisEngine>[] = [];
afterAll(async () => {
  for (const engine of inventoryEngines.splice(0)) await engine.close();
});
inventoryContract('redis', async () => {
  if (inventoryEngines.length === 0) {
    const keyPrefix = redis.prefix();
    for (const nodeId of ['a', 'b'])
      inventoryEngines.push(
        createRedisEngine({
          url: redis.url,
          keyPrefix,
          nodeId,
          historyLength: 100,
          logger: pino({ level: 'silent' }),
        }),
      );
  }
  await Promise.all(inventoryEngines.map((e) => e.ready()));
  return inventoryEngines.map((e) => e.inventory);
});

// each outbox on its own key prefix, closed with the file
const outboxEngines: ReturnType<typeof createRedisEngine>[] = [];
afterAll(async () => {
  for (const engine of outboxEngines.splice(0)) await engine.close();
});
merchantOutboxContract('redis', async () => {
  const engine = createRedisEngine({
    url: redis.url,
    keyPrefix: redis.prefix(),
    historyLength: 100,
    logger: pino({ level: 'silent' }),
  });
  outboxEngines.push(engine);
  await engine.ready();
  return engine.merchantOutbox;
});
