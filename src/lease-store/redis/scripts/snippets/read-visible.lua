--[[
  readVisible: the task hash at `key` as { field1, value1, ... } and its state, or nil
  when the task is unknown or its retention has passed (isGone, snippets/finish.lua).
  `nowArg` is now (ms) or '' for Redis TIME.
]]
--@include "snippets/now.lua"
--@include "snippets/finish.lua"

local function readVisible(key, nowArg, finishedRetentionMs, deadRetentionMs)
  local fields = redis.call('HGETALL', key)
  if #fields == 0 then
    return nil
  end
  local state, finishedAt = nil, nil
  for i = 1, #fields, 2 do
    if fields[i] == 's' then
      state = fields[i + 1]
    elseif fields[i] == 'f' then
      finishedAt = fields[i + 1]
    end
  end
  if finishedAt and isGone(state, finishedAt, resolveNow(nowArg), finishedRetentionMs, deadRetentionMs) then
    return nil
  end
  return fields, state
end
