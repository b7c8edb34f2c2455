--[[
  claim: maintenance of one queue, then leases up to `max` ready tasks. With max = 0 it
  is the reaper. Cost is bounded by `limit` and `max`, never by the queue's depth.

  K.ready K.scheduled K.leased   the queue's ready, scheduled and leased ZSETs
  K.seq                          sequence counter
  K.dead                         dead ZSET
  K.paused                       paused flag (while it exists, nothing is leased)
  A.taskPrefix                   task hash prefix
  A.channel A.instanceId A.queue wake channel, store instance id, queue name
  A.now                          now (ms) or '' for Redis TIME
  A.max                          max leases
  A.leaseMs                      lease duration (ms)
  A.limit                        maintenance limit per kind
  A.notAfter                     Redis time (ms) after which the caller no longer waits:
                                 a later run leases nothing ('' = no bound)
  A.finishedTtlMs                TTL of COMPLETED / CANCELLED hashes (ms)
  A.deadTtlMs                    TTL of DEAD hashes (ms), also how long the dead ZSET
                                 keeps its members
  A.secret                       the call's random secret (lease nonces)
  A.owners                       owners HASH            (snippets/owners.lua)
  A.ownedPrefix                  prefix of per-replica owned ZSETs
  A.ownerTtlMs                   owner heartbeat TTL (ms)
  A.ownerGraceMs                 grace of a dead replica's leases (ms)
  tail: the seed in [0, 1) of the backoff jitter of leases it expires (snippets/random.lua)

  The owners HASH and the owned ZSETs are keys of this queue, under the same hash tag as
  K.ready (one slot; keys.ts builds them), passed in ARGV because their number varies
  with the replicas.

  Returns what claimTasks returns (snippets/claim-tasks.lua): { woke, nextDueInMs,
  deadline, expired, dead, more, lease1, lease2, ... }.
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"
--@include "snippets/claim-tasks.lua"

local Q = {
  ready = K.ready, sched = K.scheduled, leased = K.leased, seq = K.seq, dead = K.dead, paused = K.paused,
  taskPrefix = A.taskPrefix, finishedTtlMs = tonumber(A.finishedTtlMs), deadTtlMs = tonumber(A.deadTtlMs),
  channel = A.channel, instanceId = A.instanceId, queue = A.queue,
  secret = A.secret, owners = A.owners, ownedPrefix = A.ownedPrefix,
  ownerTtlMs = tonumber(A.ownerTtlMs), ownerGraceMs = tonumber(A.ownerGraceMs),
  notAfter = tonumber(A.notAfter),
}
takeRandomSeed(TAIL)

return claimTasks(Q, resolveNow(A.now), tonumber(A.max), tonumber(A.leaseMs), tonumber(A.limit), 0)
