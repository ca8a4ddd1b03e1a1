import { pino } from 'pino';
import { engineContract } from '../../../test/contracts/engine.contract.js';
import { useRedisCluster } from '../../../test/helpers/redis.js';
import { inventoryContract } from '../../../test/contracts/inventory.contract.js';
import { createRedisEngine } from './index.js';
import { afterAll } from 'vitest';

// REDIS_CLUSTER=true: the same contract on three masters, through sharded pub/sub
const cluster = useRedisCluster();

engineContract('redis cluster', async (options, nodes) => {
  const keyPrefix = cluster.prefix();
  const engines = Array.from({ length: nodes }, (_, i) =>
    createRedisEngine({
      ...options,
      url: cluster.url,
      cluster: true,
      keyPrefix,
      nodeId: `node${i}`,
      logger: pino({ level: 'silent' }),
    }),
  );
  await Promise.all(engines.map((e) => e.ready()));
  return engines;
});

// the drops contract, on two nodes' connections to the same cluster
const inventoryEngines: ReturnType<typeof createRedisEngine>[] = [];
afterAll(async () => {
  for (const engine of inventoryEngines.splice(0)) await engine.close();
});
inventoryContract('redis cluster', async () => {
  if (inventoryEngines.length === 0) {
    const keyPrefix = cluster.prefix();
    for (const nodeId of ['a', 'b'])
      inventoryEngines.push(
        createRedisEngine({
          url: cluster.url,
          keyPrefix,
          nodeId,
          historyLength: 100,
          cluster: true,
          logger: pino({ level: 'silent' }),
        }),
      );
  }
  await Promise.all(inventoryEngines.map((e) => e.ready()));
  return inventoryEngines.map((e) => e.inventory);
});
