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
--@include "snippets/read-visible.lua"

local fields, state = readVisible(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
if not fields then
  return nil
end
if state ~= 'C' and state ~= 'D' and state ~= 'X' then
  redis.call('HSET', KEYS[1], 'w', ARGV[4])
end
return fields
