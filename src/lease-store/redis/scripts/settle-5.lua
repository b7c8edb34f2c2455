--[[
  settle: applies complete / fail / extend / release ops to leases of one queue, each on
  its own and in order (docs/lease-store-semantics.md, "settle").

  KEYS[1] ready ZSET     KEYS[2] scheduled ZSET     KEYS[3] leased ZSET
  KEYS[4] sequence counter                          KEYS[5] dead ZSET
  ARGV[1] task hash prefix
  ARGV[2] wake channel   ARGV[3] store instance id   ARGV[4] queue name
  ARGV[5] now (ms) or '' for Redis TIME
  ARGV[6] TTL of COMPLETED / CANCELLED hashes (ms)    ARGV[7] TTL of DEAD hashes (ms)
  ARGV[8] number R of random numbers, ARGV[9 .. 8+R] random numbers in [0, 1)
  then the ops, each 'kind', taskId, token and by kind:
    'c' result | 'f' error, permanent ('1' / '0'), retry delay (ms, '' = backoff)
    'e' extension (ms) | 'r' nothing

  Returns { woke, code1, value1, code2, value2, ... }: code 0 = ok, with value the new
  deadline (extend), for fail the retry delay when the task was SCHEDULED or -1 when it
  became DEAD, else 0; a
  negative code is a refusal (ScriptCode in script-codes.ts) with value the task's
  token (-3) or state (-4). woke is 1 when a task became PENDING (then a wake-up was
  published).
]]
--@include "snippets/now.lua"
--@include "snippets/layout.lua"
--@include "snippets/random.lua"
--@include "snippets/chunks.lua"
--@include "snippets/finish.lua"
--@include "snippets/end-attempt.lua"
--@include "snippets/wake.lua"
--@include "snippets/script-codes.lua"

local OK, NOT_FOUND, LEASE_EXPIRED, RE_LEASED, LEASE_ENDED, CANCEL_REQUESTED, NEVER_LEASED =
  CODE.OK, CODE.NOT_FOUND, CODE.LEASE_EXPIRED, CODE.RE_LEASED, CODE.LEASE_ENDED,
  CODE.CANCEL_REQUESTED, CODE.NEVER_LEASED

local Q = {
  ready = KEYS[1], sched = KEYS[2], leased = KEYS[3], seq = KEYS[4], dead = KEYS[5],
  taskPrefix = ARGV[1], finishedTtlMs = tonumber(ARGV[6]), deadTtlMs = tonumber(ARGV[7]),
}
local now = resolveNow(ARGV[5])
local randomCount = tonumber(ARGV[8])
local randoms = {}
for i = 1, randomCount do
  randoms[i] = tonumber(ARGV[8 + i])
end
setRandoms(randoms)

local out = { 0 }
local woke = false
local at = 9 + randomCount
while at <= #ARGV do
  local kind, id, token = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2])
  at = at + 3
  local arg1, arg2, arg3
  if kind == 'c' or kind == 'e' then
    arg1 = ARGV[at]
    at = at + 1
  elseif kind == 'f' then
    arg1, arg2, arg3 = ARGV[at], ARGV[at + 1], ARGV[at + 2]
    at = at + 3
  end

  local taskKey = Q.taskPrefix .. id
  local task = readTask(taskKey)
  local code, value = OK, 0
  local held, member = false, nil
  if task and task.s == 'L' and tonumber(task.t) == token then
    member = setMember(tonumber(task.o), id)
    local deadline = redis.call('ZSCORE', Q.leased, member)
    held = deadline ~= false and tonumber(deadline) > now
  end

  if not task then
    code = NOT_FOUND
  elseif held then
    if kind == 'e' then
      if task.c == '1' then
        code = CANCEL_REQUESTED
      else
        value = now + tonumber(arg1)
        redis.call('ZADD', Q.leased, value, member)
      end
    else
      redis.call('ZREM', Q.leased, member)
      redis.call('HSET', taskKey, 'k', token .. kind)
      if kind == 'c' then
        if arg1 ~= '' then
          local fields = {}
          appendChunked(fields, 'r', arg1)
          redis.call('HSET', taskKey, unpack(fields))
        end
        finishTask(taskKey, 'C', now, Q.finishedTtlMs)
      elseif kind == 'f' then
        replaceChunked(taskKey, 'l', arg1)
        local delay = nil
        if arg3 ~= '' then
          delay = tonumber(arg3)
        end
        local state, retryIn = endAttempt(Q, id, task, now, arg2 == '1', delay, true)
        if state == 'P' then
          woke = true
        elseif state == 'S' then
          value = retryIn
        elseif state == 'D' then
          value = -1
        end
      else -- release: the attempt does not count
        redis.call('HINCRBY', taskKey, 'a', -1)
        if task.c == '1' then
          finishTask(taskKey, 'X', now, Q.finishedTtlMs)
        else
          redis.call('HSET', taskKey, 's', 'P')
          redis.call('ZADD', Q.ready, readyScore(tonumber(task.y or '0'), tonumber(task.n)), id)
          woke = true
        end
      end
    end
  elseif task.k == token .. kind and kind ~= 'e' then
    code = OK
  else
    local current = tonumber(task.t or '0')
    if token > current then
      code = NEVER_LEASED
    elseif token < current then
      code, value = RE_LEASED, current
    elseif task.s == 'L' then
      code = LEASE_EXPIRED
    else
      code, value = LEASE_ENDED, task.s
    end
  end
  out[#out + 1] = code
  out[#out + 1] = value
end

if woke then
  out[1] = 1
  wake(ARGV[2], ARGV[3], ARGV[4])
end
return out
