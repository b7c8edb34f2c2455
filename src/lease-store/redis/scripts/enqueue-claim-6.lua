--[[
  enqueue-claim: stores a batch of new tasks of one queue, then claims up to `max` ready
  tasks for streams of this replica that wait for them, in one round trip. Other replicas
  hear a wake-up only when ready tasks are left after the claim.

  K.ready K.scheduled K.leased   the queue's ready, scheduled and leased ZSETs
  K.seq                          sequence counter
  K.dead                         dead ZSET
  K.paused                       paused flag (while it exists, nothing is leased)
  A.taskPrefix                   task hash prefix
  A.idempotencyPrefix            idempotency key prefix
  A.channel A.instanceId A.queue wake channel, store instance id, queue name
  A.now                          now (ms) or '' for Redis TIME
  A.idempotencyWindowMs          idempotency window (ms)
  A.idempotencyTtlMs             idempotency key TTL (ms, >= window)
  A.finishedRetentionMs          retention of COMPLETED and CANCELLED tasks (ms)
  A.deadRetentionMs              retention of DEAD tasks (ms): an idempotency key naming
                                 a task past these, or purged, no longer answers
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
  tail: the seed in [0, 1) of the backoff jitter of leases the claim's maintenance
    expires (snippets/random.lua), then the number of tasks and the tasks as in
    enqueue-3.lua

  The owners HASH and the owned ZSETs are keys of this queue, under the same hash tag as
  K.ready (one slot; keys.ts builds them), passed in ARGV because their number varies
  with the replicas.

  Returns { enqueued, claimed }: enqueued as enqueue-3.lua returns it, claimed as
  claim-6.lua does.
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"
--@include "snippets/enqueue-tasks.lua"
--@include "snippets/claim-tasks.lua"

local Q = {
  ready = K.ready, sched = K.scheduled, leased = K.leased, seq = K.seq, dead = K.dead, paused = K.paused,
  taskPrefix = A.taskPrefix, idemPrefix = A.idempotencyPrefix,
  channel = A.channel, instanceId = A.instanceId, queue = A.queue,
  window = tonumber(A.idempotencyWindowMs), idemTtl = tonumber(A.idempotencyTtlMs),
  finishedRetentionMs = tonumber(A.finishedRetentionMs), deadRetentionMs = tonumber(A.deadRetentionMs),
  finishedTtlMs = tonumber(A.finishedTtlMs), deadTtlMs = tonumber(A.deadTtlMs),
  secret = A.secret, owners = A.owners, ownedPrefix = A.ownedPrefix,
  ownerTtlMs = tonumber(A.ownerTtlMs), ownerGraceMs = tonumber(A.ownerGraceMs),
  notAfter = tonumber(A.notAfter),
  handOff = true,
}
local now = resolveNow(A.now)
local tasksAt = takeRandomSeed(TAIL)

local enqueued = enqueueTasks(Q, now, tasksAt + 1, tonumber(ARGV[tasksAt]))
local claimed = claimTasks(Q, now, tonumber(A.max), tonumber(A.leaseMs), tonumber(A.limit), enqueued[1])
return { enqueued, claimed }
