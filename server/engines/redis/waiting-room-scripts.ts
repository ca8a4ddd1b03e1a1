import { USED_PASS_GRACE_MS } from '../../../rooms/index.js';
import { TOKEN_BUCKET } from './scripts.js';

/**
 * Lua scripts of a room's waiting room. Every script takes the same six keys (all with the room's
 * hash tag): the line's hash (head, next number, admitted count, the admission bucket, the
 * pre-queue), the waiting numbered tickets (a sorted set by number), the pre-queue's entrants (a
 * sorted set by arrival: public id), the entries (ticket → JSON), users (user → ticket) and the
 * the seats passes hold (a sorted set by when each lets go: an unused pass when it lapses, a used one
 * a moment after its use). Each first closes a pre-queue whose end has
 * come, so whichever node looks first sets aside the entrants' numbers.
 */
const PRELUDE = `${TOKEN_BUCKET}
local K_Q, K_LINE, K_PRE, K_ENTRIES, K_USERS, K_PASSES = unpack(KEYS)
local function keep()
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, 86400000) end
end
local function closeIfDue(now)
  if redis.call('HGET', K_Q, 'pre_state') ~= 'open' then return end
  if now < tonumber(redis.call('HGET', K_Q, 'pre_until')) then return end
  local base = tonumber(redis.call('HGET', K_Q, 'next') or '0')
  local entrants = redis.call('ZRANGE', K_PRE, 0, -1)
  table.sort(entrants)
  -- cjson writes an empty table as {}: an empty list is written by hand
  local listed = #entrants == 0 and '[]' or cjson.encode(entrants)
  redis.call('HSET', K_Q, 'pre_state', 'closed', 'pre_base', base, 'next', base + #entrants,
    'pre_entrants', listed)
end
-- a ticket whose turn came and went: its holder gets a new place when it enters again
local function forget(ticket)
  local raw = redis.call('HGET', K_ENTRIES, ticket)
  redis.call('ZREM', K_PASSES, ticket)
  if not raw then return end
  local entry = cjson.decode(raw)
  redis.call('HDEL', K_ENTRIES, ticket)
  if redis.call('HGET', K_USERS, entry.u) == ticket then redis.call('HDEL', K_USERS, entry.u) end
end
local function number(ticket)
  local raw = redis.call('HGET', K_ENTRIES, ticket)
  if not raw then return end
  local entry = cjson.decode(raw)
  local n = tonumber(redis.call('HGET', K_Q, 'next') or '0')
  redis.call('HSET', K_Q, 'next', n + 1)
  entry.n = n
  redis.call('HSET', K_ENTRIES, ticket, cjson.encode(entry))
  redis.call('ZADD', K_LINE, n, ticket)
end
`;

export const WAITING_ROOM_KEYS = 6;

export const waitingRoomScripts = {
  /** ARGV until, seed, seedHash, dropId ('' none), or no ARGV to remove an open pre-queue. */
  queueSetPre: {
    numberOfKeys: WAITING_ROOM_KEYS,
    lua: `${PRELUDE}
local open = redis.call('HGET', K_Q, 'pre_state') == 'open'
if #ARGV == 0 then
  if not open then return 0 end
  redis.call('HDEL', K_Q, 'pre_state', 'pre_until', 'pre_seed', 'pre_hash', 'pre_drop')
  local entrants = redis.call('ZRANGE', K_PRE, 0, -1)
  for _, publicId in ipairs(entrants) do
    local ticket = redis.call('HGET', K_Q, 'pid:' .. publicId)
    if ticket then number(ticket) end
  end
  redis.call('DEL', K_PRE)
  return 1
end
if not open then redis.call('DEL', K_PRE) end
redis.call('HSET', K_Q, 'pre_state', 'open', 'pre_until', ARGV[1], 'pre_seed', ARGV[2],
  'pre_hash', ARGV[3], 'pre_drop', ARGV[4])
redis.call('HDEL', K_Q, 'pre_order', 'pre_entrants', 'pre_base')
keep()
return 1`,
  },
  /** ARGV userId, ticket, publicId, now → the entry (JSON). */
  queueEnter: {
    numberOfKeys: WAITING_ROOM_KEYS,
    lua: `${PRELUDE}
local now = tonumber(ARGV[4])
closeIfDue(now)
local known = redis.call('HGET', K_USERS, ARGV[1])
if known then
  local raw = redis.call('HGET', K_ENTRIES, known)
  if raw then return raw end
end
local entry = { t = ARGV[2], p = ARGV[3], u = ARGV[1] }
redis.call('HSET', K_ENTRIES, ARGV[2], cjson.encode(entry))
redis.call('HSET', K_USERS, ARGV[1], ARGV[2])
if redis.call('HGET', K_Q, 'pre_state') == 'open' then
  redis.call('ZADD', K_PRE, now, ARGV[3])
  redis.call('HSET', K_Q, 'pid:' .. ARGV[3], ARGV[2])
else
  number(ARGV[2])
end
keep()
return redis.call('HGET', K_ENTRIES, ARGV[2])`,
  },
  /** ARGV ticket → 1 if it was there. */
  queueLeave: {
    numberOfKeys: WAITING_ROOM_KEYS,
    lua: `${PRELUDE}
local raw = redis.call('HGET', K_ENTRIES, ARGV[1])
if not raw then return 0 end
local entry = cjson.decode(raw)
redis.call('HDEL', K_ENTRIES, ARGV[1])
if redis.call('HGET', K_USERS, entry.u) == ARGV[1] then redis.call('HDEL', K_USERS, entry.u) end
redis.call('ZREM', K_LINE, ARGV[1])
redis.call('ZREM', K_PASSES, ARGV[1])
redis.call('ZREM', K_PRE, entry.p)
redis.call('HDEL', K_Q, 'pid:' .. entry.p)
return 1`,
  },
  /** ARGV now, free, rate capacity, rate per second (0: none), passMs → the tickets admitted. */
  queueAdmit: {
    numberOfKeys: WAITING_ROOM_KEYS,
    lua: `${PRELUDE}
local now, free = tonumber(ARGV[1]), tonumber(ARGV[2])
local cap, rate, passMs = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
closeIfDue(now)
local pre = redis.call('HGET', K_Q, 'pre_state')
if pre == 'open' or pre == 'closed' then return {} end
-- a used pass only lets its seat go (its holder is a viewer by now)
for _, ticket in ipairs(redis.call('ZRANGEBYSCORE', K_PASSES, '-inf', now)) do
  local raw = redis.call('HGET', K_ENTRIES, ticket)
  if raw and cjson.decode(raw).s then redis.call('ZREM', K_PASSES, ticket) else forget(ticket) end
end
local slots = math.min(free - redis.call('ZCARD', K_PASSES), redis.call('ZCARD', K_LINE))
if slots <= 0 then return {} end
local tokens, at
if rate > 0 then
  local b = redis.call('HMGET', K_Q, 't', 'a')
  tokens, at = refill(tonumber(b[1]), tonumber(b[2]), cap, rate, now)
  slots = math.min(slots, math.floor(tokens))
  if slots <= 0 then return {} end
end
local picked = redis.call('ZRANGE', K_LINE, 0, slots - 1, 'WITHSCORES')
local admitted = {}
local head = tonumber(redis.call('HGET', K_Q, 'head') or '0')
for i = 1, #picked, 2 do
  local ticket, n = picked[i], tonumber(picked[i + 1])
  redis.call('ZREM', K_LINE, ticket)
  local raw = redis.call('HGET', K_ENTRIES, ticket)
  if raw then
    local entry = cjson.decode(raw)
    entry.a = now
    redis.call('HSET', K_ENTRIES, ticket, cjson.encode(entry))
    redis.call('ZADD', K_PASSES, now + passMs, ticket)
    admitted[#admitted + 1] = ticket
  end
  if n + 1 > head then head = n + 1 end
end
redis.call('HSET', K_Q, 'head', head)
redis.call('HINCRBY', K_Q, 'admitted', #admitted)
if rate > 0 then redis.call('HSET', K_Q, 't', digits(tokens - #admitted), 'a', digits(at)) end
keep()
return admitted`,
  },
  /** ARGV ticket, now, keepMs → 1 when the pass is good (and is now used, its seat held a moment). */
  queueUse: {
    numberOfKeys: WAITING_ROOM_KEYS,
    lua: `${PRELUDE}
local now, keepMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local raw = redis.call('HGET', K_ENTRIES, ARGV[1])
if not raw then return 0 end
local entry = cjson.decode(raw)
if not entry.a then return 0 end
if entry.s then
  if now - entry.s >= keepMs then forget(ARGV[1]) return 0 end
else
  local lapses = redis.call('ZSCORE', K_PASSES, ARGV[1])
  if not lapses or tonumber(lapses) <= now then forget(ARGV[1]) return 0 end
end
entry.s = now
redis.call('HSET', K_ENTRIES, ARGV[1], cjson.encode(entry))
-- its seat stays reserved until the join shows in the room's presence
redis.call('ZADD', K_PASSES, now + ${USED_PASS_GRACE_MS}, ARGV[1])
return 1`,
  },
  /** → {head, waiting, pre count, admitted, pre state, until, seedHash, seed, dropId}. */
  queueState: {
    numberOfKeys: WAITING_ROOM_KEYS,
    lua: `${PRELUDE}
local q = redis.call('HMGET', K_Q, 'head', 'admitted', 'pre_state', 'pre_until', 'pre_hash', 'pre_seed', 'pre_drop')
local state = q[3] or ''
return { q[1] or '0', redis.call('ZCARD', K_LINE), redis.call('ZCARD', K_PRE), q[2] or '0', state,
  q[4] or '', q[5] or '', state ~= 'open' and (q[6] or '') or '', q[7] or '' }`,
  },
  /** ARGV now → {seed, entrants JSON} while a closed pre-queue waits to be ordered, else {}. */
  queueClosePre: {
    numberOfKeys: WAITING_ROOM_KEYS,
    lua: `${PRELUDE}
closeIfDue(tonumber(ARGV[1]))
if redis.call('HGET', K_Q, 'pre_state') ~= 'closed' then return {} end
return redis.call('HMGET', K_Q, 'pre_seed', 'pre_entrants')`,
  },
  /** ARGV the order (JSON array of public ids) → 1 when it set it. */
  queueOrderPre: {
    numberOfKeys: WAITING_ROOM_KEYS,
    lua: `${PRELUDE}
if redis.call('HGET', K_Q, 'pre_state') ~= 'closed' then return 0 end
local base = tonumber(redis.call('HGET', K_Q, 'pre_base'))
local order = cjson.decode(ARGV[1])
for i, publicId in ipairs(order) do
  local ticket = redis.call('HGET', K_Q, 'pid:' .. publicId)
  local raw = ticket and redis.call('HGET', K_ENTRIES, ticket)
  if raw then
    local entry = cjson.decode(raw)
    entry.n = base + i - 1
    redis.call('HSET', K_ENTRIES, ticket, cjson.encode(entry))
    redis.call('ZADD', K_LINE, entry.n, ticket)
  end
end
redis.call('HSET', K_Q, 'pre_state', 'ordered', 'pre_order', ARGV[1])
redis.call('DEL', K_PRE)
keep()
return 1`,
  },
  /** → {until, seedHash, seed, dropId, entrants JSON, order JSON} once ordered, else {}. */
  queueAudit: {
    numberOfKeys: WAITING_ROOM_KEYS,
    lua: `${PRELUDE}
if redis.call('HGET', K_Q, 'pre_state') ~= 'ordered' then return {} end
return redis.call('HMGET', K_Q, 'pre_until', 'pre_hash', 'pre_seed', 'pre_drop', 'pre_entrants', 'pre_order')`,
  },
};
