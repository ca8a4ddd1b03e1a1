import { redisContracts } from '../../../test/contracts/redis-contracts.js';
import { useRedisCluster } from '../../../test/helpers/redis.js';

// REDIS_CLUSTER=true: the same contracts on three masters, through sharded pub/sub
redisContracts('redis cluster', useRedisCluster(), true);
