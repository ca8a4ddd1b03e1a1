/**
 * Moderation's script: a report, counted once per reporter, listed and held against its author in
 * one step. Its keys carry the room's hash tag (one slot): KEYS[1] the reported message (hash: `m`
 * what was reported, `r:<reporter>` "at\nreason"), KEYS[2] the room's list (sorted set: message id
 * by its last new report), KEYS[3] the room's sanctions hash (`<user>:reported` counts). The twin
 * of server/engines/memory/moderation.ts (one contract suite checks both).
 */
export const moderationScripts = {
  /** ARGV message id, reporter, at, reason, what was reported (JSON), author id, ttl ms → reporters. */
  reportMessage: {
    numberOfKeys: 3,
    lua: `
local K_R, K_LIST, K_S = unpack(KEYS)
local id, reporter, at, reason, meta, author, ttl = unpack(ARGV)
redis.call('HSETNX', K_R, 'm', meta)
local added = redis.call('HSETNX', K_R, 'r:' .. reporter, at .. '\\n' .. reason)
redis.call('PEXPIRE', K_R, ttl)
if added == 1 then
  redis.call('ZADD', K_LIST, 'GT', at, id)
  redis.call('ZREMRANGEBYSCORE', K_LIST, '-inf', '(' .. string.format('%d', tonumber(at) - tonumber(ttl)))
  redis.call('PEXPIRE', K_LIST, ttl)
  redis.call('HINCRBY', K_S, author .. ':reported', 1)
end
return redis.call('HLEN', K_R) - 1`,
  },
};
