--[[
  finishTask: the task reached COMPLETED, DEAD or CANCELLED. It remembers when (getTask
  hides it once the retention has passed on the store clock) and gives the hash a Redis
  TTL of at least that retention, which only collects the garbage. When somebody waits
  for the task (wait-1.lua wrote the finish channel into field w), it publishes the
  task's key there. `task`, when the caller read the hash already (readTask in
  end-attempt.lua), tells field w, so a task nobody waits for costs no read and no
  message; `fields`, when given, are more field/value pairs written by the same HSET.
  `now` and `ttlMs` may be numbers or their text (layout.lua: numText).
  isGone: whether a finished task's retention has passed at `now`.
]]
local function finishTask(taskKey, state, now, ttlMs, task, fields)
  if fields then
    local n = #fields
    fields[n + 1], fields[n + 2], fields[n + 3], fields[n + 4] = 's', state, 'f', now
    redis.call('HSET', taskKey, unpack(fields))
  else
    redis.call('HSET', taskKey, 's', state, 'f', now)
  end
  redis.call('PEXPIRE', taskKey, ttlMs)
  local waitChannel
  if task then
    waitChannel = task.w
  else
    waitChannel = redis.call('HGET', taskKey, 'w')
  end
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
