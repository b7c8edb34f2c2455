--[[
  abandon: a stream ended holding these leases. Each one still held runs out at
  min(its deadline, now + grace); its attempt stays counted. A lease whose deadline is
  past the one the stream knew was extended since on another stream (its worker came
  back): it is left alone.

  K.leased       leased ZSET
  A.taskPrefix   task hash prefix
  A.now          now (ms) or '' for Redis TIME
  A.graceMs      grace (ms)
  tail: triples of taskId, token, deadline the stream knew ('' = unknown)

  Returns the number of leases whose deadline moved earlier.
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"
--@include "snippets/layout.lua"

local leased, taskPrefix = K.leased, A.taskPrefix
local now = resolveNow(A.now)
local graceDeadline = now + tonumber(A.graceMs)
local changed = 0
for i = TAIL, #ARGV - 2, 3 do
  local id, token, known = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local v = redis.call('HMGET', taskPrefix .. id, 's', 't', 'o')
  if v[1] == 'L' and tonumber(v[2]) == token then
    local member = setMember(tonumber(v[3]), id)
    local deadline = redis.call('ZSCORE', leased, member)
    local extendedElsewhere = known ~= nil and deadline and tonumber(deadline) > known
    if deadline and not extendedElsewhere and tonumber(deadline) > now and graceDeadline < tonumber(deadline) then
      redis.call('ZADD', leased, graceDeadline, member)
      changed = changed + 1
    end
  end
end
return changed
