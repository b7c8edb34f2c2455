--[[
  enqueue-claim: stores a batch of new tasks of one queue, then claims up to `max` ready
  tasks for streams of this replica that wait for them, in one round trip. Other replicas
  hear a wake-up only when ready tasks are left after the claim.

  KEYS[1] ready ZSET     KEYS[2] scheduled ZSET     KEYS[3] leased ZSET
  KEYS[4] sequence counter                          KEYS[5] dead ZSET
  KEYS[6] paused flag (while it exists, nothing is leased)
  ARGV[1] task hash prefix                          ARGV[2] idempotency key prefix
  ARGV[3] wake channel   ARGV[4] store instance id   ARGV[5] queue name
  ARGV[6] now (ms) or '' for Redis TIME
  ARGV[7] idempotency window (ms)                   ARGV[8] idempotency key TTL (ms)
  ARGV[9] max leases     ARGV[10] lease duration (ms)  ARGV[11] maintenance limit per kind
  ARGV[12] TTL of finished (CANCELLED) hashes (ms)  ARGV[13] TTL of DEAD hashes (ms)
  ARGV[14..18] lease secret, owners HASH, owned ZSET prefix, owner heartbeat TTL (ms),
          grace of a dead replica's leases (ms), as ARGV[11..15] of claim-6.lua
  ARGV[19] number R of random numbers, ARGV[20 .. 19+R] random numbers in [0, 1)
  ARGV[20+R] number of tasks N, then 8 values per task as in enqueue-3.lua

  The owners HASH and the owned ZSETs are keys of this queue, under the same hash tag as
  KEYS[1] (one slot; keys.ts builds them), passed in ARGV because their number varies
  with the replicas.

  Returns { enqueued, claimed }: enqueued as enqueue-3.lua returns it, claimed as
  claim-6.lua does. When the claim needs more random numbers (claimed is
  { CODE.NEED_RANDOMS, n }), the tasks are stored all the same: claim them with claim-6.
]]
--@include "snippets/now.lua"
--@include "snippets/enqueue-tasks.lua"
--@include "snippets/claim-tasks.lua"

local Q = {
  ready = KEYS[1], sched = KEYS[2], leased = KEYS[3], seq = KEYS[4], dead = KEYS[5], paused = KEYS[6],
  taskPrefix = ARGV[1], idemPrefix = ARGV[2],
  channel = ARGV[3], instanceId = ARGV[4], queue = ARGV[5],
  window = tonumber(ARGV[7]), idemTtl = tonumber(ARGV[8]),
  finishedTtlMs = tonumber(ARGV[12]), deadTtlMs = tonumber(ARGV[13]),
  secret = ARGV[14], owners = ARGV[15], ownedPrefix = ARGV[16],
  ownerTtlMs = tonumber(ARGV[17]), ownerGraceMs = tonumber(ARGV[18]),
}
local now = resolveNow(ARGV[6])
local tasksAt = takeRandoms(19)

local enqueued = enqueueTasks(Q, now, tasksAt + 1, tonumber(ARGV[tasksAt]))
local claimed = claimTasks(Q, now, tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), enqueued[1])
if claimed[1] == CODE.NEED_RANDOMS and enqueued[1] > 0 then
  -- Nothing was claimed: tell every replica, as a plain enqueue does.
  wake(Q.channel, Q.instanceId, Q.queue)
end
return { enqueued, claimed }
