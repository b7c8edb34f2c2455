--[[
  resume: lifts a queue's pause and, when tasks are ready, wakes the dispatchers of
  every replica so they claim at once.

  KEYS[1] paused flag    KEYS[2] ready ZSET
  ARGV[1] wake channel   ARGV[2] store instance id   ARGV[3] queue name

  Returns 1 when a wake-up was published, else 0.
]]
--@include "snippets/wake.lua"

redis.call('DEL', KEYS[1])
if redis.call('ZCARD', KEYS[2]) > 0 then
  wake(ARGV[1], ARGV[2], ARGV[3])
  return 1
end
return 0
