import { redisContracts } from '../../../test/contracts/redis-contracts.js';
import { useRedis } from '../../../test/helpers/redis.js';

redisContracts('redis', useRedis());
