--[[
  settle: applies complete / fail / extend / release ops to leases of one queue, each on
  its own and in order (docs/lease-store-semantics.md, "settle").

  K.ready K.scheduled K.leased   the queue's ready, scheduled and leased ZSETs
  K.seq                          sequence counter
  K.dead                         dead ZSET
  A.taskPrefix                   task hash prefix
  A.channel A.instanceId A.queue wake channel, store instance id, queue name
  A.now                          now (ms) or '' for Redis TIME
  A.finishedTtlMs                TTL of COMPLETED / CANCELLED hashes (ms)
  A.deadTtlMs                    TTL of DEAD hashes (ms), also how long the dead ZSET
                                 keeps its members
  A.owners                       owners HASH            (snippets/owners.lua)
  A.ownedPrefix                  prefix of per-replica owned ZSETs
  A.ownerTtlMs                   owner heartbeat TTL (ms)
  tail: the seed in [0, 1) of the fails' backoff jitter (snippets/random.lua), then the
    ops, each 'kind', taskId, token, nonce ('' = not checked) and by kind:
    'c' result | 'f' error, permanent ('1' / '0'), retry delay (ms, '' = backoff)
    'e' extension (ms), max lease age (ms) | 'r' nothing

  The owners HASH and the owned ZSETs are keys of this queue, under the same hash tag as
  K.ready (one slot; keys.ts builds them), passed in ARGV because their number varies
  with the replicas.

  Returns { woke, code1, value1, code2, value2, ... }: code 0 = ok, with value the new
  deadline (extend), for fail the retry delay when the task was SCHEDULED or -1 when it
  became DEAD, else 0; a negative code is a refusal (ScriptCode in script-codes.ts) with
  value the task's token (-3), its state (-4) or the time the lease may not be extended
  past (-8). woke is 1 when a task became PENDING (then a wake-up was
  published).
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"
--@include "snippets/settle-ops.lua"
--@include "snippets/wake.lua"

local Q = {
  ready = K.ready, sched = K.scheduled, leased = K.leased, seq = K.seq, dead = K.dead,
  taskPrefix = A.taskPrefix, finishedTtlMs = tonumber(A.finishedTtlMs), deadTtlMs = tonumber(A.deadTtlMs),
  instanceId = A.instanceId, owners = A.owners, ownedPrefix = A.ownedPrefix, ownerTtlMs = tonumber(A.ownerTtlMs),
}
local opsAt = takeRandomSeed(TAIL)

local out = settleOps(Q, resolveNow(A.now), opsAt)
if out[1] > 0 then
  out[1] = 1
  wake(A.channel, A.instanceId, A.queue)
end
return out
