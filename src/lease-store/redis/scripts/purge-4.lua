--[[
  purge: deletes up to `limit` members of each of a queue's ready, scheduled, leased and
  dead sets, with the task hashes behind them when the task is still in that state.
  COMPLETED and CANCELLED hashes are left to their retention. Call again until it
  removes no member.

  K.ready K.scheduled K.leased K.dead   the queue's state ZSETs
  A.taskPrefix                          task hash prefix
  A.limit                               limit of members per set and call

  Returns { deletedTasks, removedMembers }.
]]
--@include "snippets/args.lua"
--@include "snippets/layout.lua"
--@include "snippets/fair.lua"

local taskPrefix, limit = A.taskPrefix, tonumber(A.limit)
local Q = { ready = K.ready, taskPrefix = taskPrefix }
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
    local v = redis.call('HMGET', taskKey, 's', 'y', 'z')
    if v[1] == state then
      -- The fairness bookkeeping forgets the task as a cancel or a settle would.
      if state == 'P' then
        fairForgetLine(Q, tonumber(v[2] or '0'), v[3] or '')
      elseif state == 'L' then
        fairLeaseEnded(Q, v[3] or '')
      end
      redis.call('DEL', taskKey)
      deleted = deleted + 1
    end
  end
  redis.call('ZREM', key, unpack(members))
  removed = removed + #members
end

purgeSet(K.ready, 'P', false)
purgeSet(K.scheduled, 'S', true)
purgeSet(K.leased, 'L', true)
purgeSet(K.dead, 'D', false)
return { deleted, removed }
