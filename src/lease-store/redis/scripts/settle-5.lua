--[[
  settle: applies complete / fail / extend / release ops to leases of one queue, each on
  its own and in order (docs/lease-store-semantics.md, "settle").

  KEYS[1] ready ZSET     KEYS[2] scheduled ZSET     KEYS[3] leased ZSET
  KEYS[4] sequence counter                          KEYS[5] dead ZSET
  ARGV[1] task hash prefix
  ARGV[2] wake channel   ARGV[3] store instance id   ARGV[4] queue name
  ARGV[5] now (ms) or '' for Redis TIME
  ARGV[6] TTL of COMPLETED / CANCELLED hashes (ms)    ARGV[7] TTL of DEAD hashes (ms)
  ARGV[8] owners HASH    ARGV[9] prefix of per-replica owned ZSETs
  ARGV[10] owner heartbeat TTL (ms)                   (snippets/owners.lua)
  ARGV[11] number R of random numbers, ARGV[12 .. 11+R] random numbers in [0, 1)
  then the ops, each 'kind', taskId, token, nonce ('' = not checked) and by kind:
    'c' result | 'f' error, permanent ('1' / '0'), retry delay (ms, '' = backoff)
    'e' extension (ms), max lease age (ms) | 'r' nothing

  The owners HASH and the owned ZSETs are keys of this queue, under the same hash tag as
  KEYS[1] (one slot; keys.ts builds them), passed in ARGV because their number varies
  with the replicas.

  Returns { woke, code1, value1, code2, value2, ... }: code 0 = ok, with value the new
  deadline (extend), for fail the retry delay when the task was SCHEDULED or -1 when it
  became DEAD, else 0; a negative code is a refusal (ScriptCode in script-codes.ts) with
  value the task's token (-3), its state (-4) or the time the lease may not be extended
  past (-8). woke is 1 when a task became PENDING (then a wake-up was
  published).
]]
--@include "snippets/now.lua"
--@include "snippets/settle-ops.lua"
--@include "snippets/wake.lua"

local Q = {
  ready = KEYS[1], sched = KEYS[2], leased = KEYS[3], seq = KEYS[4], dead = KEYS[5],
  taskPrefix = ARGV[1], finishedTtlMs = tonumber(ARGV[6]), deadTtlMs = tonumber(ARGV[7]),
  instanceId = ARGV[3], owners = ARGV[8], ownedPrefix = ARGV[9], ownerTtlMs = tonumber(ARGV[10]),
}
local opsAt = takeRandoms(11)

local out = settleOps(Q, resolveNow(ARGV[5]), opsAt)
if out[1] > 0 then
  out[1] = 1
  wake(ARGV[2], ARGV[3], ARGV[4])
end
return out
