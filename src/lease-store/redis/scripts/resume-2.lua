--[[
  resume: lifts a queue's pause and, when tasks are ready, wakes the dispatchers of
  every replica so they claim at once (whether or not the queue was paused).

  K.paused                        paused flag
  K.ready                         ready ZSET
  A.channel A.instanceId A.queue  wake channel, store instance id, queue name

  Returns { wasPaused, woke }: wasPaused 1 when the flag was set, else 0; woke 1 when a
  wake-up was published, else 0.
]]
--@include "snippets/args.lua"
--@include "snippets/wake.lua"

local wasPaused = redis.call('DEL', K.paused)
if redis.call('ZCARD', K.ready) > 0 then
  wake(A.channel, A.instanceId, A.queue)
  return { wasPaused, 1 }
end
return { wasPaused, 0 }
