--[[
  claim: maintenance of one queue, then leases up to `max` ready tasks. With max = 0 it
  is the reaper. Cost is bounded by `limit` and `max`, never by the queue's depth.

  KEYS[1] ready ZSET     KEYS[2] scheduled ZSET     KEYS[3] leased ZSET
  KEYS[4] sequence counter                          KEYS[5] dead ZSET
  KEYS[6] paused flag (while it exists, nothing is leased)
  ARGV[1] task hash prefix
  ARGV[2] wake channel   ARGV[3] store instance id   ARGV[4] queue name
  ARGV[5] now (ms) or '' for Redis TIME
  ARGV[6] max leases     ARGV[7] lease duration (ms)  ARGV[8] maintenance limit per kind
  ARGV[9] TTL of finished (CANCELLED) hashes (ms)     ARGV[10] TTL of DEAD hashes (ms),
          also how long the dead ZSET keeps its members
  ARGV[11] the call's random secret (lease nonces)    ARGV[12] owners HASH
  ARGV[13] prefix of per-replica owned ZSETs          ARGV[14] owner heartbeat TTL (ms)
  ARGV[15] grace of a dead replica's leases (ms)      (snippets/owners.lua)
  ARGV[16..] random numbers in [0, 1) for backoff jitter, one per lease it may expire

  The owners HASH and the owned ZSETs are keys of this queue, under the same hash tag as
  KEYS[1] (one slot; keys.ts builds them), passed in ARGV because their number varies
  with the replicas.

  Returns what claimTasks returns (snippets/claim-tasks.lua): { woke, nextDueInMs,
  deadline, expired, dead, more, lease1, lease2, ... }, or { CODE.NEED_RANDOMS, n }.
]]
--@include "snippets/now.lua"
--@include "snippets/claim-tasks.lua"

local Q = {
  ready = KEYS[1], sched = KEYS[2], leased = KEYS[3], seq = KEYS[4], dead = KEYS[5], paused = KEYS[6],
  taskPrefix = ARGV[1], finishedTtlMs = tonumber(ARGV[9]), deadTtlMs = tonumber(ARGV[10]),
  channel = ARGV[2], instanceId = ARGV[3], queue = ARGV[4],
  secret = ARGV[11], owners = ARGV[12], ownedPrefix = ARGV[13],
  ownerTtlMs = tonumber(ARGV[14]), ownerGraceMs = tonumber(ARGV[15]),
}
local randoms = {}
for i = 16, #ARGV do
  randoms[#randoms + 1] = tonumber(ARGV[i])
end
setRandoms(randoms)

return claimTasks(Q, resolveNow(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), 0)
