--[[
  purge: deletes up to `limit` members of each of a queue's ready, scheduled, leased and
  dead sets, with the task hashes behind them when the task is still in that state.
  COMPLETED and CANCELLED hashes are left to their retention. Call again until it
  removes no member.

  KEYS[1] ready ZSET     KEYS[2] scheduled ZSET     KEYS[3] leased ZSET
  KEYS[4] dead ZSET
  ARGV[1] task hash prefix
  ARGV[2] limit of members per set and call

  Returns { deletedTasks, removedMembers }.
]]
--@include "snippets/layout.lua"

local taskPrefix, limit = ARGV[1], tonumber(ARGV[2])
local deleted, removed = 0, 0

local function purgeSet(key, state, ordinalMembers)
  local members = redis.call('ZRANGE', key, 0, limit - 1)
  if #members == 0 then
    return
  end
  for _, member in ipairs(members) do
    local id = member
    if ordinalMembers then
      id = memberId(member)
    end
    local taskKey = taskPrefix .. id
    if redis.call('HGET', taskKey, 's') == state then
      redis.call('DEL', taskKey)
      deleted = deleted + 1
    end
  end
  redis.call('ZREM', key, unpack(members))
  removed = removed + #members
end

purgeSet(KEYS[1], 'P', false)
purgeSet(KEYS[2], 'S', true)
purgeSet(KEYS[3], 'L', true)
purgeSet(KEYS[4], 'D', false)
return { deleted, removed }
