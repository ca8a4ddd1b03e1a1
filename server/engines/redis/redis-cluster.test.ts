import { pino } from 'pino';
import { engineContract } from '../../../test/contracts/engine.contract.js';
import { useRedisCluster } from '../../../test/helpers/redis.js';
import { createRedisEngine } from './index.js';

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
