import { redisContracts } from '../../../test/contracts/redis-contracts.js';
import { usePostgres } from '../../../test/helpers/postgres.js';
import { useRedis } from '../../../test/helpers/redis.js';

// every contract again with the order journal: what it adds must change no answer
redisContracts('redis with the order journal', useRedis(), false, usePostgres());
