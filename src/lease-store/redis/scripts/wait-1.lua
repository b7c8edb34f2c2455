--[[
  wait: reads a task and, unless it is COMPLETED, DEAD or CANCELLED, asks to hear when it
  is: field w names the finish channel, on which finishTask (snippets/finish.lua) then
  publishes the task's key. Checking and asking in one script leaves no gap in which
  the task could finish unheard.

  K.task                 the task hash
  A.now                  now (ms) or '' for Redis TIME
  A.finishedRetentionMs  retention of COMPLETED / CANCELLED tasks (ms)
  A.deadRetentionMs      retention of DEAD tasks (ms)
  A.finishChannel        finish channel

  Returns the hash as { field1, value1, ... } (as read, before w was set), or nil when
  unknown or past its retention.
]]
--@include "snippets/args.lua"
--@include "snippets/read-visible.lua"

local fields, state = readVisible(K.task, A.now, tonumber(A.finishedRetentionMs), tonumber(A.deadRetentionMs))
if not fields then
  return nil
end
if state ~= 'C' and state ~= 'D' and state ~= 'X' then
  redis.call('HSET', K.task, 'w', A.finishChannel)
end
return fields
