/**
 * The Lua the app runs in Redis. A script runs atomically, so every check in it and the writes after
 * it see the same state, on one Redis shared by every replica of the app.
 */

/** Replies of CREATE_LINK_LUA: the outcome first, then a code or a wait in milliseconds. */
export type CreateLinkReply = ["created" | "replayed", string] | ["limited", number] | ["conflict" | "full" | "collision"];

// KEYS: link, idempotency record ("" when the request had no key), rate bucket, link count.
// ARGV: url, createdAt, code, idempotency TTL (s), tokens refilled per ms, burst, max links.
// The order of the checks matters: a replay costs no token, and a refusal writes nothing.
export const CREATE_LINK_LUA = `
local linkKey, idempotencyKey, bucketKey, countKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local url, createdAt, code = ARGV[1], ARGV[2], ARGV[3]
local idempotencyTtl, refillPerMs, burst, maxLinks = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])

if idempotencyKey ~= '' then
  local earlier = redis.call('GET', idempotencyKey)
  if earlier then
    if redis.call('HGET', 'link:' .. earlier, 'url') == url then return {'replayed', earlier} end
    return {'conflict'}
  end
end

if tonumber(redis.call('GET', countKey) or '0') >= maxLinks then return {'full'} end
if redis.call('EXISTS', linkKey) == 1 then return {'collision'} end

-- Redis's clock, not the app's: every replica refills the bucket at the same pace.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', bucketKey, 'tokens', 'at')
local tokens = math.min(burst, (tonumber(bucket[1]) or burst) + (now - (tonumber(bucket[2]) or now)) * refillPerMs)
if tokens < 1 then return {'limited', math.ceil((1 - tokens) / refillPerMs)} end

redis.call('HSET', linkKey, 'url', url, 'visits', 0, 'createdAt', createdAt)
redis.call('INCR', countKey)
-- A full bucket and a missing one mean the same, so the key lives only until it would be full again.
redis.call('HSET', bucketKey, 'tokens', tokens - 1, 'at', now)
redis.call('PEXPIRE', bucketKey, math.ceil(burst / refillPerMs))
if idempotencyKey ~= '' then redis.call('SET', idempotencyKey, code, 'EX', idempotencyTtl) end
return {'created', code}`;

// KEYS: links; ARGV[1]: the visits to add to each, in the same order, separated by spaces ("3 1 1"): one
// argument for the whole batch, where one per link cost the client more than the rest of counting. One command
// for a whole batch of visits instead of one per link. A link deleted since its redirect (a takedown) gets no
// count, so a late visit never brings back a hash holding only "visits".
export const COUNT_VISITS_LUA = `
local i = 0
for visits in string.gmatch(ARGV[1], '%d+') do
  i = i + 1
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('HINCRBY', KEYS[i], 'visits', visits) end
end
return i`;


// KEYS: links. The target of each, or nil for a code with no link: the reads of a whole turn of the
// event loop in one command instead of one HGET each. no-writes: it runs while Redis refuses writes
// (full, or a read-only replica), as a plain HGET would.
export const RESOLVE_LINKS_LUA = `#!lua flags=no-writes
local urls = {}
for i, key in ipairs(KEYS) do urls[i] = redis.call('HGET', key, 'url') end
return urls`;
