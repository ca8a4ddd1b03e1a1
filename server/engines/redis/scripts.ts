/**
 * Lua scripts of the Redis engine, loaded with ioredis `defineCommand`. Each runs atomically, so
 * a room's seq, log, control state and the publication of its events never disagree, and the
 * order in which subscribers receive a room's events is the order of its seqs. Every key a
 * script touches carries the room's hash tag, so the scripts also run on Redis Cluster.
 */

/** Shared by the appending scripts: the next seq, the log entry, and the publication. */
const PUSH = `
local function push(meta, log, body, ts, maxlen, channel, epoch)
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  local event = '{"seq":' .. seq .. ',"ts":' .. ts .. ',' .. string.sub(body, 2)
  redis.call('XADD', log, 'MAXLEN', maxlen, '0-' .. seq, 'e', event)
  redis.call('SPUBLISH', channel, '{"kind":"event","epoch":"' .. epoch .. '","event":' .. event .. '}')
  return event
end
`;

/**
 * The token bucket, shared by every script that keeps one: the rate limits below and the per-buyer
 * claim bucket (inventory-scripts.ts). Its twin in TypeScript is rooms/model/token-bucket.ts (the
 * embedded engine and the per-connection limit); both follow the rule written there, with the same
 * doubles in the same order, so their answers agree to the last bit:
 * - `refill(tokens, at, cap, rate, now)` → tokens, at: a bucket never seen (`tokens` nil) is full;
 *   tokens refill as min(cap, tokens + (now - at) * rate / 1000), never rounded; time never runs
 *   backwards for a bucket (a `now` before `at` refills nothing and keeps `at`);
 * - `waitMs(needed, tokens, rate)`: whole milliseconds until `needed` tokens, rounded up;
 * - `digits(n)`: a bucket's number as stored, every digit (`%.17g` reads back exactly).
 * A refused take stores nothing.
 */
export const TOKEN_BUCKET = `
local function refill(tokens, at, cap, rate, now)
  if not tokens then return cap, now end
  if now > at then return math.min(cap, tokens + (now - at) * rate / 1000), now end
  return tokens, at
end
local function waitMs(needed, tokens, rate) return math.ceil((needed - tokens) * 1000 / rate) end
local function digits(n) return string.format('%.17g', n) end
`;

/**
 * A {@link TOKEN_BUCKET} in one hash (KEYS[1]: `t` tokens, `a` as of), for ARGV capacity, refill
 * per second, (cost or max), now: `tokens` refilled to now, and `store(left, answer)`, which
 * writes what is left, sets the expiry for when it is full again, and returns the answer.
 */
const BUCKET = `${TOKEN_BUCKET}
local cap, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens, at = refill(tonumber(b[1]), tonumber(b[2]), cap, rate, now)
local function store(left, answer)
  redis.call('HSET', KEYS[1], 't', digits(left), 'a', digits(at))
  redis.call('PEXPIRE', KEYS[1], math.ceil((cap - left) * 1000 / rate) + 1000)
  return answer
end`;

export const scripts = {
  /**
   * KEYS meta, log, channel; ARGV epoch, control, version, ended, first event, ts, maxlen, the
   * host who may replace an ended room ('' for anyone) → 1 if created.
   */
  roomCreate: {
    numberOfKeys: 3,
    lua: `${PUSH}
local ended = redis.call('HGET', KEYS[1], 'ended')
if ended == '0' then return 0 end
if ended and ARGV[8] ~= '' then
  local control = cjson.decode(redis.call('HGET', KEYS[1], 'control'))
  if control.stream.hostId ~= ARGV[8] then return 0 end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'control', ARGV[2], 'version', ARGV[3], 'ended', ARGV[4], 'seq', 0)
push(KEYS[1], KEYS[2], ARGV[5], ARGV[6], ARGV[7], KEYS[3], ARGV[1])
return 1`,
  },
  /**
   * KEYS meta, log, channel, dedupe; ARGV epoch, event, ts, maxlen, use dedupe (1/0), dedupe ms
   * → {1, event} or {0} (gone). A dedupe key seen before returns its first event, appending nothing.
   */
  roomAppend: {
    numberOfKeys: 4,
    lua: `${PUSH}
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return {0} end
if ARGV[5] == '1' then
  local prior = redis.call('GET', KEYS[4])
  if prior then return {1, prior} end
end
local event = push(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], KEYS[3], ARGV[1])
if ARGV[5] == '1' then redis.call('SET', KEYS[4], event, 'PX', ARGV[6]) end
return {1, event}`,
  },
  /** KEYS meta, dedupe; ARGV epoch → the event a dedupe key was first appended as, or false. */
  roomSent: {
    numberOfKeys: 2,
    lua: `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return false end
return redis.call('GET', KEYS[2])`,
  },
  /**
   * KEYS meta, log, channel; ARGV epoch, event, ts, maxlen, version, control, ended
   * → {1, event}, {0} (gone) or {2, current version} (conflict).
   */
  roomAppendControl: {
    numberOfKeys: 3,
    lua: `${PUSH}
local m = redis.call('HMGET', KEYS[1], 'epoch', 'version')
if m[1] ~= ARGV[1] then return {0} end
if m[2] ~= ARGV[5] then return {2, tonumber(m[2])} end
redis.call('HSET', KEYS[1], 'version', tonumber(ARGV[5]) + 1, 'control', ARGV[6], 'ended', ARGV[7])
return {1, push(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], KEYS[3], ARGV[1])}`,
  },
  /** KEYS meta, log; ARGV tail → false, or {epoch, control, version, seq, newest entries}. */
  roomLoad: {
    numberOfKeys: 2,
    lua: `
local m = redis.call('HMGET', KEYS[1], 'epoch', 'control', 'version', 'seq')
if not m[1] then return false end
return {m[1], m[2], m[3], m[4], redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ARGV[1])}`,
  },
  /**
   * KEYS meta, log; ARGV after, limit, epoch → {last seq, entries after `after`}, or false when
   * the room is not in that epoch any more.
   */
  roomSince: {
    numberOfKeys: 2,
    lua: `
local m = redis.call('HMGET', KEYS[1], 'epoch', 'seq')
if m[1] ~= ARGV[3] then return false end
local seq = tonumber(m[2] or '0')
local after = tonumber(ARGV[1])
if after >= seq then return {seq, {}} end
return {seq, redis.call('XRANGE', KEYS[2], '0-' .. (after + 1), '+', 'COUNT', ARGV[2])}`,
  },
  /** KEYS meta, log; ARGV epoch, ms: an ended room expires after `ms`. */
  roomRetire: {
    numberOfKeys: 2,
    lua: `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`,
  },
  /**
   * KEYS bucket; ARGV capacity, refill per second, cost, now (ms) → -1 when allowed, else the
   * whole milliseconds (rounded up) until enough tokens. Time never runs backwards for a bucket.
   */
  rateTake: {
    numberOfKeys: 1,
    lua: `${BUCKET}
if tokens < ARGV[3] + 0 then return waitMs(ARGV[3] + 0, tokens, rate) end
return store(tokens - ARGV[3], -1)`,
  },
  /**
   * KEYS bucket; ARGV capacity, refill per second, max, now → {granted, wait ms}: as many whole
   * tokens as the bucket holds, up to max (wait: whole ms, rounded up, until one token, when none
   * was granted).
   */
  rateTakeUpTo: {
    numberOfKeys: 1,
    lua: `${BUCKET}
local granted = math.min(tonumber(ARGV[3]), math.floor(tokens))
if granted <= 0 then return {0, waitMs(1, tokens, rate)} end
return store(tokens - granted, {granted, 0})`,
  },
  /**
   * KEYS counts (node → members), seen (node → last heartbeat, Redis time); ARGV node, members,
   * ttl ms. Reports one node's members of a room.
   */
  presenceReport: {
    numberOfKeys: 2,
    lua: `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
if tonumber(ARGV[2]) == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3] * 3)
redis.call('PEXPIRE', KEYS[2], ARGV[3] * 3)
return 1`,
  },
  /** KEYS counts, seen; ARGV ttl ms → members summed over the nodes heard from within the TTL. */
  presenceCount: {
    numberOfKeys: 2,
    lua: `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[1]))) do
  redis.call('HDEL', KEYS[1], node)
  redis.call('ZREM', KEYS[2], node)
end
local total = 0
for _, n in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(n) end
return total`,
  },
  /**
   * KEYS policy, policy channel; ARGV the entry (JSON). Stores and publishes in one step, so the
   * order subscribers hear policies in is the order they were stored in.
   */
  policyPut: {
    numberOfKeys: 2,
    lua: `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SPUBLISH', KEYS[2], ARGV[1])
return 1`,
  },
} as const;

export type ScriptName = keyof typeof scripts;
