--[[
  enqueue: stores a batch of new tasks of one queue.

  KEYS[1] ready ZSET          KEYS[2] scheduled ZSET          KEYS[3] sequence counter
  ARGV[1] task hash prefix    ARGV[2] idempotency key prefix
  ARGV[3] wake channel        ARGV[4] store instance id       ARGV[5] queue name
  ARGV[6] now (ms) or '' for Redis TIME
  ARGV[7] idempotency window (ms)                 ARGV[8] idempotency key TTL (ms, >= window)
  ARGV[9] number of tasks N, then 8 values per task from ARGV[10]:
    id, payload, priority, delay (ms), max attempts ('' = 5), backoff spec ('' = default),
    idempotency key ('' = none), encoded headers ('' = none)

  Returns { readyCount, status1, id1, status2, id2, ... } in request order, status
  0 = stored PENDING, 1 = stored SCHEDULED, 2 = duplicate (id is the first task's id).
  Publishes a wake-up when a task became PENDING.
]]
--@include "snippets/now.lua"
--@include "snippets/enqueue-tasks.lua"
--@include "snippets/wake.lua"

local E = {
  ready = KEYS[1], sched = KEYS[2], seq = KEYS[3], taskPrefix = ARGV[1], idemPrefix = ARGV[2],
  window = tonumber(ARGV[7]), idemTtl = tonumber(ARGV[8]),
}
local out = enqueueTasks(E, resolveNow(ARGV[6]), 10, tonumber(ARGV[9]))
if out[1] > 0 then
  wake(ARGV[3], ARGV[4], ARGV[5])
end
return out
