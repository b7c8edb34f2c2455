--[[
  heartbeat: this replica is alive and may hold leases of one queue. Its heartbeat
  deadline in the queue's owners HASH moves to now + TTL; members of its owned ZSET whose
  deadline passed are trimmed (snippets/owners.lua).

  KEYS[1] owners HASH
  ARGV[1] prefix of per-replica owned ZSETs           ARGV[2] this replica's instance id
  ARGV[3] now (ms) or '' for Redis TIME                ARGV[4] heartbeat TTL (ms)

  Returns 1 while the replica may still hold leases of the queue, 0 when it holds none
  (its entry is removed then, and the replica stops beating for this queue).
]]
--@include "snippets/now.lua"

local owners, replica = KEYS[1], ARGV[2]
local owned = ARGV[1] .. replica
local now = resolveNow(ARGV[3])
redis.call('ZREMRANGEBYSCORE', owned, '-inf', now)
if redis.call('ZCARD', owned) == 0 then
  redis.call('HDEL', owners, replica)
  return 0
end
redis.call('HSET', owners, replica, now + tonumber(ARGV[4]))
return 1
