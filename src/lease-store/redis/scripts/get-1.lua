--[[
  get: reads one task.

  KEYS[1] the task hash
  ARGV[1] now (ms) or '' for Redis TIME
  ARGV[2] retention of COMPLETED / CANCELLED tasks (ms)   ARGV[3] retention of DEAD tasks (ms)

  Returns the hash as { field1, value1, ... }, or nil when unknown or past its retention.
]]
--@include "snippets/read-visible.lua"

local fields = readVisible(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
if not fields then
  return nil
end
return fields
