--[[
  abandon: a stream ended holding these leases. Each one still held runs out at
  min(its deadline, now + grace); its attempt stays counted.

  KEYS[1] leased ZSET
  ARGV[1] task hash prefix
  ARGV[2] now (ms) or '' for Redis TIME
  ARGV[3] grace (ms)
  ARGV[4..] pairs of taskId, token

  Returns the number of leases whose deadline moved earlier.
]]
--@include "snippets/now.lua"
--@include "snippets/layout.lua"

local leased, taskPrefix = KEYS[1], ARGV[1]
local now = resolveNow(ARGV[2])
local graceDeadline = now + tonumber(ARGV[3])
local changed = 0
for i = 4, #ARGV - 1, 2 do
  local id, token = ARGV[i], tonumber(ARGV[i + 1])
  local v = redis.call('HMGET', taskPrefix .. id, 's', 't', 'o')
  if v[1] == 'L' and tonumber(v[2]) == token then
    local member = setMember(tonumber(v[3]), id)
    local deadline = redis.call('ZSCORE', leased, member)
    if deadline and tonumber(deadline) > now and graceDeadline < tonumber(deadline) then
      redis.call('ZADD', leased, graceDeadline, member)
      changed = changed + 1
    end
  end
end
return changed
