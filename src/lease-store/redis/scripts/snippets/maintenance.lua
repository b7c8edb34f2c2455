--@include "snippets/layout.lua"
--@include "snippets/chunks.lua"
--@include "snippets/end-attempt.lua"
--@include "snippets/fair.lua"
--[[
  Claim maintenance, at most `limit` tasks of each kind per call so one call stays cheap.
  expireLeases: leases with deadline <= now end ("lease expired"): CANCELLED, DEAD, or
  SCHEDULED after the task's backoff. promoteDue: SCHEDULED tasks with due <= now become
  PENDING with fresh sequence numbers, in due order. expireLeases returns how many leases
  it ended, how many of those tasks became DEAD, and how many parked lines of fairness
  keys the ended leases let back into the ring (fair.lua); promoteDue how many tasks it
  moved.
  forgetDead drops Q.dead members older than the DEAD hashes' TTL (their hashes are gone).
]]
local function expireLeases(Q, now, limit)
  local expired = redis.call('ZRANGEBYSCORE', Q.leased, '-inf', now, 'LIMIT', 0, limit)
  if #expired == 0 then
    return 0, 0, 0
  end
  redis.call('ZREM', Q.leased, unpack(expired))
  local ended, dead, unparked = 0, 0, 0
  for _, member in ipairs(expired) do
    local id = memberId(member)
    local taskKey = Q.taskPrefix .. id
    local task = readTask(taskKey)
    -- A member left behind by an older lease of the task must not end the current one.
    if task and task.s == 'L' and setMember(tonumber(task.o), id) == member then
      replaceChunked(taskKey, 'l', 'lease expired')
      ended = ended + 1
      unparked = unparked + fairLeaseEnded(Q, task.z or '')
      if endAttempt(Q, id, task, now, false, nil, false) == 'D' then
        dead = dead + 1
      end
    end
  end
  return ended, dead, unparked
end

local function promoteDue(Q, now, limit)
  -- Members and their due times, in turn: a task is ready since it fell due ('d').
  local due = redis.call('ZRANGEBYSCORE', Q.sched, '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
  local count = #due / 2
  if count == 0 then
    return 0
  end
  local members = {}
  for i = 1, count do
    members[i] = due[2 * i - 1]
  end
  redis.call('ZREM', Q.sched, unpack(members))
  local seq = redis.call('INCRBY', Q.seq, count) - count
  local promoted = 0
  for i, member in ipairs(members) do
    local id = memberId(member)
    local taskKey = Q.taskPrefix .. id
    local v = redis.call('HMGET', taskKey, 's', 'y', 'z')
    if v[1] == 'S' then
      seq = seq + 1
      fairReady(Q, id, tonumber(v[2] or '0'), seq, v[3] or '')
      redis.call('HSET', taskKey, 's', 'P', 'n', seq, 'd', due[2 * i])
      promoted = promoted + 1
    end
  end
  return promoted
end

local function forgetDead(Q, now)
  redis.call('ZREMRANGEBYSCORE', Q.dead, '-inf', string.format('(%d', now - Q.deadTtlMs))
end
