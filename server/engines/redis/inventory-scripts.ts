/**
 * Lua scripts for drops. Every script takes the same seven keys of one drop (all with the drop's
 * hash tag): the drop hash, holds (hold → buyer, and hold#expiresAt), the expiry set of active
 * holds, hold statuses, units per buyer, stored answers, and the orders Stream. Each first expires the holds whose
 * time ran out, so stock always adds up and each expired hold returns its unit exactly once.
 */
const EXPIRE = `
local K_DROP, K_HOLDS, K_EXP, K_STAT, K_BUYERS, K_ANSWERS, K_ORDERS = unpack(KEYS)
-- ends an active hold without an order: its unit returns to stock, its buyer's count drops
local function release(h, status)
  redis.call('ZREM', K_EXP, h)
  redis.call('HSET', K_STAT, h, status)
  redis.call('HINCRBY', K_DROP, 'held', -1)
  redis.call('HINCRBY', K_DROP, 'remaining', 1)
  local buyer = redis.call('HGET', K_HOLDS, h)
  if redis.call('HINCRBY', K_BUYERS, buyer, -1) <= 0 then redis.call('HDEL', K_BUYERS, buyer) end
end
local function expire(now)
  for _, h in ipairs(redis.call('ZRANGEBYSCORE', K_EXP, '-inf', now)) do release(h, 'expired') end
end
`;

export const DROP_KEYS = 7;

export const inventoryScripts = {
  /** ARGV id, roomId, productId, quantity, cap, startsAt, endsAt, holdMs → 1 if created. */
  dropCreate: {
    numberOfKeys: DROP_KEYS,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'roomId', ARGV[2], 'productId', ARGV[3],
  'quantity', ARGV[4], 'cap', ARGV[5], 'startsAt', ARGV[6], 'endsAt', ARGV[7], 'holdMs', ARGV[8],
  'remaining', ARGV[4], 'held', 0, 'sold', 0, 'holds', 0, 'orders', 0)
return 1`,
  },
  /** ARGV buyer, key, now → the answer (JSON), or false for an unknown drop. */
  dropClaim: {
    numberOfKeys: DROP_KEYS,
    lua: `${EXPIRE}
local answerKey = 'claim\\n' .. ARGV[1] .. '\\n' .. ARGV[2]
local earlier = redis.call('HGET', K_ANSWERS, answerKey)
if earlier then return earlier end
if redis.call('EXISTS', K_DROP) == 0 then return false end
local now = tonumber(ARGV[3])
expire(now)
local d = redis.call('HMGET', K_DROP, 'id', 'startsAt', 'endsAt', 'remaining', 'cap', 'holdMs')
local startsAt, endsAt, remaining, cap = tonumber(d[2]), tonumber(d[3]), tonumber(d[4]), tonumber(d[5])
local answer
if now >= endsAt then
  answer = '{"outcome":"not_live","state":"ended","startsAt":' .. d[2] .. '}'
elseif now < startsAt then
  answer = '{"outcome":"not_live","state":"scheduled","startsAt":' .. d[2] .. '}'
elseif remaining <= 0 then
  answer = '{"outcome":"sold_out"}'
elseif tonumber(redis.call('HGET', K_BUYERS, ARGV[1]) or '0') >= cap then
  answer = '{"outcome":"limit_reached","cap":' .. d[5] .. '}'
else
  local hold = d[1] .. '.h' .. redis.call('HINCRBY', K_DROP, 'holds', 1)
  local expiresAt = ARGV[3] + tonumber(d[6])
  redis.call('HSET', K_HOLDS, hold, ARGV[1], hold .. '#expiresAt', string.format('%d', expiresAt))
  redis.call('HSET', K_STAT, hold, 'active')
  redis.call('ZADD', K_EXP, expiresAt, hold)
  redis.call('HINCRBY', K_BUYERS, ARGV[1], 1)
  redis.call('HINCRBY', K_DROP, 'remaining', -1)
  redis.call('HINCRBY', K_DROP, 'held', 1)
  answer = '{"outcome":"held","holdId":"' .. hold .. '","expiresAt":' .. string.format('%d', expiresAt) .. '}'
end
redis.call('HSET', K_ANSWERS, answerKey, answer)
return answer`,
  },
  /** ARGV hold, buyer, key, now → the answer (JSON), or false for an unknown drop. */
  dropCheckout: {
    numberOfKeys: DROP_KEYS,
    lua: `${EXPIRE}
local answerKey = 'checkout\\n' .. ARGV[2] .. '\\n' .. ARGV[3]
local earlier = redis.call('HGET', K_ANSWERS, answerKey)
if earlier then return earlier end
if redis.call('EXISTS', K_DROP) == 0 then return false end
expire(tonumber(ARGV[4]))
local answer
local status = redis.call('HGET', K_STAT, ARGV[1])
if not status or redis.call('HGET', K_HOLDS, ARGV[1]) ~= ARGV[2] then
  answer = '{"outcome":"not_found"}'
elseif status == 'active' then
  local order = redis.call('HGET', K_DROP, 'id') .. '.o' .. redis.call('HINCRBY', K_DROP, 'orders', 1)
  redis.call('ZREM', K_EXP, ARGV[1])
  redis.call('HSET', K_STAT, ARGV[1], 'ordered:' .. order)
  redis.call('HINCRBY', K_DROP, 'held', -1)
  redis.call('HINCRBY', K_DROP, 'sold', 1)
  redis.call('XADD', K_ORDERS, '*', 'order', order, 'hold', ARGV[1], 'buyer', ARGV[2], 'at', ARGV[4])
  answer = '{"outcome":"ordered","orderId":"' .. order .. '","holdId":"' .. ARGV[1] .. '"}'
elseif string.sub(status, 1, 8) == 'ordered:' then
  answer = '{"outcome":"ordered","orderId":"' .. string.sub(status, 9) .. '","holdId":"' .. ARGV[1] .. '"}'
else
  answer = '{"outcome":"' .. status .. '"}'
end
redis.call('HSET', K_ANSWERS, answerKey, answer)
return answer`,
  },
  /** ARGV hold, buyer, now → the answer (JSON), or false for an unknown drop. */
  dropCancel: {
    numberOfKeys: DROP_KEYS,
    lua: `${EXPIRE}
if redis.call('EXISTS', K_DROP) == 0 then return false end
expire(tonumber(ARGV[3]))
local status = redis.call('HGET', K_STAT, ARGV[1])
if not status or redis.call('HGET', K_HOLDS, ARGV[1]) ~= ARGV[2] then return '{"outcome":"not_found"}' end
if status == 'active' then
  release(ARGV[1], 'cancelled')
  return '{"outcome":"cancelled"}'
end
if string.sub(status, 1, 8) == 'ordered:' then
  return '{"outcome":"ordered","orderId":"' .. string.sub(status, 9) .. '"}'
end
return '{"outcome":"' .. status .. '"}'`,
  },
  /** ARGV now → {quantity, remaining, held, sold, startsAt, endsAt}, or false. */
  dropStock: {
    numberOfKeys: DROP_KEYS,
    lua: `${EXPIRE}
if redis.call('EXISTS', K_DROP) == 0 then return false end
expire(tonumber(ARGV[1]))
return redis.call('HMGET', K_DROP, 'quantity', 'remaining', 'held', 'sold', 'startsAt', 'endsAt')`,
  },
} as const;
