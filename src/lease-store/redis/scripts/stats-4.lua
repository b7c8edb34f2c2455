--[[
  stats: counts one queue's tasks by state, for metrics. Read-only; its cost is bounded
  by the number of priorities, never by the queue's depth.

  K.ready K.scheduled K.leased K.dead   the queue's state ZSETs
  A.taskPrefix                          task hash prefix
  A.now                                 now (ms) or '' for Redis TIME
  A.deadRetentionMs                     retention of DEAD tasks (ms)

  Returns { ready, scheduled, leased, dead, oldestReadySince (-1 = none) }: dead counts
  the DEAD tasks still within their retention; oldestReadySince is the earliest time since
  which the first task of each priority has been ready ('d', else its enqueue time 'e').
  Every way into Q.ready but a release takes a fresh sequence number, and a release keeps
  the task's 'd' with its place, so the first task of a priority is the one that has
  waited longest.
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"
--@include "snippets/layout.lua"

local ready, sched, leased, dead = K.ready, K.scheduled, K.leased, K.dead
local taskPrefix = A.taskPrefix
local now = resolveNow(A.now)
local deadRetentionMs = tonumber(A.deadRetentionMs)

local oldest = -1
for priority = 9, 0, -1 do
  local from = readyScore(priority, 0)
  local first = redis.call('ZRANGEBYSCORE', ready, from, string.format('(%d', from + PRIORITY_BAND), 'LIMIT', 0, 1)
  if first[1] then
    local v = redis.call('HMGET', taskPrefix .. first[1], 'd', 'e')
    local since = tonumber(v[1] or v[2])
    if since and (oldest < 0 or since < oldest) then
      oldest = since
    end
  end
end

return {
  redis.call('ZCARD', ready),
  redis.call('ZCARD', sched),
  redis.call('ZCARD', leased),
  redis.call('ZCOUNT', dead, string.format('(%d', now - deadRetentionMs), '+inf'),
  oldest,
}
