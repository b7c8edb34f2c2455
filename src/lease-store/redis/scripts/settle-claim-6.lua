--[[
  settle-claim: applies settle ops to leases of one queue, then claims up to `max` ready
  tasks, in one round trip: a worker that completes a task and asks for the next one
  costs one script, not two. Other replicas hear of tasks the ops made ready only when
  some are left after the claim.

  KEYS[1] ready ZSET     KEYS[2] scheduled ZSET     KEYS[3] leased ZSET
  KEYS[4] sequence counter                          KEYS[5] dead ZSET
  KEYS[6] paused flag (while it exists, nothing is leased)
  ARGV[1] task hash prefix
  ARGV[2] wake channel   ARGV[3] store instance id   ARGV[4] queue name
  ARGV[5] now (ms) or '' for Redis TIME
  ARGV[6] TTL of COMPLETED / CANCELLED hashes (ms)    ARGV[7] TTL of DEAD hashes (ms)
  ARGV[8] max leases     ARGV[9] lease duration (ms)  ARGV[10] maintenance limit per kind
  ARGV[11..15] lease secret, owners HASH, owned ZSET prefix, owner heartbeat TTL (ms),
          grace of a dead replica's leases (ms), as ARGV[11..15] of claim-6.lua
  ARGV[16] number R of random numbers, ARGV[17 .. 16+R] random numbers in [0, 1), for
          the fails' backoff first, then for leases the claim's maintenance expires
  then the ops, as settle-5.lua reads them

  The owners HASH and the owned ZSETs are keys of this queue, under the same hash tag as
  KEYS[1] (one slot; keys.ts builds them), passed in ARGV because their number varies
  with the replicas.

  Returns { settled, claimed }: settled as settle-5.lua returns it (its first value
  counts the tasks the ops made ready), claimed as claim-6.lua does. When the claim needs
  more random numbers (claimed is { CODE.NEED_RANDOMS, n }), the ops are applied all the
  same: claim with claim-6.
]]
--@include "snippets/now.lua"
--@include "snippets/settle-ops.lua"
--@include "snippets/claim-tasks.lua"

local Q = {
  ready = KEYS[1], sched = KEYS[2], leased = KEYS[3], seq = KEYS[4], dead = KEYS[5], paused = KEYS[6],
  taskPrefix = ARGV[1], finishedTtlMs = tonumber(ARGV[6]), deadTtlMs = tonumber(ARGV[7]),
  channel = ARGV[2], instanceId = ARGV[3], queue = ARGV[4],
  secret = ARGV[11], owners = ARGV[12], ownedPrefix = ARGV[13],
  ownerTtlMs = tonumber(ARGV[14]), ownerGraceMs = tonumber(ARGV[15]),
}
local now = resolveNow(ARGV[5])
local opsAt = takeRandoms(16)

local settled = settleOps(Q, now, opsAt)
local claimed = claimTasks(Q, now, tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]), settled[1])
if claimed[1] == CODE.NEED_RANDOMS and settled[1] > 0 then
  -- Nothing was claimed: tell every replica, as a plain settle does.
  wake(Q.channel, Q.instanceId, Q.queue)
end
return { settled, claimed }
