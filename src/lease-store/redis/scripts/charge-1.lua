--[[
  charge: takes tasks from one caller's enqueue rate limit, a token bucket every replica
  shares, so N replicas still give the caller its rate once, not N times.

  K.bucket     the caller's bucket HASH: 'tokens' (thousandths of a task), 'at' (ms)
  A.now        now (ms) or '' for Redis TIME
  A.perSecond  refill, tasks a second (may be fractional)
  A.burst      the most tasks the bucket holds
  tail: N, then N counts: the tasks of each call, taken in order

  Returns one value per count: 0 = taken; > 0 = nothing taken, ms until the bucket holds
  that count; -1 = nothing taken, and never (the count is over the burst).
  The bucket expires once it would be full again: a full bucket and no key are the same.
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"

local key = K.bucket
local now = resolveNow(A.now)
local perSecond, burst = tonumber(A.perSecond), tonumber(A.burst)
local full = math.floor(burst * 1000)

local v = redis.call('HMGET', key, 'tokens', 'at')
local tokens = full
if v[1] then
  -- (now - at) ms at perSecond tasks/s is (now - at) * perSecond thousandths.
  tokens = math.min(full, tonumber(v[1]) + math.floor(math.max(0, now - tonumber(v[2])) * perSecond))
end

local out = {}
local n = tonumber(ARGV[TAIL])
for i = 1, n do
  local want = tonumber(ARGV[TAIL + i]) * 1000
  if want <= tokens then
    tokens = tokens - want
    out[i] = 0
  elseif want > full then
    out[i] = -1
  else
    out[i] = math.ceil((want - tokens) / perSecond)
  end
end

redis.call('HSET', key, 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', key, math.ceil((full - tokens) / perSecond) + 1000)
return out
