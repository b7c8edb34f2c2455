--[[
  configure: stores a queue's fair-share config; lines of keys that the new per-key
  limit no longer holds back rejoin the ring (fair.lua), announced, and lines of keys it
  holds back are parked.

  K.config                        config HASH (the queue's fair prefix + 'config')
  A.taskPrefix                    task hash prefix
  A.channel A.instanceId A.queue  wake channel, store instance id, queue name
  A.maxLeasedPerKey               max leased per key (0 = none)
  A.maxClaimsPerSecond            max claims per second (0 = none)

  Returns how many parked lines rejoined the ring (then a wake-up was published).
]]
--@include "snippets/args.lua"
--@include "snippets/fair.lua"
--@include "snippets/wake.lua"

local Q = { taskPrefix = A.taskPrefix }
local mlk, cps = tonumber(A.maxLeasedPerKey), tonumber(A.maxClaimsPerSecond)
redis.call('HSET', K.config, 'mlk', mlk, 'cps', cps)
Q.maxLeasedPerKey, Q.maxClaimsPerSecond = mlk, cps
-- A new rate starts with a full second's budget.
redis.call('DEL', fairBase(Q) .. 'bucket')

-- O(K) in the lines of the queue: a config change is rare, and afterwards every claim
-- may trust the ring (no line of a key at its limit is in it).
local base = fairBase(Q)
local joined = 0
local parked = redis.call('ZRANGE', base .. 'parked', 0, -1, 'WITHSCORES')
for i = 1, #parked, 2 do
  local member = parked[i]
  if mlk == 0 or keyLeased(base, string.sub(member, 2)) < mlk then
    if unpark(Q, member, parked[i + 1]) then
      joined = joined + 1
    end
  end
end
if mlk > 0 then
  local ring = redis.call('ZRANGE', base .. 'ring', 0, -1, 'WITHSCORES')
  for i = 1, #ring, 2 do
    local member = ring[i]
    if keyLeased(base, string.sub(member, 2)) >= mlk then
      redis.call('ZREM', base .. 'ring', member)
      redis.call('ZADD', base .. 'parked', ring[i + 1], member)
    end
  end
end
if joined > 0 then
  wake(A.channel, A.instanceId, A.queue)
end
return joined
