--[[
  forget: deletes what an empty queue keeps that no task needs, once the registry has
  pruned it (queue-registry.ts): its sequence counter and its fair-share round state.
  Checked and deleted in one step, so a task enqueued meanwhile keeps its order; the next
  enqueue finds no counter and has the queue added to the registry again, whichever
  replica sends it.

  K.ready K.scheduled K.leased K.dead  the queue's indexes
  K.paused                             pause flag
  K.seq                                sequence counter
  A.fairPrefix                         prefix of the fair-share keys (keys.ts: fairPrefix)

  Returns 1 when the queue held nothing and its keys are gone, 0 when it is in use again
  (a task or a pause arrived): nothing is deleted then.
  Its config and rate-limit bucket stay (an operator's setting; the bucket only refills);
  idempotency keys and finished task hashes expire by their own TTLs.
]]
--@include "snippets/args.lua"

if redis.call('EXISTS', K.ready, K.scheduled, K.leased, K.dead, K.paused) > 0 then
  return 0
end
local doomed = { K.seq, A.fairPrefix .. 'turn' }
for p = 0, 9 do
  doomed[#doomed + 1] = A.fairPrefix .. 'drained:' .. p
end
redis.call('DEL', unpack(doomed))
return 1
