--[[
  heartbeat: this replica is alive and may hold leases of one queue. Its heartbeat
  deadline in the queue's owners HASH moves to now + TTL; members of its owned ZSET whose
  deadline passed are trimmed (snippets/owners.lua).

  K.owners       owners HASH
  A.ownedPrefix  prefix of per-replica owned ZSETs
  A.instanceId   this replica's instance id
  A.now          now (ms) or '' for Redis TIME
  A.ttlMs        heartbeat TTL (ms)

  Returns 1 while the replica may still hold leases of the queue, 0 when it holds none
  (its entry is removed then, and the replica stops beating for this queue).
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"

local owners, replica = K.owners, A.instanceId
local owned = A.ownedPrefix .. replica
local now = resolveNow(A.now)
redis.call('ZREMRANGEBYSCORE', owned, '-inf', now)
if redis.call('ZCARD', owned) == 0 then
  redis.call('HDEL', owners, replica)
  return 0
end
redis.call('HSET', owners, replica, now + tonumber(A.ttlMs))
return 1
