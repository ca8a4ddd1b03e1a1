import { TOKEN_BUCKET } from './scripts.js';

/**
 * An auction's scripts. Its keys (one slot: `auction:{id}`):
 * KEYS[1] the book (hash: terms, clock, start and end, the lead, counters, the definition's JSON),
 * KEYS[2] pre-bids' maxima (hash buyer → max), KEYS[3] pre-bids in the order their maxima were
 * set (zset, score: seq), KEYS[4] answers (hash buyer\nkey → JSON), KEYS[5] buyers' bid buckets,
 * KEYS[6] bidders' display names (hash buyer → name).
 *
 * The twin of rooms/auctions/book.ts and increments.ts, step for step: change one, change the
 * other (the auction contract checks every answer against the pure book). Amounts are whole minor
 * units and are written with %d, never through cjson (which keeps 14 digits).
 */
export const AUCTION_KEYS = 6;

const PRELUDE = `
local K_A, K_PREMAX, K_PRE, K_ANS, K_BUCKETS, K_NAMES = unpack(KEYS)
${TOKEN_BUCKET}
local function d(n) return string.format('%d', n) end
local function field(name) return tonumber(redis.call('HGET', K_A, name) or '') end
-- the auction's own clock: the latest time any node told it
local function clock(now)
  local last = field('clock') or 0
  if now > last then redis.call('HSET', K_A, 'clock', d(now)) return now end
  return last
end
local INC = nil
local function incrementAt(amount)
  if not INC then
    INC = {}
    for from, step in string.gmatch(redis.call('HGET', K_A, 'inc'), '(%d+):(%d+)') do
      INC[#INC + 1] = { tonumber(from), tonumber(step) }
    end
  end
  local inc = INC[1] and INC[1][2] or 1
  for _, s in ipairs(INC) do
    if s[1] > amount then break end
    inc = s[2]
  end
  return inc
end
local function leadOf()
  local leader = redis.call('HGET', K_A, 'leader')
  if not leader then return nil end
  return { buyer = leader, max = field('lmax'), seq = field('lseq'), price = field('price') }
end
local function saveLead(lead)
  if lead then
    redis.call('HSET', K_A, 'leader', lead.buyer, 'lmax', d(lead.max), 'lseq', d(lead.seq),
      'price', d(lead.price))
  end
end
-- placeBid in increments.ts: true and the new lead, or false and the least valid amount
local function placeBid(start, lead, b)
  if not lead then
    if b.max < start then return false, start end
    return true, { buyer = b.buyer, max = b.max, seq = b.seq, price = start }
  end
  local minimum = lead.price + incrementAt(lead.price)
  if b.buyer == lead.buyer then
    local need = math.max(minimum, lead.max + 1)
    if b.max < need then return false, need end
    return true, { buyer = lead.buyer, max = b.max, seq = lead.seq, price = lead.price }
  end
  if b.max < minimum then return false, minimum end
  if b.max > lead.max then
    local price = math.min(b.max, lead.max + incrementAt(lead.max))
    return true, { buyer = b.buyer, max = b.max, seq = b.seq, price = math.max(minimum, price) }
  end
  return true, { buyer = lead.buyer, max = lead.max, seq = lead.seq,
    price = math.min(lead.max, b.max + incrementAt(b.max)) }
end
local function phase(now)
  local ends = field('ends')
  if not ends then return 'scheduled' end
  if now < ends then return 'live' end
  if redis.call('HEXISTS', K_A, 'leader') == 1 then return 'sold' end
  return 'unsold'
end
-- pre-bids in the order their maxima were set
local function preBids()
  local list = {}
  local flat = redis.call('ZRANGE', K_PRE, 0, -1, 'WITHSCORES')
  for i = 1, #flat, 2 do
    list[#list + 1] = { buyer = flat[i], seq = tonumber(flat[i + 1]),
      max = tonumber(redis.call('HGET', K_PREMAX, flat[i])) }
  end
  return list
end
local function start(now)
  if redis.call('HEXISTS', K_A, 'ends') == 1 then return 0 end
  redis.call('HSET', K_A, 'started', d(now), 'ends', d(now + field('dur')))
  local lead, bids = nil, field('bids')
  for _, b in ipairs(preBids()) do
    local ok, res = placeBid(field('start'), lead, b)
    if ok then
      lead = res
      bids = bids + 1
      redis.call('HSET', K_A, 'last', d(now))
    end
  end
  saveLead(lead)
  redis.call('HSET', K_A, 'bids', d(bids))
  redis.call('DEL', K_PRE, K_PREMAX)
  return 1
end
local function standing(outcome, price, leader, ends, bids, displaced)
  return '{"outcome":"' .. outcome .. '","priceMinor":' .. d(price) .. ',"leaderId":'
    .. cjson.encode(leader) .. ',"endsAt":' .. (ends and d(ends) or 'null') .. ',"bids":'
    .. d(bids) .. ',"displacedId":' .. (displaced and cjson.encode(displaced) or 'null') .. '}'
end
local function tooLow(minimum) return '{"outcome":"too_low","minimumMinor":' .. d(minimum) .. '}' end
local function preBid(buyer, max)
  local startMinor = field('start')
  if max < startMinor then return tooLow(startMinor) end
  local own = tonumber(redis.call('HGET', K_PREMAX, buyer) or '')
  if own and max <= own then return tooLow(own + 1) end
  local seq = redis.call('HINCRBY', K_A, 'seq', 1)
  redis.call('ZADD', K_PRE, seq, buyer)
  redis.call('HSET', K_PREMAX, buyer, d(max))
  local lead = nil
  for _, b in ipairs(preBids()) do
    local ok, res = placeBid(startMinor, lead, b)
    if ok then lead = res end
  end
  local outcome = (lead and lead.buyer == buyer) and 'leading' or 'outbid'
  return standing(outcome, lead and lead.price or startMinor, lead and lead.buyer or buyer, nil, 0,
    nil)
end
local function decide(buyer, max, now)
  if buyer == redis.call('HGET', K_A, 'host') then return '{"outcome":"own_auction"}' end
  local ph = phase(now)
  if ph == 'scheduled' then return preBid(buyer, max) end
  if ph ~= 'live' then return '{"outcome":"not_live","phase":"' .. ph .. '"}' end
  local seq = field('seq') + 1
  local before = leadOf()
  local ok, res = placeBid(field('start'), before, { buyer = buyer, max = max, seq = seq })
  if not ok then return tooLow(res) end
  saveLead(res)
  local bids = field('bids') + 1
  redis.call('HSET', K_A, 'seq', d(seq), 'bids', d(bids), 'last', d(now))
  local ends, counter = field('ends'), field('counter')
  if field('sd') == 0 and counter > 0 and ends - now < counter then
    ends = now + counter
    redis.call('HSET', K_A, 'ends', d(ends))
  end
  local displaced = (before and before.buyer ~= res.buyer) and before.buyer or nil
  return standing(res.buyer == buyer and 'leading' or 'outbid', res.price, res.buyer, ends, bids,
    displaced)
end
`;

export const auctionScripts = {
  /** ARGV now, host, start, dur, counter, sd (0/1), inc ("from:inc,..."), room, created, def JSON → 1 if created. */
  auctionCreate: {
    numberOfKeys: AUCTION_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_A) == 1 then return 0 end
redis.call('HSET', K_A, 'clock', ARGV[1], 'host', ARGV[2], 'start', ARGV[3], 'dur', ARGV[4],
  'counter', ARGV[5], 'sd', ARGV[6], 'inc', ARGV[7], 'room', ARGV[8], 'created', ARGV[9],
  'def', ARGV[10], 'bids', '0', 'seq', '0')
return 1`,
  },
  /** ARGV now → 1 if it started now. */
  auctionStart: {
    numberOfKeys: AUCTION_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_A) == 0 then return 0 end
return start(clock(tonumber(ARGV[1])))`,
  },
  /**
   * ARGV buyer, max, key, now, rate capacity, rate per second (0: none), name ('': keep) → the
   * answer (JSON), or nil.
   */
  auctionBid: {
    numberOfKeys: AUCTION_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_A) == 0 then return nil end
local buyer, max, now = ARGV[1], tonumber(ARGV[2]), clock(tonumber(ARGV[4]))
local answerKey = buyer .. '\\n' .. ARGV[3]
local earlier = redis.call('HGET', K_ANS, answerKey)
if earlier then return earlier end
local rate = tonumber(ARGV[6])
if rate > 0 then
  local capacity = tonumber(ARGV[5])
  local stored = redis.call('HGET', K_BUCKETS, buyer)
  local tokens, at = nil, now
  if stored then
    local sep = string.find(stored, ':')
    tokens, at = tonumber(string.sub(stored, 1, sep - 1)), tonumber(string.sub(stored, sep + 1))
  end
  tokens, at = refill(tokens, at, capacity, rate, now)
  if tokens < 1 then return '{"outcome":"rate_limited","retryAfterMs":' .. waitMs(1, tokens, rate) .. '}' end
  redis.call('HSET', K_BUCKETS, buyer, digits(tokens - 1) .. ':' .. digits(at))
end
if ARGV[7] ~= '' then redis.call('HSET', K_NAMES, buyer, ARGV[7]) end
local answer = decide(buyer, max, now)
redis.call('HSET', K_ANS, answerKey, answer)
return answer`,
  },
  /**
   * ARGV now → [def, clock, started, ends, leader, price, bids, phase, minimum, leader's name,
   * settlement JSON], or nil.
   */
  auctionView: {
    numberOfKeys: AUCTION_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_A) == 0 then return nil end
-- a look moves the clock too: an end one node has seen holds for every node
local now = clock(tonumber(ARGV[1]))
local lead = leadOf()
local minimum = lead and (lead.price + incrementAt(lead.price)) or field('start')
return { redis.call('HGET', K_A, 'def'), d(now), redis.call('HGET', K_A, 'started') or '',
  redis.call('HGET', K_A, 'ends') or '', lead and lead.buyer or '', lead and d(lead.price) or '',
  d(field('bids')), phase(now), d(minimum),
  lead and (redis.call('HGET', K_NAMES, lead.buyer) or '') or '',
  redis.call('HGET', K_A, 'settled') or '' }`,
  },
  /** ARGV settlement JSON → the settlement that stands (the first), or nil. */
  auctionSettle: {
    numberOfKeys: AUCTION_KEYS,
    lua: `${PRELUDE}
if redis.call('EXISTS', K_A) == 0 then return nil end
redis.call('HSETNX', K_A, 'settled', ARGV[1])
return redis.call('HGET', K_A, 'settled')`,
  },
  /** ARGV buyer → their standing maximum (leading, or a pre-bid), or nil. */
  auctionMaxOf: {
    numberOfKeys: AUCTION_KEYS,
    lua: `${PRELUDE}
if redis.call('HGET', K_A, 'leader') == ARGV[1] then return redis.call('HGET', K_A, 'lmax') end
return redis.call('HGET', K_PREMAX, ARGV[1])`,
  },
} as const;
