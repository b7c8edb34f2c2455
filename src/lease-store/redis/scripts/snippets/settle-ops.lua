--[[
  settleOps: applies the complete / fail / extend / release ops that start at ARGV[at]
  (to the end of ARGV) to leases of one queue, each on its own and in order
  (docs/lease-store-semantics.md, "settle"). Each op is 'kind', taskId, token, nonce
  ('' = not checked: only the server's own ops) and by kind:
    'c' result | 'f' error, permanent ('1' / '0'), retry delay (ms, '' = backoff)
    'e' extension (ms), max lease age (ms) | 'r' nothing
  Fails without a retry delay draw their backoff jitter from the random numbers set.
  A nonce that does not match the task's latest lease (field v) is refused NEVER_LEASED.
  Field k remembers the last successful settle as '<token><kind>:<digest>', the digest
  covering the nonce and the result (complete) or error, permanent and delay (fail), so
  only a true repeat is answered ok. An extend past field g + max lease age is refused
  LEASE_TOO_OLD; one that succeeds makes this replica the lease's owner (owners.lua).

  Q holds the keys and settings: Q.ready, Q.sched, Q.leased, Q.seq, Q.dead, Q.taskPrefix,
  Q.finishedTtlMs, Q.deadTtlMs, Q.instanceId, Q.owners, Q.ownedPrefix, Q.ownerTtlMs.

  Returns { readied, code1, value1, code2, value2, ... } where readied counts the tasks
  made PENDING (released, or failed with no delay) and the parked lines of fairness keys
  that ended leases let back into the ring; publishes nothing. Code 0 = ok, with
  value the new deadline (extend), for fail the retry delay when the task was SCHEDULED
  or -1 when it became DEAD, else 0; a negative code is a refusal (CODE) with value the
  task's token (RE_LEASED), state (LEASE_ENDED) or the deadline of a lease already at
  its max age, which still holds (LEASE_TOO_OLD).
]]
--@include "snippets/layout.lua"
--@include "snippets/random.lua"
--@include "snippets/chunks.lua"
--@include "snippets/finish.lua"
--@include "snippets/end-attempt.lua"
--@include "snippets/owners.lua"
--@include "snippets/script-codes.lua"

-- What field k remembers of a successful settle: enough to tell a true repeat.
local function settledMark(token, kind, nonce, detail)
  return token .. kind .. ':' .. string.sub(redis.sha1hex(nonce .. '\0' .. detail), 1, 20)
end

local function settleOps(Q, now, at)
  local OK, NOT_FOUND, LEASE_EXPIRED, RE_LEASED, LEASE_ENDED, CANCEL_REQUESTED, NEVER_LEASED =
    CODE.OK, CODE.NOT_FOUND, CODE.LEASE_EXPIRED, CODE.RE_LEASED, CODE.LEASE_ENDED,
    CODE.CANCEL_REQUESTED, CODE.NEVER_LEASED
  local out = { 0 }
  local readied = 0
  -- Members of ended leases, removed from Q.leased and from each owner's set at the end.
  local unleased, disowned = {}, {}
  Q.leasedDelta = {}
  local nowArg, finishedTtlArg = numText(now), numText(Q.finishedTtlMs)
  while at <= #ARGV do
    -- tokenText is the token as the server wrote it, an integer's decimal digits: the text
    -- `token .. kind` would make, without turning the number back into text.
    local kind, id, tokenText, nonce = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
    local token = tonumber(tokenText)
    at = at + 4
    local arg1, arg2, arg3
    local detail = ''
    if kind == 'c' then
      arg1 = ARGV[at]
      at = at + 1
      detail = arg1
    elseif kind == 'e' then
      arg1, arg2 = ARGV[at], ARGV[at + 1]
      at = at + 2
    elseif kind == 'f' then
      arg1, arg2, arg3 = ARGV[at], ARGV[at + 1], ARGV[at + 2]
      at = at + 3
      detail = arg1 .. '\0' .. arg2 .. '\0' .. arg3
    end

    local taskKey = Q.taskPrefix .. id
    local task = readTask(taskKey)
    local code, value = OK, 0
    local held, member, deadline = false, nil, nil
    local forged = task and nonce ~= '' and tonumber(task.t or '0') == token and nonce ~= task.i
    if task and not forged and task.s == 'L' and tonumber(task.t) == token then
      member = setMember(tonumber(task.o), id)
      local score = redis.call('ZSCORE', Q.leased, member)
      if score then deadline = tonumber(score) end
      held = deadline ~= nil and deadline > now
    end

    if not task then
      code = NOT_FOUND
    elseif forged then
      code = NEVER_LEASED
    elseif held then
      if kind == 'e' then
        local leasedAt = tonumber(task.g or now)
        -- An extension stops at the max lease age; only a lease already there is refused
        -- (the value: its deadline, which still holds).
        local cap = leasedAt + tonumber(arg2)
        if task.c == '1' then
          code = CANCEL_REQUESTED
        elseif now + tonumber(arg1) > cap and deadline >= cap then
          code, value = CODE.LEASE_TOO_OLD, deadline
        else
          value = math.min(now + tonumber(arg1), cap)
          redis.call('ZADD', Q.leased, value, member)
          redis.call('HSET', taskKey, 'u', Q.instanceId, 'g', leasedAt)
          ownLeases(Q, now, { value, member })
        end
      else
        -- Out of Q.leased and its owner's set at the end of the ops, one ZREM each for
        -- the batch; the task's state, written now, already tells later ops it ended.
        unleased[#unleased + 1] = member
        if task.u then
          local members = disowned[task.u]
          if not members then
            members = {}
            disowned[task.u] = members
          end
          members[#members + 1] = member
        end
        -- Lines of the key that waited for this lease to end count as made ready.
        readied = readied + fairLeaseEnded(Q, task.z or '')
        local mark = settledMark(tokenText, kind, nonce, detail)
        if kind == 'c' then
          local fields = { 'k', mark }
          if arg1 ~= '' then
            appendChunked(fields, 'r', arg1)
          end
          finishTask(taskKey, 'C', nowArg, finishedTtlArg, task, fields)
        elseif kind == 'f' then
          redis.call('HSET', taskKey, 'k', mark)
          replaceChunked(taskKey, 'l', arg1)
          local delay = nil
          if arg3 ~= '' then
            delay = tonumber(arg3)
          end
          local state, retryIn = endAttempt(Q, id, task, now, arg2 == '1', delay, true)
          if state == 'P' then
            readied = readied + 1
          elseif state == 'S' then
            value = retryIn
          elseif state == 'D' then
            value = -1
          end
        else -- release: the attempt does not count
          redis.call('HSET', taskKey, 'k', mark)
          redis.call('HINCRBY', taskKey, 'a', -1)
          if task.c == '1' then
            finishTask(taskKey, 'X', nowArg, finishedTtlArg, task)
          else
            redis.call('HSET', taskKey, 's', 'P')
            fairReady(Q, id, tonumber(task.y or '0'), tonumber(task.n), task.z or '', true)
            readied = readied + 1
          end
        end
      end
    elseif kind ~= 'e' and task.k == settledMark(tokenText, kind, nonce, detail) then
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
  removeMembers(Q.leased, unleased)
  for owner, members in pairs(disowned) do
    removeMembers(Q.ownedPrefix .. owner, members)
  end
  fairFlushLeased(Q)
  out[1] = readied
  return out
end
