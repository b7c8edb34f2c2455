--[[
  finishTask: the task reached COMPLETED, DEAD or CANCELLED. It remembers when (getTask
  hides it once the retention has passed on the store clock) and gives the hash a Redis
  TTL of at least that retention, which only collects the garbage.
  isGone: whether a finished task's retention has passed at `now`.
]]
local function finishTask(taskKey, state, now, ttlMs)
  redis.call('HSET', taskKey, 's', state, 'f', now)
  redis.call('PEXPIRE', taskKey, ttlMs)
end

local function isGone(state, finishedAt, now, finishedRetentionMs, deadRetentionMs)
  if not finishedAt then
    return false
  end
  local retention = finishedRetentionMs
  if state == 'D' then
    retention = deadRetentionMs
  end
  return now >= tonumber(finishedAt) + retention
end
