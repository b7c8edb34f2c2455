--[[
  wait: reads a task and, unless it is COMPLETED, DEAD or CANCELLED, asks to hear when it
  is: field w names the finish channel, on which finishTask (snippets/finish.lua) then
  publishes the task's key. Checking and asking in one script leaves no gap in which
  the task could finish unheard.

  KEYS[1] the task hash
  ARGV[1] now (ms) or '' for Redis TIME
  ARGV[2] retention of COMPLETED / CANCELLED tasks (ms)   ARGV[3] retention of DEAD tasks (ms)
  ARGV[4] finish channel

  Returns the hash as { field1, value1, ... } (as read, before w was set), or nil when
  unknown or past its retention.
]]
--@include "snippets/now.lua"
--@include "snippets/finish.lua"

local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then
  return nil
end
local state, finishedAt = nil, nil
for i = 1, #fields, 2 do
  if fields[i] == 's' then
    state = fields[i + 1]
  elseif fields[i] == 'f' then
    finishedAt = fields[i + 1]
  end
end
if finishedAt and isGone(state, finishedAt, resolveNow(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])) then
  return nil
end
if state ~= 'C' and state ~= 'D' and state ~= 'X' then
  redis.call('HSET', KEYS[1], 'w', ARGV[4])
end
return fields
