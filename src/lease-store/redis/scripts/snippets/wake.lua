--[[
  wake: announces on the store's channel that queue Q has ready tasks, so the
  dispatchers of every replica hear it. The message is '<instanceId>:<queue>'; the
  publishing store skips its own echo (it already told its listener).
]]
local function wake(channel, instanceId, queue)
  redis.call('PUBLISH', channel, instanceId .. ':' .. queue)
end
