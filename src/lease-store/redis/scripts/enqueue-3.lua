--[[
  enqueue: stores a batch of new tasks of one queue.

  K.ready K.scheduled            ready and scheduled ZSETs
  K.seq                          sequence counter
  A.taskPrefix                   task hash prefix
  A.idempotencyPrefix            idempotency key prefix
  A.channel A.instanceId A.queue wake channel, store instance id, queue name
  A.now                          now (ms) or '' for Redis TIME
  A.idempotencyWindowMs          idempotency window (ms)
  A.idempotencyTtlMs             idempotency key TTL (ms, >= window)
  A.finishedRetentionMs          retention of COMPLETED and CANCELLED tasks (ms)
  A.deadRetentionMs              retention of DEAD tasks (ms): an idempotency key naming
                                 a task past these, or purged, no longer answers
  tail: the number of tasks N, then 9 values per task (snippets/enqueue-tasks.lua):
    id, payload, priority, delay (ms), max attempts ('' = 5), backoff spec ('' = default),
    idempotency key ('' = none), encoded headers ('' = none), fairness key ('' = default)

  Returns { readyCount, status1, id1, status2, id2, ..., unregistered } in request order,
  status 0 = stored PENDING, 1 = stored SCHEDULED, 2 = duplicate (id is the first task's
  id); unregistered = 1 when the queue may be missing from the registry of queues
  (snippets/enqueue-tasks.lua).
  Publishes a wake-up when a task became PENDING.
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"
--@include "snippets/enqueue-tasks.lua"
--@include "snippets/wake.lua"

local E = {
  ready = K.ready, sched = K.scheduled, seq = K.seq, taskPrefix = A.taskPrefix, idemPrefix = A.idempotencyPrefix,
  window = tonumber(A.idempotencyWindowMs), idemTtl = tonumber(A.idempotencyTtlMs),
  finishedRetentionMs = tonumber(A.finishedRetentionMs), deadRetentionMs = tonumber(A.deadRetentionMs),
}
local out = enqueueTasks(E, resolveNow(A.now), TAIL + 1, tonumber(ARGV[TAIL]))
if out[1] > 0 then
  wake(A.channel, A.instanceId, A.queue)
end
return out
