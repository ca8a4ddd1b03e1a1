import { pino } from 'pino';
import { engineContract } from '../../../test/contracts/engine.contract.js';
import { useRedis } from '../../../test/helpers/redis.js';
import { createRedisEngine } from './index.js';

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
