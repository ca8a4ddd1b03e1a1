import type { DropDefinition } from '../../../rooms/index.js';
import { TOKEN_BUCKET } from './scripts.js';

/** A drop's definition as its scripts take it (dropCreate, dropRestoreBegin). */
export function definitionArgs(drop: DropDefinition): (string | number)[] {
  return [
    drop.id,
    drop.roomId,
    JSON.stringify(drop.product),
    drop.quantity,
    drop.perBuyerCap,
    drop.startsAt,
    drop.endsAt,
    drop.holdMs,
    drop.minPresenceMs,
    drop.mode,
    drop.seed ?? '',
    drop.seedHash ?? '',
    drop.nonce,
  ];
}

/**
 * Lua scripts for drops. Every script takes the same seven keys of one drop (all with the drop's
 * hash tag): the drop hash, holds (hold → buyer, and hold#expiresAt), the expiry set of active
 * holds, hold statuses, units per buyer, stored answers, and the drop's log (a Stream with ids
 * `0-n`: its changes of state and its orders, written in the same step as the change). Each first
 * expires the holds whose time ran out, so stock always adds up and each expired hold returns its
 * unit exactly once, and logs the drop's state when the clock or the stock changed it.
 */
const PRELUDE = `${TOKEN_BUCKET}
local K_DROP, K_HOLDS, K_EXP, K_STAT, K_BUYERS, K_ANSWERS, K_LOG = unpack(KEYS)
-- fields of the buyers hash: units held or bought, the claim bucket, the lottery entry
local function units(buyer) return 'n\\n' .. buyer end
-- the drop's clock: the latest time any node told it, so a node whose clock lags cannot reopen
-- a drop another node saw end
local function clock(now)
  local last = tonumber(redis.call('HGET', K_DROP, 'clock') or '0')
  if now > last then
    redis.call('HSET', K_DROP, 'clock', string.format('%d', now))
    return now
  end
  return last
end
-- a drop set to expire (settled, see closeRelay) keeps every key it writes on the same clock
local function keep()
  local ttl = redis.call('PTTL', K_DROP)
  if ttl > 0 then
    for i = 2, #KEYS do redis.call('PEXPIRE', KEYS[i], ttl) end
  end
end
-- the drop's epoch: how often it was restored from the order journal after Redis lost data. Hold,
-- order and event ids made in a later epoch carry it, so none repeats an id the lost data gave out
local function epoch() return tonumber(redis.call('HGET', K_DROP, 'epoch') or '0') end
local function log(...)
  local n = redis.call('HINCRBY', K_DROP, 'events', 1)
  local e = epoch()
  if e > 0 then
    redis.call('XADD', K_LOG, '0-' .. n, 'e', e, ...)
  else
    redis.call('XADD', K_LOG, '0-' .. n, ...)
  end
  return n
end
-- a drop being restored answers nothing until it is whole (the caller retries: UNAVAILABLE)
local function restoring() return redis.call('HGET', K_DROP, 'restoring') == '1' end
local RESTORING = 'RESTORING the drop is being restored from the order journal'
-- a new hold's id: the drop's id, its epoch (from 1), the hold's number, a random tail
local function holdId(id, k, secret)
  local e = epoch()
  if e > 0 then return id .. '.r' .. e .. 'h' .. k .. '.' .. secret end
  return id .. '.h' .. k .. '.' .. secret
end
-- an unknown hold: lost when the drop was restored after it was given out (its epoch is older)
local function unknownHold(id, hold)
  if string.sub(hold, 1, #id) ~= id then return '{"outcome":"not_found"}' end
  local tail = string.sub(hold, #id + 1)
  local e = string.match(tail, '^%.r(%d+)h%d+%.')
  if not e and string.match(tail, '^%.h%d+%.') then e = '0' end
  if e and tonumber(e) < epoch() then return '{"outcome":"hold_lost"}' end
  return '{"outcome":"not_found"}'
end
-- an order's answer: with its log entry (n, epoch, at) for the node to journal before it answers
local function ordered(order, hold)
  local entry = redis.call('HGET', K_STAT, hold .. '#order') or '0:0:0'
  local n, e, at = string.match(entry, '^(%d+):(%d+):(%d+)$')
  return '{"outcome":"ordered","orderId":"' .. order .. '","holdId":"' .. hold .. '","n":' .. n ..
    ',"epoch":' .. e .. ',"at":' .. at .. '}'
end
-- ends an active hold without an order: its unit returns to stock, its buyer's count drops
local function release(h, status)
  redis.call('ZREM', K_EXP, h)
  redis.call('HSET', K_STAT, h, status)
  redis.call('HINCRBY', K_DROP, 'held', -1)
  redis.call('HINCRBY', K_DROP, 'remaining', 1)
  local buyer = redis.call('HGET', K_HOLDS, h)
  if redis.call('HINCRBY', K_BUYERS, units(buyer), -1) <= 0 then
    redis.call('HDEL', K_BUYERS, units(buyer))
  end
end
local function expire(now)
  for _, h in ipairs(redis.call('ZRANGEBYSCORE', K_EXP, '-inf', now)) do release(h, 'expired') end
end
-- the drop's state at now: the twin of dropState() in rooms/drops/decisions.ts, boundaries included
-- (live from startsAt on, ended from endsAt on, so startsAt == endsAt is never live; sold out
-- in the window once remaining is 0). Change one, change the other.
local function stateOf(startsAt, endsAt, remaining, now)
  if now >= endsAt then return 'ended' end
  if now < startsAt then return 'scheduled' end
  if remaining > 0 then return 'live' end
  return 'sold_out'
end
local function stateAt(now)
  local d = redis.call('HMGET', K_DROP, 'startsAt', 'endsAt', 'remaining')
  return stateOf(tonumber(d[1]), tonumber(d[2]), tonumber(d[3]), now)
end
local function note(now)
  local state = stateAt(now)
  local before = redis.call('HGET', K_DROP, 'state')
  if before == state then return state end
  local d = redis.call('HMGET', K_DROP, 'startsAt', 'endsAt')
  -- a drop seen first after its start went live at its start
  if before == 'scheduled' and state ~= 'live' then
    log('type', 'drop.state', 'at', d[1], 'state', 'live')
  end
  local at = string.format('%d', now)
  if state == 'ended' then at = d[2] elseif state == 'live' and before == 'scheduled' then at = d[1] end
  redis.call('HSET', K_DROP, 'state', state)
  log('type', 'drop.state', 'at', at, 'state', state)
  return state
end
`;

export const DROP_KEYS = 7;

export const inventoryScripts = {
  /**
   * ARGV now, then the definition (id, roomId, product (JSON), quantity, cap, startsAt, endsAt,
   * holdMs, minPresenceMs, mode, seed, seedHash, nonce: definitionArgs in inventory.ts) → 1 if
   * created.
   */
  dropCreate: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_DROP) == 1 then return 0 end
redis.call('HSET', K_DROP, 'id', ARGV[2], 'roomId', ARGV[3], 'product', ARGV[4],
  'quantity', ARGV[5], 'cap', ARGV[6], 'startsAt', ARGV[7], 'endsAt', ARGV[8], 'holdMs', ARGV[9],
  'remaining', ARGV[5], 'held', 0, 'sold', 0, 'holds', 0, 'orders', 0, 'events', 0, 'relayed', 0,
  'minPresenceMs', ARGV[10], 'mode', ARGV[11], 'seed', ARGV[12], 'seedHash', ARGV[13],
  'entries', 0, 'drawn', 0, 'nonce', ARGV[14])
note(clock(tonumber(ARGV[1])))
return 1`,
  },
  /**
   * A batch of claims on one drop, in order. ARGV capacity, refill per second (the per-buyer claim
   * bucket; capacity 0: none), then per claim: buyer, key, now, ticket, secret (the random tail of
   * a new hold's id) → the answers (JSON), or
   * false for an unknown drop. A key answered before gets that answer. A buyer over the bucket
   * is refused (not stored, so the same key may try again later). A lottery drop enters the buyer
   * once (ticket → buyer in the holds hash, buyer → ticket in the buyers hash). As in the
   * embedded engine, each claim decided expires holds and notes the drop's state; an answer given
   * before and a refusal by the bucket do neither (they only move the drop's clock).
   */
  dropClaim: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_DROP) == 0 then return false end
if restoring() then return redis.error_reply(RESTORING) end
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local d = redis.call('HMGET', K_DROP, 'id', 'startsAt', 'endsAt', 'cap', 'holdMs', 'mode')
local id, startsAt, endsAt, cap, holdMs = d[1], tonumber(d[2]), tonumber(d[3]), tonumber(d[4]), tonumber(d[5])
local lottery = d[6] == 'lottery'
local drawn = redis.call('HGET', K_DROP, 'drawn') == '1'
local floor = tonumber(redis.call('HGET', K_DROP, 'clock') or '0')
local expired = nil
-- the state last noted (see the end of claim)
local known = redis.call('HGET', K_DROP, 'state')
-- the buyer's claim bucket, the shared TOKEN_BUCKET (a field of the buyers hash: 'tokens:at'):
-- true, or false and the wait in ms
local function takeToken(buyer, now)
  if capacity <= 0 then return true, 0 end
  local field = 'rate\\n' .. buyer
  local tokens, at
  local stored = redis.call('HGET', K_BUYERS, field)
  if stored then
    local sep = string.find(stored, ':')
    tokens, at = tonumber(string.sub(stored, 1, sep - 1)), tonumber(string.sub(stored, sep + 1))
  end
  tokens, at = refill(tokens, at, capacity, rate, now)
  if tokens < 1 then return false, waitMs(1, tokens, rate) end
  redis.call('HSET', K_BUYERS, field, digits(tokens - 1) .. ':' .. digits(at))
  return true, 0
end
local function claim(buyer, key, now, ticket, secret)
  now = math.max(now, floor)
  local answerKey = 'claim\\n' .. buyer .. '\\n' .. key
  local earlier = redis.call('HGET', K_ANSWERS, answerKey)
  if earlier then return earlier end
  local ok, wait = takeToken(buyer, now)
  if not ok then return '{"outcome":"rate_limited","retryAfterMs":' .. wait .. '}' end
  if expired ~= now then expire(now); expired = now end
  local remaining = tonumber(redis.call('HGET', K_DROP, 'remaining'))
  local left = remaining
  -- as the embedded engine decides (decideClaim and enter in server/engines/memory/inventory.ts):
  -- a lottery takes entries through its window, until drawn, whatever its stock
  local state
  if lottery then
    state = drawn and 'ended' or stateOf(startsAt, endsAt, 1, now)
  else
    state = stateOf(startsAt, endsAt, remaining, now)
  end
  local answer
  if state == 'scheduled' or state == 'ended' then
    answer = '{"outcome":"not_live","state":"' .. state .. '","startsAt":' .. d[2] .. '}'
  elseif lottery then
    local entered = redis.call('HGET', K_BUYERS, 'entry\\n' .. buyer)
    if not entered then
      entered = ticket
      redis.call('HSET', K_BUYERS, 'entry\\n' .. buyer, ticket)
      redis.call('HSET', K_HOLDS, 't\\n' .. ticket, buyer)
      redis.call('HINCRBY', K_DROP, 'entries', 1)
    end
    answer = '{"outcome":"entered","ticket":"' .. entered .. '"}'
  elseif state == 'sold_out' then
    answer = '{"outcome":"sold_out"}'
  elseif tonumber(redis.call('HGET', K_BUYERS, units(buyer)) or '0') >= cap then
    answer = '{"outcome":"limit_reached","cap":' .. d[4] .. '}'
  else
    local hold = holdId(id, redis.call('HINCRBY', K_DROP, 'holds', 1), secret)
    local expiresAt = string.format('%d', now + holdMs)
    redis.call('HSET', K_HOLDS, hold, buyer, hold .. '#expiresAt', expiresAt)
    redis.call('HSET', K_STAT, hold, 'active')
    redis.call('ZADD', K_EXP, expiresAt, hold)
    redis.call('HINCRBY', K_BUYERS, units(buyer), 1)
    left = redis.call('HINCRBY', K_DROP, 'remaining', -1)
    redis.call('HINCRBY', K_DROP, 'held', 1)
    answer = '{"outcome":"held","holdId":"' .. hold .. '","expiresAt":' .. expiresAt .. '}'
    -- the holds are expired once per time in a batch, which is every time a claim expires them
    -- unless a hold can end when it is made (no hold time): then the next claim looks again
    if holdMs <= 0 then expired = nil end
  end
  redis.call('HSET', K_ANSWERS, answerKey, answer)
  -- as the embedded engine does, the state is noted after each claim decided (an answer given
  -- before and a refusal by the bucket change nothing, and note nothing): only when it changed
  if stateOf(startsAt, endsAt, left, now) ~= known then known = note(now) end
  return answer
end
local answers = {}
local last = 0
for i = 3, #ARGV, 5 do
  last = math.max(last, tonumber(ARGV[i + 2]))
  answers[#answers + 1] = claim(ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3], ARGV[i + 4])
end
clock(last)
keep()
return answers`,
  },
  /** ARGV hold, buyer, key, now → the answer (JSON), or false for an unknown drop. */
  dropCheckout: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
local answerKey = 'checkout\\n' .. ARGV[2] .. '\\n' .. ARGV[3]
local earlier = redis.call('HGET', K_ANSWERS, answerKey)
if earlier then return earlier end
if redis.call('EXISTS', K_DROP) == 0 then return false end
if restoring() then return redis.error_reply(RESTORING) end
local now = clock(tonumber(ARGV[4]))
expire(now)
local answer
local status = redis.call('HGET', K_STAT, ARGV[1])
local ids = redis.call('HMGET', K_DROP, 'id', 'nonce')
if not status then
  answer = unknownHold(ids[1], ARGV[1])
elseif redis.call('HGET', K_HOLDS, ARGV[1]) ~= ARGV[2] then
  answer = '{"outcome":"not_found"}'
elseif status == 'active' then
  -- the nonce keeps order ids unique if the drop id is used again after this drop expired, the
  -- epoch if the drop was restored after Redis lost orders it had numbered
  local e = epoch()
  local order = ids[1] .. '.' .. ids[2] .. (e > 0 and ('.r' .. e) or '.') .. 'o' ..
    redis.call('HINCRBY', K_DROP, 'orders', 1)
  local at = string.format('%d', now)
  redis.call('ZREM', K_EXP, ARGV[1])
  redis.call('HINCRBY', K_DROP, 'held', -1)
  redis.call('HINCRBY', K_DROP, 'sold', 1)
  local n = log('type', 'order.created', 'at', at, 'order', order, 'hold', ARGV[1], 'buyer', ARGV[2])
  redis.call('HSET', K_STAT, ARGV[1], 'ordered:' .. order, ARGV[1] .. '#order', n .. ':' .. e .. ':' .. at)
  answer = ordered(order, ARGV[1])
elseif string.sub(status, 1, 8) == 'ordered:' then
  answer = ordered(string.sub(status, 9), ARGV[1])
else
  answer = '{"outcome":"' .. status .. '"}'
end
redis.call('HSET', K_ANSWERS, answerKey, answer)
note(now)
keep()
return answer`,
  },
  /** ARGV hold, buyer, now → the answer (JSON), or false for an unknown drop. */
  dropCancel: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_DROP) == 0 then return false end
if restoring() then return redis.error_reply(RESTORING) end
local now = clock(tonumber(ARGV[3]))
expire(now)
local status = redis.call('HGET', K_STAT, ARGV[1])
if not status then return unknownHold(redis.call('HGET', K_DROP, 'id'), ARGV[1]) end
if redis.call('HGET', K_HOLDS, ARGV[1]) ~= ARGV[2] then return '{"outcome":"not_found"}' end
if status == 'active' then
  release(ARGV[1], 'cancelled')
  note(now)
  keep()
  return '{"outcome":"cancelled"}'
end
if string.sub(status, 1, 8) == 'ordered:' then
  return '{"outcome":"ordered","orderId":"' .. string.sub(status, 9) .. '"}'
end
return '{"outcome":"' .. status .. '"}'`,
  },
  /**
   * ARGV now → {state, quantity, remaining, held, sold, startsAt, endsAt, product, mode, seedHash,
   * entries, drawn, seed}, or false.
   */
  dropStock: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_DROP) == 0 then return false end
if restoring() then return redis.error_reply(RESTORING) end
local now = clock(tonumber(ARGV[1]))
expire(now)
note(now)
keep()
return redis.call('HMGET', K_DROP, 'state', 'quantity', 'remaining', 'held', 'sold', 'startsAt',
  'endsAt', 'product', 'mode', 'seedHash', 'entries', 'drawn', 'seed')`,
  },
  /**
   * ARGV now, entries, then per winning ticket: ticket, secret → 1 when drawn now, 0 when it was drawn before, -1 when
   * the drop no longer has `entries` entries (a late one came in: draw again). Each winner's
   * buyer gets a hold while units remain; the winning ticket → hold pairs join the holds hash.
   */
  dropDraw: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_DROP) == 0 then return false end
if restoring() then return redis.error_reply(RESTORING) end
if redis.call('HGET', K_DROP, 'drawn') == '1' then return 0 end
if redis.call('HGET', K_DROP, 'entries') ~= ARGV[2] then return -1 end
local now = clock(tonumber(ARGV[1]))
expire(now)
local d = redis.call('HMGET', K_DROP, 'id', 'holdMs')
local expiresAt = now + tonumber(d[2])
for i = 3, #ARGV, 2 do
  local ticket = ARGV[i]
  local buyer = redis.call('HGET', K_HOLDS, 't\\n' .. ticket)
  local won = redis.call('HEXISTS', K_HOLDS, 'w\\n' .. ticket) == 1
  if buyer and not won and tonumber(redis.call('HGET', K_DROP, 'remaining')) > 0 then
    local hold = holdId(d[1], redis.call('HINCRBY', K_DROP, 'holds', 1), ARGV[i + 1])
    redis.call('HSET', K_HOLDS, hold, buyer, hold .. '#expiresAt', string.format('%d', expiresAt),
      'w\\n' .. ticket, hold)
    redis.call('HSET', K_STAT, hold, 'active')
    redis.call('ZADD', K_EXP, expiresAt, hold)
    redis.call('HINCRBY', K_BUYERS, units(buyer), 1)
    redis.call('HINCRBY', K_DROP, 'remaining', -1)
    redis.call('HINCRBY', K_DROP, 'held', 1)
  end
end
redis.call('HSET', K_DROP, 'drawn', 1)
note(now)
keep()
return 1`,
  },
  /**
   * ARGV now, limit → {settled (0/1), entries after the relayed one (XRANGE form)}, or false.
   * Settled: ended, no active hold, and these are the last entries of the log.
   */
  dropUnrelayed: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_DROP) == 0 then return false end
if restoring() then return redis.error_reply(RESTORING) end
local now = clock(tonumber(ARGV[1]))
expire(now)
local state = note(now)
keep()
local relayed = tonumber(redis.call('HGET', K_DROP, 'relayed'))
local events = tonumber(redis.call('HGET', K_DROP, 'events'))
local entries = redis.call('XRANGE', K_LOG, '(0-' .. relayed, '+', 'COUNT', ARGV[2])
local settled = 0
local m = redis.call('HMGET', K_DROP, 'mode', 'drawn')
-- a lottery is not settled before its draw, which gives holds and so orders to come
local undrawn = m[1] == 'lottery' and m[2] ~= '1'
if state == 'ended' and not undrawn and redis.call('ZCARD', K_EXP) == 0
  and relayed + #entries == events then
  settled = 1
end
return {settled, entries}`,
  },
  /** ARGV n: the log is relayed up to entry n (never moves back). */
  dropRelayed: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_DROP) == 0 or restoring() then return 0 end
local n = tonumber(ARGV[1])
if n > tonumber(redis.call('HGET', K_DROP, 'relayed') or '0') then
  redis.call('HSET', K_DROP, 'relayed', n)
end
return 1`,
  },
  /**
   * Restoring a drop from the order journal, step 1 (the node holds the journal's lock on the
   * drop). ARGV epoch, full (1/0), then the definition as dropCreate takes it (id … nonce), then
   * the last journalled state, the clock, drawn (1/0). Soft (0): the drop is whole, only its epoch
   * moves on (so holds Redis no longer has answer hold_lost); 0 if it is missing or not behind.
   * Full (1): every key of the drop is cleared and the drop starts again from its definition,
   * marked restoring (its scripts refuse to answer) until step 3.
   */
  dropRestoreBegin: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
local e = tonumber(ARGV[1])
if ARGV[2] == '0' then
  if redis.call('EXISTS', K_DROP) == 0 or restoring() or epoch() >= e then return 0 end
  redis.call('HSET', K_DROP, 'epoch', e)
  return 1
end
redis.call('DEL', unpack(KEYS))
redis.call('HSET', K_DROP, 'id', ARGV[3], 'roomId', ARGV[4], 'product', ARGV[5],
  'quantity', ARGV[6], 'cap', ARGV[7], 'startsAt', ARGV[8], 'endsAt', ARGV[9], 'holdMs', ARGV[10],
  'minPresenceMs', ARGV[11], 'mode', ARGV[12], 'seed', ARGV[13], 'seedHash', ARGV[14],
  'nonce', ARGV[15], 'state', ARGV[16], 'clock', ARGV[17], 'drawn', ARGV[18],
  'remaining', ARGV[6], 'held', 0, 'sold', 0, 'holds', 0, 'orders', 0, 'events', 0, 'relayed', 0,
  'entries', 0, 'epoch', e, 'restoring', 1)
return 1`,
  },
  /**
   * Step 2, in chunks: journalled log entries, oldest first. ARGV epoch, then per entry n, its
   * epoch, type, at, state, order, hold, buyer ('' where none). An order brings back its hold as
   * ordered (a retried checkout gets the same order) and counts against its buyer's cap. The log
   * is relayed up to the last entry (the restorer re-sends what the merchant has not confirmed).
   */
  dropRestoreEntries: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
if epoch() ~= tonumber(ARGV[1]) or not restoring() then return 0 end
for i = 2, #ARGV, 8 do
  local n, e, kind, at = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local fields = {}
  if e ~= '0' then fields = {'e', e} end
  table.insert(fields, 'type'); table.insert(fields, kind)
  table.insert(fields, 'at'); table.insert(fields, at)
  if kind == 'order.created' then
    local order, hold, buyer = ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
    for _, v in ipairs({'order', order, 'hold', hold, 'buyer', buyer}) do table.insert(fields, v) end
    redis.call('HSET', K_HOLDS, hold, buyer, hold .. '#expiresAt', at)
    redis.call('HSET', K_STAT, hold, 'ordered:' .. order, hold .. '#order', n .. ':' .. e .. ':' .. at)
    redis.call('HINCRBY', K_BUYERS, units(buyer), 1)
    redis.call('HINCRBY', K_DROP, 'sold', 1)
  else
    table.insert(fields, 'state'); table.insert(fields, ARGV[i + 4])
  end
  redis.call('XADD', K_LOG, '0-' .. n, unpack(fields))
  redis.call('HSET', K_DROP, 'events', n, 'relayed', n)
end
return 1`,
  },
  /** Step 3. ARGV epoch: the stock adds up again and the drop answers; 0 if another restore took over. */
  dropRestoreEnd: {
    numberOfKeys: DROP_KEYS,
    lua: `${PRELUDE}
if epoch() ~= tonumber(ARGV[1]) or not restoring() then return 0 end
local d = redis.call('HMGET', K_DROP, 'quantity', 'sold')
redis.call('HSET', K_DROP, 'remaining', tonumber(d[1]) - tonumber(d[2]))
redis.call('HDEL', K_DROP, 'restoring')
return 1`,
  },
  /** The webhook senders' lease. KEYS lease; ARGV sender, ttl ms → 1 if this sender holds it now. */
  merchantLead: {
    numberOfKeys: 1,
    lua: `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`,
  },
  /**
   * The merchant outbox's append (keys on the merchant's shard, not a drop's). KEYS stream, ids,
   * sentinel; ARGV id, type, at, data, now, id retention ms, maxlen, generation ('' for none) → 1
   * if appended, 0 for an id seen lately, -1 when the sentinel is no longer that generation.
   */
  merchantAppend: {
    numberOfKeys: 3,
    lua: `
if ARGV[8] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[8] then return -1 end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[5]) - tonumber(ARGV[6]))
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[7], '*', 'id', ARGV[1], 'type', ARGV[2],
  'at', ARGV[3], 'data', ARGV[4])
return 1`,
  },
} as const;
