--[[
  finishTask: the task reached COMPLETED, DEAD or CANCELLED. It remembers when (getTask
  hides it once the retention has passed on the store clock) and gives the hash a Redis
  TTL of at least that retention, which only collects the garbage. When somebody waits
  for the task (wait-1.lua wrote the finish channel into field w), it publishes the
  task's key there; a task nobody waits for costs one field read and no message.
  isGone: whether a finished task's retention has passed at `now`.
]]
local function finishTask(taskKey, state, now, ttlMs)
  redis.call('HSET', taskKey, 's', state, 'f', now)
  redis.call('PEXPIRE', taskKey, ttlMs)
  local waitChannel = redis.call('HGET', taskKey, 'w')
  if waitChannel then
    redis.call('PUBLISH', waitChannel, taskKey)
  end
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
