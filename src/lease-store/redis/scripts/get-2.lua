--[[
  get: reads one task.

  K.task                 the task hash
  K.scheduled            scheduled ZSET of the task's queue
  A.taskId               task id
  A.now                  now (ms) or '' for Redis TIME
  A.finishedRetentionMs  retention of COMPLETED / CANCELLED tasks (ms)
  A.deadRetentionMs      retention of DEAD tasks (ms)

  Returns the hash as { field1, value1, ... }, or nil when unknown or past its retention.
  A SCHEDULED task has one more pair, 'due' and its score in K.scheduled (when it falls
  due, ms), as list-1.lua gives it.
]]
--@include "snippets/args.lua"
--@include "snippets/layout.lua"
--@include "snippets/read-visible.lua"

local fields, state = readVisible(K.task, A.now, tonumber(A.finishedRetentionMs), tonumber(A.deadRetentionMs))
if not fields then
  return nil
end
if state == 'S' then
  local ordinal = redis.call('HGET', K.task, 'o')
  local due = ordinal and redis.call('ZSCORE', K.scheduled, setMember(tonumber(ordinal), A.taskId))
  if due then
    fields[#fields + 1] = 'due'
    fields[#fields + 1] = due
  end
end
return fields
