--[[
  note-due: records in the due index when a queue next has timed work (a scheduled task
  falls due, a lease runs out), so the safety sweep claims only the queues that have some.
  The index is kept apart from the queue's keys (on Cluster, in another slot), so it is
  written after the queue's script, and may lag. An entry only ever moves earlier, with
  one exception: a claim's answer (the queue's whole next due time, after its
  maintenance) replaces an entry that has fallen due, or removes it. One more timed event
  (a delayed task, a retry, a grace) never replaces an entry already due: that work has
  not been claimed yet.

  K.due      due ZSET (queue name -> ms)
  A.queue    queue name
  A.inMs     in how many ms the queue next has timed work, or '' for never
  A.now      now (ms) or '' for Redis TIME
  A.answer   '1' when A.inMs is a claim's answer, '0' for one more timed event

  Returns 1 when the index changed, else 0.
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"

local index, queue = K.due, A.queue
local now = resolveNow(A.now)
local due = ''
if A.inMs ~= '' then
  due = now + tonumber(A.inMs)
end
local current = redis.call('ZSCORE', index, queue)
if current and (tonumber(current) > now or A.answer ~= '1') then
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
