--[[
  resume: lifts a queue's pause and, when tasks are ready, wakes the dispatchers of
  every replica so they claim at once.

  K.paused                        paused flag
  K.ready                         ready ZSET
  A.channel A.instanceId A.queue  wake channel, store instance id, queue name

  Returns 1 when a wake-up was published, else 0.
]]
--@include "snippets/args.lua"
--@include "snippets/wake.lua"

redis.call('DEL', K.paused)
if redis.call('ZCARD', K.ready) > 0 then
  wake(A.channel, A.instanceId, A.queue)
  return 1
end
return 0
