/**
 * A giveaway's scripts. Its keys (one slot: `giveaway:{id}`): KEYS[1] the giveaway (hash: the
 * definition's JSON, opensAt, closesAt, host, purchase flag, clock, the draw's JSON and version),
 * KEYS[2] entries (hash ticket → "userId\nroute"), KEYS[3] when each entrant was last seen
 * (hash ticket → ms), KEYS[4] each entrant's watch time (hash ticket → ms). The twin of
 * server/engines/memory/giveaways.ts (one contract suite checks both). Numbers go out with %d.
 */
export const GIVEAWAY_KEYS = 4;

const PRELUDE = `
local K_G, K_E, K_SEEN, K_WATCH = unpack(KEYS)
local function d(n) return string.format('%d', n) end
local function field(name) return tonumber(redis.call('HGET', K_G, name) or '') end
local function clock(now)
  local last = field('clock') or 0
  if now > last then redis.call('HSET', K_G, 'clock', d(now)) return now end
  return last
end
`;

export const giveawayScripts = {
  /** ARGV now, def JSON, opensAt, closesAt, host, purchase (0/1) → 1 if created. */
  giveawayCreate: {
    numberOfKeys: GIVEAWAY_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_G) == 1 then return 0 end
redis.call('HSET', K_G, 'clock', ARGV[1], 'def', ARGV[2], 'opens', ARGV[3], 'closes', ARGV[4],
  'host', ARGV[5], 'purchase', ARGV[6], 'ver', '0')
return 1`,
  },
  /** ARGV userId, ticket, route, purchased (0/1), watchedMs, now → the answer (JSON), or nil. */
  giveawayEnter: {
    numberOfKeys: GIVEAWAY_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_G) == 0 then return nil end
local user, ticket, route = ARGV[1], ARGV[2], ARGV[3]
local now = clock(tonumber(ARGV[6]))
if user == redis.call('HGET', K_G, 'host') then return '{"outcome":"own_giveaway"}' end
if redis.call('HEXISTS', K_E, ticket) == 1 then
  return '{"outcome":"already_entered","ticket":' .. cjson.encode(ticket) .. '}'
end
if now < field('opens') then return '{"outcome":"not_open"}' end
if redis.call('HEXISTS', K_G, 'draw') == 1 or now >= field('closes') then
  return '{"outcome":"closed"}'
end
if field('purchase') == 1 and route == 'standard' and ARGV[4] ~= '1' then
  return '{"outcome":"purchase_required"}'
end
redis.call('HSET', K_E, ticket, user .. '\\n' .. route)
redis.call('HSET', K_SEEN, ticket, d(now))
redis.call('HSET', K_WATCH, ticket, d(math.max(0, math.floor(tonumber(ARGV[5])))))
return '{"outcome":"entered","ticket":' .. cjson.encode(ticket) .. '}'`,
  },
  /** ARGV now, stepMs, tickets... → the number of entrants seen. */
  giveawaySeen: {
    numberOfKeys: GIVEAWAY_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_G) == 0 then return 0 end
local now, step, n = clock(tonumber(ARGV[1])), tonumber(ARGV[2]), 0
for i = 3, #ARGV do
  local ticket = ARGV[i]
  if redis.call('HEXISTS', K_E, ticket) == 1 then
    local seen = tonumber(redis.call('HGET', K_SEEN, ticket) or '0')
    if seen > 0 then
      redis.call('HINCRBY', K_WATCH, ticket, math.min(math.max(0, now - seen), step))
    end
    redis.call('HSET', K_SEEN, ticket, d(now))
    n = n + 1
  end
end
return n`,
  },
  /** ARGV ticket → 1 if it was an entry. */
  giveawayLeft: {
    numberOfKeys: GIVEAWAY_KEYS,
    lua: `${PRELUDE}
if redis.call('HEXISTS', K_E, ARGV[1]) == 0 then return 0 end
redis.call('HSET', K_SEEN, ARGV[1], '0')
return 1`,
  },
  /** ARGV now → the window's end (brought forward to now if later), or nil. */
  giveawayClose: {
    numberOfKeys: GIVEAWAY_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_G) == 0 then return nil end
local now = clock(tonumber(ARGV[1]))
local closes = field('closes')
if now < closes then
  closes = now
  redis.call('HSET', K_G, 'closes', d(now))
end
return d(closes)`,
  },
  /** ARGV now → [def, closesAt, clock, draw JSON or '', version, entries..., seen..., watched...], or nil. */
  giveawayRecord: {
    numberOfKeys: GIVEAWAY_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_G) == 0 then return nil end
local now = clock(tonumber(ARGV[1]))
return { redis.call('HGET', K_G, 'def'), redis.call('HGET', K_G, 'closes'), d(now),
  redis.call('HGET', K_G, 'draw') or '', redis.call('HGET', K_G, 'ver'),
  redis.call('HGETALL', K_E), redis.call('HGETALL', K_SEEN), redis.call('HGETALL', K_WATCH) }`,
  },
  /** ARGV now → [def, closesAt, clock, draw JSON or '', version, entries], or nil. */
  giveawaySummary: {
    numberOfKeys: GIVEAWAY_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_G) == 0 then return nil end
local now = clock(tonumber(ARGV[1]))
return { redis.call('HGET', K_G, 'def'), redis.call('HGET', K_G, 'closes'), d(now),
  redis.call('HGET', K_G, 'draw') or '', redis.call('HGET', K_G, 'ver'), redis.call('HLEN', K_E) }`,
  },
  /** ARGV version, draw JSON → 1 if committed (the stored version was still ARGV[1]). */
  giveawayCommit: {
    numberOfKeys: GIVEAWAY_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_G) == 0 then return 0 end
if redis.call('HGET', K_G, 'ver') ~= ARGV[1] then return 0 end
redis.call('HSET', K_G, 'draw', ARGV[2], 'ver', d(tonumber(ARGV[1]) + 1))
return 1`,
  },
} as const;
