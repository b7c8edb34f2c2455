--[[
  cancel: a PENDING or SCHEDULED task becomes CANCELLED at once; a LEASED one gets a
  cancel request (extends are refused, and it becomes CANCELLED when the lease ends
  without completion).

  K.ready                ready ZSET
  K.scheduled            scheduled ZSET
  K.task                 the task hash
  A.taskId               task id
  A.now                  now (ms) or '' for Redis TIME
  A.finishedTtlMs        TTL of CANCELLED hashes (ms)
  A.finishedRetentionMs  retention of COMPLETED / CANCELLED tasks (ms)
  A.deadRetentionMs      retention of DEAD tasks (ms)

  Returns 1 when the task will not run again, 0 when it had already COMPLETED or
  become DEAD, -1 when unknown (or past its retention).
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"
--@include "snippets/layout.lua"
--@include "snippets/finish.lua"
--@include "snippets/fair.lua"
--@include "snippets/script-codes.lua"

local ready, sched, taskKey, id = K.ready, K.scheduled, K.task, A.taskId
local now = resolveNow(A.now)
local finishedTtlMs = tonumber(A.finishedTtlMs)
local v = redis.call('HMGET', taskKey, 's', 'o', 'f', 'y', 'z')
local state = v[1]
if not state or isGone(state, v[3], now, tonumber(A.finishedRetentionMs), tonumber(A.deadRetentionMs)) then
  return CODE.NOT_FOUND
end
if state == 'P' then
  -- The task hash is '<task prefix><id>' (keys.ts); fair.lua finds the queue's keys from it.
  local Q = { ready = ready, taskPrefix = string.sub(taskKey, 1, #taskKey - #id) }
  fairUnready(Q, id, tonumber(v[4] or '0'), v[5] or '')
  finishTask(taskKey, 'X', now, finishedTtlMs)
  return 1
elseif state == 'S' then
  redis.call('ZREM', sched, setMember(tonumber(v[2]), id))
  finishTask(taskKey, 'X', now, finishedTtlMs)
  return 1
elseif state == 'L' then
  redis.call('HSET', taskKey, 'c', '1')
  return 1
elseif state == 'X' then
  return 1
end
return 0
