--@include "snippets/layout.lua"
--@include "snippets/backoff.lua"
--@include "snippets/random.lua"
--@include "snippets/finish.lua"
--@include "snippets/fair.lua"
--[[
  endAttempt: a lease ended without success (fail or expiry); its attempt counts and the
  caller has already removed it from Q.leased. The task becomes CANCELLED when a cancel
  was requested, DEAD when `permanent` or its attempts are used up, else it retries after
  `delayMs` (nil: the task's backoff). A retry due now becomes PENDING at once when
  `readyWhenDue` (fail), else SCHEDULED at now so that promoteDue orders it by due time
  (expiry). A DEAD task joins Q.dead, scored by when it died. `task` holds the fields
  of the hash readTask reads.
  Returns the new state ('P', 'S', 'D' or 'X') and the retry delay.
]]
local function endAttempt(Q, id, task, now, permanent, delayMs, readyWhenDue)
  local taskKey = Q.taskPrefix .. id
  if task.c == '1' then
    finishTask(taskKey, 'X', now, Q.finishedTtlMs, task)
    return 'X', 0
  end
  local attempt = tonumber(task.a or '0')
  local maxAttempts = tonumber(task.m or '5')
  if permanent or attempt >= maxAttempts then
    finishTask(taskKey, 'D', now, Q.deadTtlMs, task)
    redis.call('ZADD', Q.dead, now, id)
    return 'D', 0
  end
  local delay = delayMs
  if delay == nil then
    delay = backoffMs(task.b, attempt, nextRandom())
  end
  if delay <= 0 and readyWhenDue then
    local seq = redis.call('INCR', Q.seq)
    fairReady(Q, id, tonumber(task.y or '0'), seq, task.z or '')
    redis.call('HSET', taskKey, 's', 'P', 'n', seq, 'd', now)
    return 'P', 0
  end
  local ordinal = redis.call('INCR', Q.seq)
  redis.call('ZADD', Q.sched, now + delay, setMember(ordinal, id))
  redis.call('HSET', taskKey, 's', 'S', 'o', ordinal)
  return 'S', delay
end

-- Reads the fields endAttempt and the settle checks need into a table.
local function readTask(taskKey)
  local v = redis.call('HMGET', taskKey, 's', 't', 'a', 'm', 'b', 'c', 'y', 'n', 'o', 'k', 'i', 'g', 'u', 'z', 'w')
  if not v[1] then
    return nil
  end
  return {
    s = v[1], t = v[2], a = v[3], m = v[4], b = v[5], c = v[6], y = v[7], n = v[8], o = v[9], k = v[10],
    i = v[11], g = v[12], u = v[13], z = v[14], w = v[15],
  }
end
