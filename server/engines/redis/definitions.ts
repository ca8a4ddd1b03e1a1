import { byCreation } from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';

/**
 * The definitions a room's index lists (auctions, giveaways): each one's JSON from the `def`
 * field of its hash, by creation. An id whose definition is not there yet (its creation is on
 * its way) or is another room's is skipped.
 */
export async function roomDefinitions<T extends { id: string; roomId: string; createdAt: number }>(
  redis: RedisClient,
  indexKey: string,
  hashKeyOf: (id: string) => string,
  roomId: string,
): Promise<T[]> {
  const ids = await guarded(() => redis.zrange(indexKey, '0', '-1'));
  const defs = await Promise.all(ids.map((id) => guarded(() => redis.hget(hashKeyOf(id), 'def'))));
  return defs
    .filter((raw): raw is string => raw !== null)
    .map((raw) => JSON.parse(raw) as T)
    .filter((d) => d.roomId === roomId)
    .sort(byCreation);
}
