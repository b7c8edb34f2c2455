--[[
  Which replica holds which lease, so that the leases of a replica that died (its
  streams ended without anyone applying the reconnect grace) come back after that grace
  instead of at their deadline. Everything lives in the queue's slot:

    Q.owners                 HASH replica id -> heartbeat deadline (ms, store clock):
                             the replica is alive until then
    Q.ownedPrefix .. replica ZSET the leases the replica took or extended, member as in
                             Q.leased, scored by the deadline it gave; a settle removes
                             its member, expired ones are trimmed lazily, so a member
                             counts only while the task's field u still names the
                             replica and its field o still matches the member

  ownLeases: this replica (Q.instanceId) took or extended leases: `owned` holds
  score/member pairs for its ZSET, whose members past their deadline it trims; its
  heartbeat deadline moves to now + Q.ownerTtlMs.
  reapDeadOwners: for each replica whose heartbeat deadline passed, every lease it still
  holds runs out at min(its deadline, now + Q.ownerGraceMs), at most `limit` per call;
  the replica is forgotten once none is left.
]]
--@include "snippets/layout.lua"

local function ownLeases(Q, now, owned)
  local key = Q.ownedPrefix .. Q.instanceId
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  redis.call('ZADD', key, unpack(owned))
  redis.call('HSET', Q.owners, Q.instanceId, now + Q.ownerTtlMs)
end

local function reapDeadOwners(Q, now, limit)
  local owners = redis.call('HGETALL', Q.owners)
  local graceDeadline = now + Q.ownerGraceMs
  for i = 1, #owners, 2 do
    local replica = owners[i]
    if tonumber(owners[i + 1]) <= now then
      local ownedKey = Q.ownedPrefix .. replica
      local members = redis.call('ZRANGE', ownedKey, 0, limit - 1)
      for _, member in ipairs(members) do
        local id = memberId(member)
        local v = redis.call('HMGET', Q.taskPrefix .. id, 's', 'o', 'u')
        if v[1] == 'L' and v[3] == replica and setMember(tonumber(v[2]), id) == member then
          local deadline = redis.call('ZSCORE', Q.leased, member)
          if deadline and tonumber(deadline) > graceDeadline then
            redis.call('ZADD', Q.leased, graceDeadline, member)
          end
        end
      end
      removeMembers(ownedKey, members)
      if #members < limit then
        redis.call('DEL', ownedKey)
        redis.call('HDEL', Q.owners, replica)
      end
    end
  end
end
