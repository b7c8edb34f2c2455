--[[
  list: one page of a queue's tasks of one state, in the order of that state's index
  (ready: claim order; scheduled: due time; leased: deadline; dead: when they died).
  Members whose task is no longer in that state (or past its retention) are skipped.
  Its cost is bounded by the page size, never by the queue's depth.

  KEYS[1] the state's index ZSET (ready, scheduled, leased or dead)
  ARGV[1] task hash prefix
  ARGV[2] state code the tasks must have: P, S, L or D
  ARGV[3] '1' when members are setMember(ordinal, id) (scheduled, leased), else '0'
  ARGV[4] offset of the page in the index     ARGV[5] page size
  ARGV[6] now (ms) or '' for Redis TIME       ARGV[7] retention of DEAD tasks (ms)

  Returns { nextOffset (-1 = last page), task1, task2, ... } where each task is
  { taskId, field1, value1, ... }.
]]
--@include "snippets/now.lua"
--@include "snippets/layout.lua"
--@include "snippets/finish.lua"

local index, taskPrefix, state = KEYS[1], ARGV[1], ARGV[2]
local ordinalMembers = ARGV[3] == '1'
local offset, size = tonumber(ARGV[4]), tonumber(ARGV[5])
local now = resolveNow(ARGV[6])
local deadRetentionMs = tonumber(ARGV[7])

local members = redis.call('ZRANGE', index, offset, offset + size - 1)
local out = { -1 }
if #members == size and redis.call('ZCARD', index) > offset + size then
  out[1] = offset + size
end
for _, member in ipairs(members) do
  local id = member
  if ordinalMembers then
    id = memberId(member)
  end
  local fields = redis.call('HGETALL', taskPrefix .. id)
  local s, finishedAt = nil, nil
  for i = 1, #fields, 2 do
    if fields[i] == 's' then
      s = fields[i + 1]
    elseif fields[i] == 'f' then
      finishedAt = fields[i + 1]
    end
  end
  if s == state and not isGone(s, finishedAt, now, deadRetentionMs, deadRetentionMs) then
    table.insert(fields, 1, id)
    out[#out + 1] = fields
  end
end
return out
