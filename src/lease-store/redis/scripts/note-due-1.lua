--[[
  note-due: records in the due index when a queue next has timed work (a scheduled task
  falls due, a lease runs out), so the safety sweep claims only the queues that have some.
  The index is kept apart from the queue's keys (on Cluster, in another slot), so it is
  written after the queue's script, and may lag. An entry only ever moves earlier, with
  one exception: a claim's answer (the queue's whole next due time, after its
  maintenance) replaces an entry that has fallen due, or removes it. One more timed event
  (a delayed task, a retry, a grace) never replaces an entry already due: that work has
  not been claimed yet.

  KEYS[1] due ZSET (queue name -> ms)
  ARGV[1] queue name
  ARGV[2] in how many ms the queue next has timed work, or '' for never
  ARGV[3] now (ms) or '' for Redis TIME
  ARGV[4] '1' when ARGV[2] is a claim's answer, '0' for one more timed event

  Returns 1 when the index changed, else 0.
]]
--@include "snippets/now.lua"

local index, queue = KEYS[1], ARGV[1]
local now = resolveNow(ARGV[3])
local due = ''
if ARGV[2] ~= '' then
  due = now + tonumber(ARGV[2])
end
local current = redis.call('ZSCORE', index, queue)
if current and (tonumber(current) > now or ARGV[4] ~= '1') then
  if due ~= '' and due < tonumber(current) then
    redis.call('ZADD', index, due, queue)
    return 1
  end
  return 0
end
if due == '' then
  return redis.call('ZREM', index, queue)
end
redis.call('ZADD', index, due, queue)
return 1
